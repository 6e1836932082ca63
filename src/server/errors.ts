import { GlacierMultipartError } from '../errors.js';
import { InvalidOptionError } from '../options.js';

/** @deprecated startLocalGlacier's option error (code was INVALID_LOCAL_GLACIER_OPTIONS; now takes (option, message)): use InvalidOptionError (the one option error; same `option` and code 'INVALID_OPTION'). */
export const LocalGlacierOptionsError = InvalidOptionError;
/** @deprecated use InvalidOptionError. */
export type LocalGlacierOptionsError = InvalidOptionError;

/**
 * A Glacier error response: JSON {code, message, type} with the HTTP status Amazon uses. The SDK reads
 * the code (body or x-amzn-ErrorType header) and throws its typed exception of that name.
 */
export class GlacierHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Client' | 'Server' = status >= 500 ? 'Server' : 'Client',
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string) =>
  new GlacierHttpError(400, 'InvalidParameterValueException', message);
export const missingParameter = (message: string) =>
  new GlacierHttpError(400, 'MissingParameterValueException', message);
export const notFound = (message: string) =>
  new GlacierHttpError(404, 'ResourceNotFoundException', message);
export const limitExceeded = (message: string) =>
  new GlacierHttpError(400, 'LimitExceededException', message);

/**
 * The data dir refused a write (full disk, quota, I/O error): a retryable server error, as Glacier
 * answers its own internal failures. The cause's message (e.g. "ENOSPC: no space left on device")
 * tells whoever runs the server what to fix.
 */
export const storageFailure = (cause: Error) =>
  new GlacierHttpError(500, 'ServiceUnavailableException',
    `The local Glacier server could not store the request: ${cause.message}. Free space in its data dir, then retry the request.`);
