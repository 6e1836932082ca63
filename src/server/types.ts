/** The 16 Glacier operations the local server speaks (names as in @aws-sdk/client-glacier). */
export type GlacierOperation = 'CreateVault' | 'DescribeVault' | 'ListVaults' | 'DeleteVault'
  | 'InitiateMultipartUpload' | 'UploadMultipartPart' | 'ListParts' | 'ListMultipartUploads'
  | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'UploadArchive' | 'DeleteArchive'
  | 'InitiateJob' | 'DescribeJob' | 'ListJobs' | 'GetJobOutput';

export const GLACIER_OPERATIONS: readonly GlacierOperation[] = [
  'CreateVault', 'DescribeVault', 'ListVaults', 'DeleteVault',
  'InitiateMultipartUpload', 'UploadMultipartPart', 'ListParts', 'ListMultipartUploads',
  'CompleteMultipartUpload', 'AbortMultipartUpload', 'UploadArchive', 'DeleteArchive',
  'InitiateJob', 'DescribeJob', 'ListJobs', 'GetJobOutput',
];

export type FaultKind = 'ServiceUnavailable'   // 500 ServiceUnavailableException
  | 'Throttling'                               // 400 ThrottlingException
  | 'RequestTimeout'                           // 408 RequestTimeoutException
  | 'ConnectionReset'                          // destroy the socket mid-body (after reading part of it)
  | 'Slow'                                     // answer after delayMs (default 2000)
  | 'ListPartsRangeQuirk'                      // ListParts RangeInBytes one byte too long
  | 'TruncatedBody'                            // GetJobOutput: headers as usual, half the body, then the connection closes
  | 'FlippedByte'                              // GetJobOutput: one byte of the body flipped, tree-hash header still the true one
  | 'StalledBody'                              // GetJobOutput: half the body, then nothing for delayMs (default 2000), then the rest
  | 'JobOutputExpired';                        // GetJobOutput: 404 ResourceNotFoundException, as after the output expired

export const FAULT_KINDS: readonly FaultKind[] = [
  'ServiceUnavailable', 'Throttling', 'RequestTimeout', 'ConnectionReset', 'Slow', 'ListPartsRangeQuirk',
  'TruncatedBody', 'FlippedByte', 'StalledBody', 'JobOutputExpired',
];

/** Fault kinds that exist only on GetJobOutput answers (rules for other operations never fire). */
export const JOB_OUTPUT_FAULT_KINDS: readonly FaultKind[] = ['TruncatedBody', 'FlippedByte', 'StalledBody', 'JobOutputExpired'];

export interface FaultRule {
  operation: GlacierOperation | '*';
  kind: FaultKind;
  /** The nth request(s) of that operation, 1-based (counted per rule since the plan was set). */
  nth?: number | number[];
  /** Every kth request. */
  every?: number;
  /** 0..1, drawn from a deterministic PRNG seeded with `seed`. */
  probability?: number;
  seed?: number;
  /** For Slow and StalledBody: how long to hold the answer back (default 2000 ms). */
  delayMs?: number;
}
export type FaultPlan = FaultRule[];

/** Per-tier job delays in milliseconds. */
export interface JobDelays {
  expedited?: number;
  standard?: number;
  bulk?: number;
}

export interface LocalGlacierOptions {
  /** Default 127.0.0.1: the server is for local tests and never listens on all interfaces unasked. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default: a fresh temporary directory, removed by close() only because the server created it. */
  dataDir?: string;
  /** When given, every request's SigV4 signature is verified with these credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Default 50; caps the page size of ListParts, ListMultipartUploads, ListVaults and ListJobs. */
  pageLimit?: number;
  faults?: FaultPlan;
  /** Open uploads expire after this much inactivity (default 24 h); 404 afterwards. */
  uploadTtlMs?: number;
  /**
   * Jobs complete this long after InitiateJob (default 0 = at once): one number for every tier, or
   * per tier (a tier left out completes at once). Inventory jobs take the standard delay.
   */
  jobDelayMs?: number | JobDelays;
  /** A completed job's output (and the job) stays available this long, then 404 (default 24 h). */
  jobOutputTtlMs?: number;
  /**
   * How many Expedited retrievals may be in progress at once (default: no limit); beyond it,
   * InitiateJob answers 503 InsufficientCapacityException. 0 refuses every Expedited retrieval.
   */
  expeditedCapacity?: number;
  /** Hard quota on vaults per account (Amazon's is 1,000); LimitExceededException beyond it. */
  maxVaults?: number;
}

export interface LocalGlacier {
  /** e.g. http://127.0.0.1:34567 */
  endpoint: string;
  port: number;
  dataDir: string;
  /**
   * stats[op] = requests received per operation (faulted ones included);
   * stats[`${op}:${kind}`] = faults injected; stats['UploadMultipartPart:bytes'] = body bytes accepted.
   */
  stats: Record<string, number>;
  /** Replace the fault plan at run time (rule counters restart). */
  setFaults(plan: FaultPlan): void;
  resetStats(): void;
  close(): Promise<void>;
}
