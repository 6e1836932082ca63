import { GlacierClient, type GlacierClientConfig } from '@aws-sdk/client-glacier';
import { precomputedChecksumGenerator } from './checksums.js';
import { InvalidOptionError, LIMITS, checkLimit } from '../options.js';

/**
 * Milliseconds a request may sit with no byte moving (nothing sent, nothing received) before it
 * fails with a retryable TimeoutError. Two minutes: a healthy connection to Glacier moves a byte
 * far more often than that, while a held answer or a frozen server never ends on its own.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = LIMITS.requestTimeout.default;
/** Milliseconds to establish a TCP (and TLS) connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = LIMITS.connectTimeout.default;

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
   * Idle timeout in ms: a request with no byte sent or received for this long fails with a
   * (retryable) TimeoutError. Default DEFAULT_REQUEST_TIMEOUT_MS (120 s). It is not a cap on the
   * whole request, so a large part on a slow link is never cut off while its bytes flow.
   */
  requestTimeout?: number;
  /** Timeout in ms to connect to the endpoint; default DEFAULT_CONNECT_TIMEOUT_MS (10 s). */
  connectTimeout?: number;
  /**
   * Any other GlacierClient settings. The options above win over the same settings here; a
   * `requestHandler` given here replaces the timeouts (configure them on it yourself).
   */
  clientConfig?: GlacierClientConfig;
}

const ignore = () => undefined;
const QUIET_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Checks requestTimeout / connectTimeout options (also used by uploadArchive before any request). */
export function checkTimeouts(o: { requestTimeout?: unknown; connectTimeout?: unknown }): void {
  checkLimit('requestTimeout', o.requestTimeout);
  checkLimit('connectTimeout', o.connectTimeout);
}

/**
 * The one function that creates SDK clients in glacier-multipart: a GlacierClient with the SDK's
 * retries off (we retry per part), connect and idle timeouts (nothing waits forever), and a
 * bodyChecksumGenerator that only hands back the checksums our HashPool computed (it throws for an
 * archive body nobody hashed in advance instead of hashing it on the main thread).
 */
export function createGlacierClient(options: CreateGlacierClientOptions = {}): GlacierClient {
  const { endpoint, region, credentials, clientConfig = {} } = options;
  const maxAttempts = options.maxAttempts ?? clientConfig.maxAttempts ?? LIMITS.clientMaxAttempts.default;
  checkLimit('clientMaxAttempts', maxAttempts);
  checkTimeouts(options);
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InvalidOptionError('endpoint',
        `endpoint "${endpoint}" is not an http(s) URL: write it as http://127.0.0.1:3000 or https://glacier.eu-west-1.amazonaws.com.`);
    }
  }
  return new GlacierClient({
    // The SDK turns these NodeHttpHandler options into its handler: socketTimeout is the idle
    // timer (socket.setTimeout: reset by every byte either way), connectionTimeout the connect one.
    requestHandler: {
      connectionTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
      socketTimeout: options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
    // The SDK's default (no-op) logger makes its retry middleware print "An error was encountered
    // in a non-retryable streaming request." on the console for every failed file-stream part:
    // we report failures ourselves, once, with what to do.
    logger: QUIET_LOGGER,
    ...clientConfig,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    maxAttempts,
    bodyChecksumGenerator: clientConfig.bodyChecksumGenerator ?? (precomputedChecksumGenerator as GlacierClientConfig['bodyChecksumGenerator']),
  });
}
