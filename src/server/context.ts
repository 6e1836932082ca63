// What every handler is given: the server-wide context (store, config, stats, faults) and the request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Delays } from './delays.js';
import type { FaultInjector, FiredFault } from './faults.js';
import type { S3Store } from './s3/store.js';
import type { Store } from './store.js';
import type { GlacierOperation } from './types.js';

/** Options after defaults were applied. */
export interface ServerConfig {
  host: string;
  pageLimit: number;
  uploadTtlMs: number;
  /** Milliseconds from InitiateJob to completion, per tier (inventory jobs take Standard's). */
  jobDelays: Record<'Expedited' | 'Standard' | 'Bulk', number>;
  jobOutputTtlMs: number;
  expeditedCapacity: number;
  maxVaults: number;
  /** The account '-' stands for (the credentials' account). */
  accountId: string;
  inventoryIntervalMs: number;
  headersTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  maxConnections: number;
  /** The emulated link (link.ts): one-way delay, and the cap per direction (undefined = none). */
  latencyMs: number;
  bandwidthBitsPerSecond: number | undefined;
  allowAnyHost: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/** Request counters per operation and per injected fault (exposed as LocalGlacier.stats). */
export class Stats {
  readonly values: Record<string, number> = {};

  bump(key: string, by = 1): void {
    this.values[key] = (this.values[key] ?? 0) + by;
  }

  reset(): void {
    for (const k of Object.keys(this.values)) delete this.values[k];
  }
}

export interface ServerContext {
  store: Store;
  config: ServerConfig;
  stats: Stats;
  faults: FaultInjector;
  /** Timed holds (Slow, StalledBody) that end early when the server closes. */
  delays: Delays;
  /** The local S3's buckets, objects and uploads (src/server/s3). */
  s3: S3Store;
}

/** A request matched to an operation, with the labels taken from its path. */
export interface Route {
  operation: GlacierOperation;
  accountId: string;
  vaultName?: string;
  id?: string;
}

export interface RequestContext extends ServerContext {
  req: IncomingMessage;
  res: ServerResponse;
  route: Route;
  url: URL;
  /** The region of the SigV4 credential scope. */
  region: string;
  /** The account of the path ('-' resolved to config.accountId). */
  accountId: string;
  fault: FiredFault | undefined;
  /** Body already read (small requests, so SigV4 can cover it). */
  body?: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** For GetJobOutput: the body, produced when the answer is sent. */
  stream?: () => Readable;
  /** Close the connection once the body is sent (a truncated body must not leave the client waiting). */
  closeConnection?: boolean;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;
