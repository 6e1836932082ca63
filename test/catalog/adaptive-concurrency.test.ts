// sync's concurrency for small files follows the link: the probe doubles the level while the
// completion rate grows and settles on the faster of the last two levels; a given --concurrency is kept.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyProbe, forEachAdaptive } from '../../dist/src/catalog/adaptive-concurrency.js';
import { syncDirectory } from '../../dist/src/catalog/index.js';
import { setup, writeTree, type Env } from './helpers.js';

/** A probe on a clock the test moves: `rate(limit)` completions per ms at each level. */
function drive(rate: (limit: number) => number, initial = 8, max = 64, completions = 2000): number[] {
  let t = 0;
  const probe = new ConcurrencyProbe(initial, max, () => t);
  const levels = [probe.limit];
  for (let i = 0; i < completions; i++) {
    t += 1 / rate(probe.limit);
    probe.completed();
    if (levels[levels.length - 1] !== probe.limit) levels.push(probe.limit);
  }
  return levels;
}

describe('ConcurrencyProbe', () => {
  it('doubles while the rate grows, then settles on the best level', () => {
    // A link whose rate grows with concurrency up to 32 in flight (bandwidth x round trip), flat after.
    expect(drive((n) => Math.min(n, 32))).toEqual([8, 16, 32, 64, 32]);
    // A LAN: already saturated at 8.
    expect(drive(() => 10)).toEqual([8, 16, 8]);
    // Growing all the way: stops at max.
    expect(drive((n) => n, 8, 64)).toEqual([8, 16, 32, 64]);
    // A gain under 15% stops the doubling, at the faster level: 16 here (10% more), not 32.
    expect(drive((n) => (n > 8 ? 11 : 10))).toEqual([8, 16]);
    // A doubling that made it slower is undone.
    expect(drive((n) => (n > 16 ? 9 : n))).toEqual([8, 16, 32, 16]);
  });

  it('is fixed when initial equals max (a given concurrency)', () => {
    expect(drive((n) => n, 5, 5)).toEqual([5]);
    expect(new ConcurrencyProbe(5, 5).fixed).toBe(true);
  });

  it('forEachAdaptive keeps at most limit in flight, follows a rising limit, waits for every started item', async () => {
    let t = 0;
    const probe = new ConcurrencyProbe(2, 8, () => (t += 1));
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachAdaptive(Array.from({ length: 60 }, (_, i) => i), probe, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      expect(inFlight).toBeLessThanOrEqual(probe.limit + 1);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(most).toBeGreaterThan(2);
    let started = 0;
    const failing = forEachAdaptive(Array.from({ length: 20 }, (_, i) => i), new ConcurrencyProbe(4, 4), async (i) => {
      started++;
      await new Promise((r) => setTimeout(r, 5));
      if (i === 0) throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    expect(started).toBe(4);
  });
});

describe('sync over a slow link', () => {
  let env: Env;
  beforeEach(async () => {
    env = await setup();
  });
  afterEach(async () => env.close());

  it('raises the small files\' concurrency above 8 when each request takes long; keeps a given one', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = {};
    for (let i = 0; i < 66; i++) files[i < 60 ? `a/f${i}.bin` : `b/f${i}.bin`] = 1000 + i;
    writeTree(root, files);
    // Every UploadArchive answered a second late: round trips of a distant region, not this machine's CPU, bound the rate.
    env.server.setFaults([{ operation: 'UploadArchive', kind: 'Slow', every: 1, delayMs: 1000 }]);
    const probed = await syncDirectory({ dir: root, vaultName: env.vaultName, catalog: join(env.dir, 'a.catalog'), client: env.client, include: ['a/**'] });
    expect(probed.uploaded).toHaveLength(60);
    expect(probed.concurrency).toBeGreaterThan(8);
    const fixed = await syncDirectory({ dir: root, vaultName: env.vaultName, catalog: join(env.dir, 'b.catalog'), client: env.client, include: ['b/**'], concurrency: 3 });
    expect(fixed.uploaded).toHaveLength(6);
    expect(fixed.concurrency).toBe(3);
  });
});
