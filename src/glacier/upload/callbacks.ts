import { InvariantError } from '../../errors.js';

/** Node-style callback, as the classic Glacier components take. */
export type Callback<T> = (err: Error | null, data?: T) => void;

/** Calls `promise` and, when the last argument is a Node-style callback, reports to it instead. */
export function settle<T>(promise: Promise<T>, cb: Callback<T> | undefined): Promise<T> | undefined {
  if (!cb) return promise;
  // Every rejection here is an Error of ours or the SDK's; anything else is a bug, still handed over as an Error.
  promise.then((data) => cb(null, data), (err: unknown) => cb(err instanceof Error ? err : new InvariantError(String(err))));
  return undefined;
}

export function lastCallback(args: unknown[]): Callback<never> | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Callback<never>) : undefined;
}

