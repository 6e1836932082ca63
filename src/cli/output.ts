import { GlacierMultipartError } from '../errors.js';
import { CliUsageError } from './errors.js';

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
}

export function createContext(io: Io, debug: boolean, signal: AbortSignal): Context {
  return {
    io,
    debug,
    signal,
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

/** Hints for errors that come from outside the project (SDK, file system) and name no fix. */
function hintFor(err: Error & { code?: unknown; $metadata?: unknown }): string | undefined {
  if (err.name === 'CredentialsProviderError') {
    return 'configure AWS credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or point --endpoint at a local server';
  }
  const vault = /Vault not found for ARN: \S*:vaults\/(\S+)/.exec(err.message);
  if (err.name === 'ResourceNotFoundException' && vault) {
    return `create it with: glacier-multipart vault create ${vault[1]} (or check --region and --account-id)`;
  }
  if (err.code === 'ECONNREFUSED') {
    return 'is the endpoint right and the server running? (glacier-multipart serve starts a local one)';
  }
  if (err.code === 'ENOENT' && !/no such file/i.test(err.message)) return 'check the path';
  return undefined;
}

/**
 * One clear line per error: the typed error's own message (it already names the problem and the
 * fix), the upload id and journal when the error carries them, and with --debug the stack and causes.
 */
export function formatError(err: unknown, debug: boolean): string {
  if (!(err instanceof Error)) return `glacier-multipart: ${String(err)}`;
  const e = err as Error & WithUpload & { code?: unknown; $metadata?: unknown };
  const fromService = e.$metadata !== undefined && !(e instanceof GlacierMultipartError);
  let line = fromService ? `${e.name}: ${e.message}` : e.message;
  if (!(e instanceof GlacierMultipartError) && typeof e.code === 'string' && !line.includes(e.code)) {
    line = `${line} (${e.code})`;
  }
  const hint = hintFor(e);
  if (hint) line += ` — ${hint}`;
  const { uploadId, journal } = err as WithUpload;
  const extras: string[] = [];
  if (typeof uploadId === 'string' && !line.includes(uploadId)) extras.push(`upload id ${uploadId}`);
  if (typeof journal === 'string' && !line.includes(journal)) extras.push(`journal ${journal}`);
  if (extras.length) line += ` (${extras.join(', ')})`;
  if (typeof journal === 'string' && !line.includes('glacier-multipart resume')) {
    line += `; resume with: glacier-multipart resume --journal ${shellQuote(journal)}`;
  }
  let text = `glacier-multipart: ${line}`;
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
  return err instanceof CliUsageError ? EXIT_USAGE : EXIT_FAILURE;
}

/** Quotes a path for a copy-pasteable command line when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
