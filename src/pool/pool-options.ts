/** HashPool's constructor options, checked and with their defaults filled in. */
import { availableParallelism } from 'node:os';
import { InvalidOptionError, LIMITS, checkLimit } from '../options.js';
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
    throw new InvalidOptionError('options', `HashPool options must be an object; got ${describe(opts)}.`);
  }
  const threads = checkLimit('threads', opts.threads) ?? availableParallelism();
  const engine = opts.engine ?? 'auto';
  if (engine !== 'wasm' && engine !== 'node' && engine !== 'auto') {
    throw new InvalidOptionError('engine', `Invalid engine: ${describe(opts.engine)}. Use 'wasm', 'node' or 'auto'.`);
  }
  checkLimit('idleTimeout', opts.idleTimeout);
  const maxQueue = checkLimit('maxQueue', opts.maxQueue) ?? LIMITS.maxQueue.default;
  return { threads, engine, idleTimeout: opts.idleTimeout, maxQueue };
}
