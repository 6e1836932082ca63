// The local Glacier-compatible server layer. It imports node:* and the SDK's own packages only,
// never src/hash: its hashes (node:crypto) are an independent witness of the WebAssembly core.
export { startLocalGlacier, LOCAL_ACCOUNT_ID } from './server.js';
export { LocalGlacierOptionsError } from './errors.js';
export { DataDirInUseError } from './data-dir-lock.js';
export { FAULT_KINDS, GLACIER_OPERATIONS } from './types.js';
export { S3_OPERATIONS, type S3Operation } from './s3/operations.js';
export type {
  FaultKind, FaultPlan, FaultRule, GlacierOperation, JobDelays, LocalGlacier, LocalGlacierOptions, S3FaultOperation,
} from './types.js';
