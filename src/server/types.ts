import type { S3Operation } from './s3/operations.js';

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
  | 'JobOutputExpired'                         // GetJobOutput: 404 ResourceNotFoundException, as after the output expired
  | 'InternalError'                            // S3 only: 500 InternalError
  | 'SlowDown';                                // S3 only: 503 SlowDown

export const FAULT_KINDS: readonly FaultKind[] = [
  'ServiceUnavailable', 'Throttling', 'RequestTimeout', 'ConnectionReset', 'Slow', 'ListPartsRangeQuirk',
  'TruncatedBody', 'FlippedByte', 'StalledBody', 'JobOutputExpired', 'InternalError', 'SlowDown',
];

/** Fault kinds only S3 operations answer with. */
export const S3_ONLY_FAULT_KINDS: readonly FaultKind[] = ['InternalError', 'SlowDown'];

/** Fault-plan names of the local S3's operations ('s3:*' is every one of them). */
export type S3FaultOperation = `s3:${S3Operation}`;

/** Fault kinds that exist only on GetJobOutput answers (rules for other operations never fire). */
export const JOB_OUTPUT_FAULT_KINDS: readonly FaultKind[] = ['TruncatedBody', 'FlippedByte', 'StalledBody', 'JobOutputExpired'];

export interface FaultRule {
  /** A Glacier operation, an S3 one ('s3:UploadPart'), 's3:*' (every S3 operation) or '*' (all). */
  operation: GlacierOperation | S3FaultOperation | 's3:*' | '*';
  kind: FaultKind;
  /** The nth request(s) of that operation, 1-based (counted per rule since the plan was set). */
  nth?: number | number[];
  /** Every kth request. */
  every?: number;
  /** 0..1, drawn from a deterministic PRNG seeded with `seed` (default: a stream of its own per rule). */
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
  /** Hard quota on vaults per account and region (Amazon's is 1,000); LimitExceededException beyond it. */
  maxVaults?: number;
  /**
   * The account '-' in a path stands for (the credentials' account); default LOCAL_ACCOUNT_ID.
   * Vaults belong to an (account, region): the account from the path, the region from the SigV4
   * credential scope, so a vault created in eu-west-1 is not found from us-east-1.
   */
  accountId?: string;
  /**
   * DescribeVault and ListVaults report NumberOfArchives, SizeInBytes and LastInventoryDate as of the
   * vault's last inventory, like Glacier. One is taken when an inventory-retrieval job starts, and
   * when the last is this old at a DescribeVault or ListVaults (default 24 h, Glacier's daily
   * inventory; 0 = every time, i.e. live figures).
   */
  inventoryIntervalMs?: number;
  /**
   * A connection must send complete request headers within this time after it opens or after the
   * previous answer (so it also bounds idle keep-alive connections); default 10,000 ms.
   */
  headersTimeoutMs?: number;
  /**
   * A request body that moves no byte for this long is abandoned: the connection is closed and its
   * temporary file removed (default 30,000 ms).
   */
  bodyIdleTimeoutMs?: number;
  /**
   * At most this many connections at once (default 512). At the limit, a new connection replaces the
   * connection idle the longest (no request in progress, e.g. unfinished headers); when every one is
   * busy, the new connection is closed.
   */
  maxConnections?: number;
  /**
   * Without credentials, only requests whose Host is a loopback name (localhost, 127.x.x.x, [::1]) or
   * the configured host are served, so a web page cannot reach the server through DNS rebinding.
   * true serves any Host (default false).
   */
  allowAnyHost?: boolean;
  /**
   * Emulates a distant Glacier: every byte, each way, arrives this many ms late (default 0), so a
   * request and its answer take at least 2 x latencyMs, and a new connection costs one more round
   * trip (its TCP handshake). Like `tc netem delay` on the server's side of the link.
   */
  latencyMs?: number;
  /**
   * Emulates a link of this many bits per second (at least 8000), shared by all connections, in
   * each direction: request bodies and answers each queue at one bottleneck (default: no cap).
   */
  bandwidthBitsPerSecond?: number;
}

export interface LocalGlacier {
  /** e.g. http://127.0.0.1:34567 */
  endpoint: string;
  /**
   * The local S3's endpoint (the same port: requests signed for the service s3 are S3 requests);
   * use it with forcePathStyle: true, e.g. new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, … }).
   */
  s3Endpoint: string;
  port: number;
  dataDir: string;
  /**
   * stats[op] = requests received per operation (faulted ones included);
   * stats[`${op}:${kind}`] = faults injected; stats['UploadMultipartPart:bytes'] = body bytes accepted;
   * stats['Connections:evicted'|'Connections:refused'] = connections closed at maxConnections,
   * stats['Connections:headersTimeout'] = connections closed for sending no complete headers in time;
   * stats['RefusedHost'] = requests refused for their Host header;
   * stats['RangeTreeHash:leaves'] = stored 1 MiB leaf digests combined for a range's tree hash
   * (InitiateJob, GetJobOutput), stats['RangeTreeHash:hashedBytes'] = archive bytes read and hashed
   * instead (archives stored without leaf digests, by an older data directory).
   * The local S3 counts stats['s3:<Operation>'], stats['s3:<Operation>:<fault kind>'],
   * stats['s3:PutObject:bytes'|'s3:UploadPart:bytes'|'s3:GetObject:bytes'] and stats['s3:Unknown'].
   */
  stats: Record<string, number>;
  /** Replace the fault plan at run time (rule counters restart). */
  setFaults(plan: FaultPlan): void;
  resetStats(): void;
  close(): Promise<void>;
}
