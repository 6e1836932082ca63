import { GlacierMultipartError, UsageError } from '../errors.js';

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

interface WithUpload {
  uploadId?: unknown;
  journal?: unknown;
}

/**
 * The SDK's words for an answer it could not read as Glacier's (an HTML page, an empty 200, a
 * 501 from a plain web server): what a wrong --endpoint looks like.
 */
function notGlacier(err: Error & { $metadata?: { httpStatusCode?: number }; $response?: unknown }): boolean {
  const status = err.$metadata?.httpStatusCode;
  if (/Deserialization error|Unexpected token|is not valid JSON|Expected .* but got|Unexpected end of JSON/i.test(err.message)) return true;
  if (err.name === 'SyntaxError') return true;
  // A status Glacier never answers with, or an error the SDK could not name from Glacier's body.
  if (typeof status === 'number' && (status === 501 || status === 405 || (status >= 300 && status < 400))) return true;
  return /^(Unknown|UnknownError|NotImplemented|MethodNotAllowed)$/.test(err.name) && typeof status === 'number';
}

/** Hints for errors that come from outside the project (SDK, file system) and name no fix. */
function hintFor(err: Error & { code?: unknown; $metadata?: unknown }, endpoint: string | undefined): string | undefined {
  if (err.name === 'CredentialsProviderError') {
    return 'configure AWS credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or point --endpoint at a local server';
  }
  const vault = /Vault not found for ARN: \S*:vaults\/(\S+)/.exec(err.message);
  if (err.name === 'ResourceNotFoundException' && vault) {
    return `create it with: glacier-multipart vault create ${vault[1]} (or check --region and --account-id)`;
  }
  if (err.code === 'ECONNREFUSED') {
    return `is the endpoint${endpoint ? ` ${endpoint}` : ''} right and the server running? (glacier-multipart serve starts a local one)`;
  }
  if (err.code === 'ENOENT' && !/no such file/i.test(err.message)) return 'check the path';
  return undefined;
}

function uploadIdOf(e: unknown): unknown {
  return (e as { uploadId?: unknown }).uploadId;
}

/** What formatError needs to know about the run: how to name the CLI, which endpoint it used. */
export interface ErrorContext {
  self?: string;
  endpoint?: string;
}

/** The error, or one of its causes, that says the endpoint did not answer like Glacier. */
function findNotGlacier(err: unknown): (Error & { $metadata?: { httpStatusCode?: number } }) | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (notGlacier(e as Error & { $metadata?: { httpStatusCode?: number } })) return e as Error & { $metadata?: { httpStatusCode?: number } };
  }
  return undefined;
}

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
 * The library's option names in messages, in the CLI's words: users type --part-size, not partSize.
 * (Library messages are written for library callers; the CLI shows them to people at a shell.)
 */
export function cliLanguage(text: string): string {
  return text
    .replace(/,? ?pass leavePartsOnError: true to keep them for a resume/g, '; run without --abort-on-error to keep them for a resume')
    .replace(/ ?\(leavePartsOnError\)/g, '')
    .replace(/\bleavePartsOnError\b/g, '--abort-on-error')
    .replace(/\bpartSize (\d+|'auto') was passed/g, '--part-size $1 was given')
    .replace(/drop partSize \(or pass 'auto'\)/g, 'drop --part-size')
    .replace(/\bpartSize\b/g, '--part-size')
    .replace(/\buploadId (\S+) was passed/g, '--upload-id $1 was given')
    .replace(/\buploadId\b/g, '--upload-id')
    .replace(/\bexpectedSize \(an upper estimate of the stream's size\) with --part-size 'auto'/g, 'a file instead of stdin')
    .replace(/\bthreads must be/g, '--threads must be')
    .replace(/\bconcurrency must be/g, '--concurrency must be')
    .replace(/\baccountId must be/g, '--account-id must be')
    .replace(/\bmaxAttempts must be/g, '--max-attempts must be')
    .replace(/\.\.(?=\s|$)/g, '.');
}

/** `glacier-multipart <words>` in a message, as this run was started (npx, node main.js, …). */
function withSelf(text: string, self: string | undefined): string {
  if (!self || self === 'glacier-multipart') return text;
  // Commands already written with `self` (npx glacier-multipart …) stay as they are.
  const kept: string[] = [];
  const held = text.split(`${self} `).map((piece, i) => (i === 0 ? piece : `\u0000${kept.push(self) - 1}\u0000${piece}`)).join('');
  return held
    .replace(/\bglacier-multipart (?=(resume|abort|uploads|parts|upload|vault|serve|hash|demo|bench|retrieve|jobs|download|sync)\b)/g, `${self} `)
    .replace(/\u0000(\d+)\u0000/g, (_, n: string) => `${kept[Number(n)]} `);
}

/**
 * One clear line per error: the typed error's own message (it already names the problem and the
 * fix, in the CLI's words), the upload id and journal when the error carries them, and with
 * --debug the stack and causes.
 */
export function formatError(err: unknown, debug: boolean, run: ErrorContext = {}): string {
  if (!(err instanceof Error)) return `glacier-multipart: ${String(err)}`;
  const e = err as Error & WithUpload & { code?: unknown; $metadata?: unknown };
  const foreign = findNotGlacier(err);
  let line: string;
  const tls = findTlsMismatch(err);
  if (tls) {
    line = `the endpoint ${run.endpoint ?? '(AWS default)'} did not answer in TLS (${tls}): it seems to speak plain HTTP; ` +
      'write http:// instead of https:// in --endpoint (the local server started with glacier-multipart serve speaks plain HTTP)';
  } else if (foreign) {
    const status = foreign.$metadata?.httpStatusCode;
    line = `the endpoint ${run.endpoint ?? '(AWS default)'} did not answer like Glacier${status ? ` (HTTP ${status})` : ''}: ` +
      'check --endpoint (e.g. http://127.0.0.1:3000 for a local server started with: glacier-multipart serve; leave it out for real AWS)';
  } else if (e.code === 'UPLOAD_NOT_FOUND' && typeof (e as { vaultName?: unknown }).vaultName === 'string') {
    // A wrong endpoint, region or account looks exactly like an expired upload: name it first.
    line = `multipart upload ${String(uploadIdOf(e))} was not found in vault ${(e as { vaultName?: string }).vaultName} at ${run.endpoint ?? 'the AWS endpoint'}: ` +
      'if that is the wrong endpoint, region or account, pass the right --endpoint, --region or --account-id; otherwise it was aborted, ' +
      'expired (24 h without activity) or completed, and cannot be resumed';
  } else {
    const fromService = e.$metadata !== undefined && !(e instanceof GlacierMultipartError);
    line = fromService ? `${e.name}: ${e.message}` : cliLanguage(e.message);
    if (!(e instanceof GlacierMultipartError) && typeof e.code === 'string' && !line.includes(e.code)) {
      line = `${line} (${e.code})`;
    }
    const hint = hintFor(e, run.endpoint);
    if (hint) line = `${line.replace(/\.$/, '')} — ${hint}`;
    const { uploadId, journal } = err as WithUpload;
    const extras: string[] = [];
    if (typeof uploadId === 'string' && !line.includes(uploadId)) extras.push(`upload id ${uploadId}`);
    if (typeof journal === 'string' && !line.includes(journal)) extras.push(`journal ${journal}`);
    if (extras.length) line += ` (${extras.join(', ')})`;
  }
  let text = `glacier-multipart: ${withSelf(line, run.self)}`;
  if (debug) {
    text += `\n${e.stack ?? ''}`;
    let cause = e.cause;
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

/** Quotes a path for a copy-pasteable command line when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
