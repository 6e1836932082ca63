/**
 * Hooks for the project's own tests, kept out of HashPool's public type: the package's exports
 * do not reach this module. HashPool registers its task runner here when the class is defined.
 */
import type { RunOptions } from './worker-threads.js';

type PoolTaskRunner = (pool: object, task: unknown, opts: RunOptions) => Promise<unknown>;

let runner: PoolTaskRunner | undefined;

/** Called once, by HashPool's static initialiser. */
export function registerPoolTaskRunner(r: PoolTaskRunner): void {
  runner = r;
}

/**
 * Runs an arbitrary task (optionally from another module, as Piscina allows) on `pool`'s threads,
 * through the same error handling as real work.
 */
export function runTaskForTest<T>(pool: object, task: unknown, opts: Pick<RunOptions, 'filename' | 'name' | 'signal'> = {}): Promise<T> {
  if (runner === undefined) throw new Error('internal: HashPool is not loaded');
  return runner(pool, task, opts) as Promise<T>;
}
