import { GlacierMultipartError, UsageError } from '../errors.js';

/**
 * A command line that cannot work as typed: a bad option value, a missing option, an option
 * combination that makes no sense. The CLI exits with status 2 for these (like commander's own
 * usage errors), before any network request.
 */
export class CliUsageError extends UsageError {
  constructor(message: string, code = 'CLI_USAGE') {
    super(code, message);
  }
}

/** A size option such as `--part-size 8XB` that is not `<number>[unit]`. */
export class InvalidSizeError extends CliUsageError {
  /** The text as the user typed it. */
  readonly input: string;

  constructor(input: string, reason: string) {
    super(`Invalid size "${input}": ${reason}. Write bytes (e.g. 1048576) or a number with a unit: KiB, MiB, GiB, TiB (e.g. 8MiB, 1.5GiB).`, 'INVALID_SIZE');
    this.input = input;
  }
}

/** A failure the CLI found itself (a stale or unreadable journal), named with its next step: exit 1. */
export class CliFailure extends GlacierMultipartError {
  constructor(message: string, code: string) {
    super(code, message);
  }
}

/** The endpoint answers like Glacier, but not this one operation (an emulator missing a route). */
export class OperationNotImplementedError extends GlacierMultipartError {
  readonly operation: string;
  readonly status: number | undefined;
  constructor(endpoint: string | undefined, operation: string, status: number | undefined) {
    super('OPERATION_NOT_IMPLEMENTED',
      `this endpoint (${endpoint ?? 'AWS default'}) does not implement ${operation}${status ? ` (HTTP ${status})` : ''}: it answers other ` +
      `calls like Glacier, so --endpoint is right; use a server that supports ${operation} (glacier-multipart serve does), or real Glacier.`);
    this.operation = operation;
    this.status = status;
  }
}
