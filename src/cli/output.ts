import { GlacierMultipartError, UsageError } from '../errors.js';
import { commandLine, endpointStep, nextStepFor, type Invocation } from './next-step.js';
import { shellQuote } from './quote.js';

export { shellQuote };

/** Where a command writes; injectable so a command can be run in-process as well as from main.ts. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Context {
  io: Io;
  debug: boolean;
  /** One line to stderr, only with --debug. */
  log(line: string): void;
  /** One line to stderr, always (notes such as "resume with ..."). */
  note(line: string): void;
  /** One line to stdout (the command's result). */
  out(line: string): void;
  json(value: unknown): void;
  /** The signal the first Ctrl-C aborts. */
  signal: AbortSignal;
  /** How to run this CLI again in a printed next step: `glacier-multipart`, `npx …` or `node …/main.js`. */
  self: string;
  /** The endpoint the command connected to (set by connect()), for error messages. */
  endpoint?: string;
}

export function createContext(io: Io, debug: boolean, signal: AbortSignal, self = 'glacier-multipart'): Context {
  return {
    io,
    debug,
    signal,
    self,
    log: (line) => {
      if (debug) io.stderr.write(`debug: ${line}\n`);
    },
    note: (line) => {
      io.stderr.write(`${line}\n`);
    },
    out: (line) => {
      io.stdout.write(`${line}\n`);
    },
    json: (value) => {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

/** Exit statuses: 0 success, 1 failure, 2 usage, 130 interrupted by Ctrl-C (the shell convention). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

interface Facts {
  code?: unknown;
  uploadId?: unknown;
  journal?: unknown;
  vaultName?: unknown;
  status?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * The SDK's words for an answer it could not read as Glacier's (an HTML page, an empty 200, a
 * 501 from a plain web server): what a wrong --endpoint looks like.
 */
function notGlacier(err: Error & Facts): boolean {
  if (err.code === 'NOT_GLACIER') return true;
  const status = err.$metadata?.httpStatusCode;
  if (/Deserialization error|Unexpected token|is not valid JSON|Expected .* but got|Unexpected end of JSON/i.test(err.message)) return true;
  if (err.name === 'SyntaxError') return true;
  // A status Glacier never answers with, or an error the SDK could not name from Glacier's body.
  if (typeof status === 'number' && (status === 501 || status === 405 || (status >= 300 && status < 400))) return true;
  return /^(Unknown|UnknownError|NotImplemented|MethodNotAllowed)$/.test(err.name) && typeof status === 'number';
}

/** Hints for errors that come from outside the project (SDK, file system) and name no fix. */
function hintFor(err: Error & Facts, run: Invocation): string | undefined {
  if (err.name === 'CredentialsProviderError') {
    return 'configure AWS credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or point --endpoint at a local server';
  }
  if (err.code === 'ECONNREFUSED') {
    return `is the endpoint${run.endpoint ? ` ${run.endpoint}` : ''} right and the server running? (${commandLine(run, ['serve'])} starts a local one)`;
  }
  if (err.code === 'ENOENT' && !/no such file/i.test(err.message)) return 'check the path';
  return undefined;
}

/** What formatError needs to know about the run: how to name the CLI, which endpoint and options it used. */
export type ErrorContext = Partial<Invocation>;

/** The error, or one of its causes, that says the endpoint did not answer like Glacier. */
function findNotGlacier(err: unknown): (Error & Facts) | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (notGlacier(e as Error & Facts)) return e as Error & Facts;
  }
  return undefined;
}

const withoutPeriod = (text: string) => text.replace(/\.+$/, '');

/** "wrong version number" and friends: OpenSSL's words for https sent to a plain HTTP server. */
function findTlsMismatch(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (/wrong version number|packet length too long|unknown protocol|record layer failure/i.test(e.message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
      return typeof code === 'string' ? code : 'EPROTO';
    }
  }
  return undefined;
}

/**
 * The CLI's own words for errors whose library message is written for library callers, built from
 * the error's fields (never by rewriting its text); undefined to show the message as it is.
 */
function cliWords(err: Error & Facts, run: Invocation): string | undefined {
  const tls = findTlsMismatch(err);
  if (tls) {
    return `the endpoint ${run.endpoint ?? '(AWS default)'} did not answer in TLS (${tls}): it seems to speak plain HTTP; ` +
      `write http:// instead of https:// in --endpoint (the local server started with ${commandLine(run, ['serve'])} speaks plain HTTP)`;
  }
  const foreign = findNotGlacier(err);
  if (foreign) {
    const status = foreign.$metadata?.httpStatusCode ?? (typeof foreign.status === 'number' ? foreign.status : undefined);
    return `the endpoint ${run.endpoint ?? '(AWS default)'} did not answer like Glacier${status ? ` (HTTP ${status})` : ''}`;
  }
  if (err.code === 'UPLOAD_NOT_FOUND' && typeof err.vaultName === 'string') {
    // A wrong endpoint, region or account looks exactly like an expired upload: name it first.
    return `multipart upload ${String(err.uploadId)} was not found in vault ${err.vaultName} at ${run.endpoint ?? 'the AWS endpoint'}: ` +
      'if that is the wrong endpoint, region or account, pass the right --endpoint, --region or --account-id; otherwise it was aborted, ' +
      'expired (24 h without activity) or completed, and cannot be resumed';
  }
  if (err.code === 'VAULT_NOT_FOUND' && typeof err.vaultName === 'string') {
    const cause = err.cause instanceof Error ? ` (${err.cause.name}: ${withoutPeriod(err.cause.message)})` : '';
    return `vault "${err.vaultName}" does not exist for this account and region${cause}`;
  }
  const e = err as Error & { partSize?: unknown; archiveSize?: unknown; path?: unknown };
  if (err.code === 'DESTINATION_EXISTS' && typeof e.path === 'string') return `${e.path} already exists`;
  if (err.code === 'TOO_MANY_PARTS' && typeof e.partSize === 'number') {
    return typeof e.archiveSize === 'number'
      ? `an archive of ${e.archiveSize} bytes needs more than 10,000 parts of ${e.partSize} bytes: give a larger --part-size (or leave it out)`
      : `the stream is longer than 10,000 parts of ${e.partSize} bytes, Glacier's limit: the upload was aborted. Give a larger --part-size, or upload a file instead of stdin`;
  }
  return undefined;
}

/** One line for an error: its words, its next step, and the upload and journal it names. */
export function describeError(err: unknown, run: ErrorContext = {}): string {
  if (!(err instanceof Error)) return String(err);
  const inv: Invocation = { self: 'glacier-multipart', ...run };
  const e = err as Error & Facts;
  const own = cliWords(e, inv);
  const fromService = e.$metadata !== undefined && !(e instanceof GlacierMultipartError);
  let line = own ?? (fromService ? `${e.name}: ${e.message}` : e.message);
  if (!own && !(e instanceof GlacierMultipartError) && typeof e.code === 'string' && !line.includes(e.code)) line = `${line} (${e.code})`;
  const step = findTlsMismatch(err) ? undefined : findNotGlacier(err) ? endpointStep(inv) : nextStepFor(err, inv);
  const hint = step ?? hintFor(e, inv);
  if (hint) line = `${withoutPeriod(line)} — ${hint}`;
  const { uploadId, journal } = err as Facts;
  const extras: string[] = [];
  if (typeof uploadId === 'string' && !line.includes(uploadId)) extras.push(`upload id ${uploadId}`);
  if (typeof journal === 'string' && !line.includes(journal)) extras.push(`journal ${journal}`);
  if (extras.length) line += ` (${extras.join(', ')})`;
  return line;
}

/**
 * One clear line per error (the problem, and the one next step built from its facts), and with
 * --debug the stack and causes.
 */
export function formatError(err: unknown, debug: boolean, run: ErrorContext = {}): string {
  let text = `glacier-multipart: ${describeError(err, run)}`;
  if (debug && err instanceof Error) {
    text += `\n${err.stack ?? ''}`;
    let cause = err.cause;
    while (cause instanceof Error) {
      text += `\ncaused by: ${cause.stack ?? cause.message}`;
      cause = cause.cause;
    }
  }
  return text;
}

export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}
