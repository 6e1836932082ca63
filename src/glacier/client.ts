import { GlacierClient, type GlacierClientConfig } from '@aws-sdk/client-glacier';
import { precomputedChecksumGenerator } from './checksums.js';
import { InvalidUploadOptionError } from './errors.js';

export interface CreateGlacierClientOptions {
  /** e.g. http://127.0.0.1:3000 for the local server; default: the SDK's own (AWS_ENDPOINT_URL_GLACIER, or the region's). */
  endpoint?: string;
  /** Default: the SDK's region chain (AWS_REGION, shared config files, ...). */
  region?: string;
  /** Default: the SDK's default credential chain. */
  credentials?: GlacierClientConfig['credentials'];
  /**
   * The SDK's own attempts per request. Default 1: glacier-multipart retries every call itself
   * (exponential backoff with full jitter, `maxAttempts` of uploadArchive/MultipartUpload), so SDK
   * retries would multiply with ours.
   */
  maxAttempts?: number;
  /**
   * Default: a silent logger. The SDK's retry middleware otherwise warns on the console ("An error
   * was encountered in a non-retryable streaming request.") each time a streamed part is aborted or
   * fails, over the caller's output; the error itself reaches the caller anyway.
   */
  logger?: GlacierClientConfig['logger'];
}

const SILENT_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * A GlacierClient wired for glacier-multipart: the SDK's retries off (we retry per part) and a
 * bodyChecksumGenerator that only hands back the checksums our HashPool computed (it throws for an
 * archive body nobody hashed in advance instead of hashing it on the main thread).
 */
export function createGlacierClient(options: CreateGlacierClientOptions = {}): GlacierClient {
  const { endpoint, region, credentials, maxAttempts = 1, logger = SILENT_LOGGER } = options;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidUploadOptionError('maxAttempts', `maxAttempts must be a whole number >= 1, got ${String(maxAttempts)}`);
  }
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InvalidUploadOptionError('endpoint',
        `endpoint "${endpoint}" is not an http(s) URL: write it as http://127.0.0.1:3000 or https://glacier.eu-west-1.amazonaws.com.`);
    }
  }
  return new GlacierClient({
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    maxAttempts,
    logger,
    bodyChecksumGenerator: precomputedChecksumGenerator as GlacierClientConfig['bodyChecksumGenerator'],
  });
}
