import { GlacierMultipartError } from '../errors.js';
import { CliUsageError } from './errors.js';

/** The options every command that talks to Glacier accepts. */
export interface ConnectionOptions {
  endpoint?: string;
  region?: string;
  accountId?: string;
  maxAttempts?: number;
  /** Milliseconds without a byte moving before a request fails (and is retried). */
  requestTimeout?: number;
  /** false (--no-endpoint-check): accept any answer, as the SDK alone would. */
  endpointCheck?: boolean;
}

export interface ResolvedConnection {
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** True when the endpoint is this machine (the local server): dummy credentials are fine there. */
  local: boolean;
}

/** Credentials the local server accepts when it was started without `credentials` (no SigV4 check). */
export const LOCAL_DUMMY_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = { accessKeyId: 'local', secretAccessKey: 'local' };
const LOCAL_DEFAULT_REGION = 'us-east-1';

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Checks an endpoint URL before any request: a typo here otherwise surfaces as a DNS error later. */
export function checkEndpoint(text: string, from: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError(`${from} "${text}" is not a URL: write it as http://127.0.0.1:3000 or https://glacier.eu-west-1.amazonaws.com.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliUsageError(`${from} "${text}" must start with http:// or https://.`);
  }
  return url;
}

/**
 * The endpoint comes from --endpoint or the SDK's own AWS_ENDPOINT_URL_GLACIER; region and
 * credentials from the SDK's default chains (environment, shared config files, SSO, instance role).
 * Only for a loopback endpoint (the project's local server) do we fill in a region and dummy
 * credentials when none are configured, and say so with --debug.
 */
export async function resolveConnection(opts: ConnectionOptions, debug: (line: string) => void): Promise<ResolvedConnection> {
  const fromFlag = opts.endpoint !== undefined;
  const endpointText = opts.endpoint ?? (process.env.AWS_ENDPOINT_URL_GLACIER || undefined);
  let local = false;
  if (endpointText !== undefined) {
    const url = checkEndpoint(endpointText, fromFlag ? '--endpoint' : 'AWS_ENDPOINT_URL_GLACIER');
    local = isLoopback(url.hostname);
    debug(`endpoint ${endpointText} (from ${fromFlag ? '--endpoint' : 'AWS_ENDPOINT_URL_GLACIER'})${local ? ', a local server' : ''}`);
  } else {
    debug('endpoint: the SDK default for the region (real Amazon S3 Glacier)');
  }

  // Ask the SDK's own providers, exactly as a GlacierClient would, so config files and SSO work.
  // (It only resolves settings and never sends; still made like every client, by createGlacierClient.)
  const { createGlacierClient } = await import('../glacier/client.js');
  const probe = createGlacierClient({ ...(opts.region ? { region: opts.region } : {}), ...(endpointText ? { endpoint: endpointText } : {}) });
  try {
    let region: string;
    try {
      region = await probe.config.region();
    } catch {
      if (!local) {
        throw new CliUsageError('No AWS region configured: pass --region (e.g. --region eu-west-1) or set AWS_REGION.', 'NO_REGION');
      }
      region = LOCAL_DEFAULT_REGION;
      debug(`no region configured; using ${region} for the local server`);
    }
    let credentials: ResolvedConnection['credentials'];
    if (local) {
      try {
        await probe.config.credentials();
        debug('credentials: from the SDK default chain');
      } catch {
        credentials = { ...LOCAL_DUMMY_CREDENTIALS };
        debug('no AWS credentials configured; using dummy credentials for the local server (it verifies SigV4 only when started with credentials)');
      }
    }
    return { endpoint: endpointText, region, credentials, local };
  } finally {
    probe.destroy();
  }
}

/** The SDK's own default attempts, for commands whose requests nobody else retries. */
const SDK_DEFAULT_ATTEMPTS = 3;

/**
 * A GlacierClient wired by the uploader layer (its checksum generator takes the pool's hashes, so
 * the SDK hashes nothing on the main thread), pointed where the options say.
 * `retries`: 'ours' (default) when the command goes through MultipartUpload/uploadArchive, which
 * retry every call themselves with --max-attempts, so the SDK makes one attempt (retries would
 * otherwise multiply); 'sdk' when the command sends SDK commands directly, so the SDK retries them.
 */
export async function connect(opts: ConnectionOptions, ctxOrLog: { log: (line: string) => void; endpoint?: string } | ((line: string) => void), retries: 'ours' | 'sdk' = 'ours') {
  // Given the command's context (not just its debug log), errors can name the endpoint used.
  const ctx = typeof ctxOrLog === 'function' ? { log: ctxOrLog } : ctxOrLog;
  const conn = await resolveConnection(opts, ctx.log);
  ctx.endpoint = conn.endpoint;
  const { createGlacierClient } = await import('../glacier/index.js');
  const client = createGlacierClient({
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    region: conn.region,
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
    maxAttempts: retries === 'sdk' ? opts.maxAttempts ?? SDK_DEFAULT_ATTEMPTS : 1,
    ...(opts.requestTimeout !== undefined ? { requestTimeout: opts.requestTimeout } : {}),
  });
  if (opts.endpointCheck !== false) {
    const { requireGlacierAnswers } = await import('./endpoint-check.js');
    requireGlacierAnswers(client, conn.endpoint);
  }
  return { client, conn };
}

/** The endpoint answered, but not like Glacier: the fix is --endpoint. */
export class NotGlacierError extends GlacierMultipartError {
  readonly status: number | undefined;
  constructor(endpoint: string | undefined, status: number | undefined) {
    super('NOT_GLACIER', `the endpoint ${endpoint ?? '(AWS default)'} did not answer like Glacier${status ? ` (HTTP ${status}, no x-amzn-RequestId)` : ''}: ` +
      'check --endpoint (e.g. http://127.0.0.1:3000 for a local server started with: glacier-multipart serve; leave it out for real AWS), ' +
      'or pass --no-endpoint-check if it is a Glacier emulator that answers without AWS headers');
    this.status = status;
  }
}
