/** HashPool's constructor options, checked and with their defaults filled in. */
import { availableParallelism } from 'node:os';
import { InvalidPoolOptionError } from './errors.js';
import { describe } from './describe-value.js';
import type { HashEngine, HashPoolOptions } from './types.js';

export interface PoolSettings {
  threads: number;
  engine: HashEngine | 'auto';
  idleTimeout: number | undefined;
  maxQueue: number;
}

export function checkPoolOptions(opts: HashPoolOptions): PoolSettings {
  if (typeof opts !== 'object' || opts === null) {
    throw new InvalidPoolOptionError('options', `HashPool options must be an object; got ${describe(opts)}.`);
  }
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new InvalidPoolOptionError('threads', `Invalid threads: ${describe(opts.threads)}. Use a whole number from 1 to 1024 (default: os.availableParallelism(), here ${availableParallelism()}).`);
  }
  const engine = opts.engine ?? 'auto';
  if (engine !== 'wasm' && engine !== 'node' && engine !== 'auto') {
    throw new InvalidPoolOptionError('engine', `Invalid engine: ${describe(opts.engine)}. Use 'wasm', 'node' or 'auto'.`);
  }
  if (opts.idleTimeout !== undefined && !(typeof opts.idleTimeout === 'number' && opts.idleTimeout >= 0)) {
    throw new InvalidPoolOptionError('idleTimeout', `Invalid idleTimeout: ${describe(opts.idleTimeout)}. Use milliseconds >= 0 (or Infinity).`);
  }
  const maxQueue = opts.maxQueue ?? Infinity;
  if (!(maxQueue === Infinity || (Number.isInteger(maxQueue) && maxQueue >= 0))) {
    throw new InvalidPoolOptionError('maxQueue', `Invalid maxQueue: ${describe(opts.maxQueue)}. Use a whole number >= 0 (or Infinity).`);
  }
  return { threads, engine, idleTimeout: opts.idleTimeout, maxQueue };
}
