// The CPU floor the end-to-end benchmarks compare the client with: node:crypto hashing the same
// bytes once per pass Glacier needs, measured in the same run on the same host.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const MiB = 1024 * 1024;

/** 'tree': Glacier's tree hash (one pass, what a verified download needs); 'tree+sha256': also the linear SHA-256 an upload signs. */
export type FloorPasses = 'tree' | 'tree+sha256';

/** Leaf digests of data (1 MiB leaves); the caller combines them. */
function leafDigests(data: Buffer, into: Buffer[]): void {
  for (let at = 0; at < data.length; at += MiB) into.push(createHash('sha256').update(data.subarray(at, at + MiB)).digest());
}

function combine(leaves: Buffer[]): Buffer {
  let level = leaves.length > 0 ? leaves : [createHash('sha256').digest()];
  while (level.length > 1) {
    const up: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? createHash('sha256').update(level[i]!).update(level[i + 1]!).digest() : level[i]!);
    level = up;
  }
  return level[0]!;
}

/** The hashing these passes need, done with node:crypto (a body of one leaf has a SHA-256 equal to its tree hash: callers may count one pass). */
export function floorHash(data: Buffer, passes: FloorPasses): Buffer {
  const leaves: Buffer[] = [];
  leafDigests(data, leaves);
  if (passes === 'tree+sha256') createHash('sha256').update(data).digest();
  return combine(leaves);
}

/** CPU seconds (user + system, the whole process: call it while nothing else runs) of floorHash(data). */
export function floorCpuSeconds(data: Buffer, passes: FloorPasses): number {
  const c0 = process.cpuUsage();
  floorHash(data, passes);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** The floor of a file's bytes, read in 64 MiB pieces; only the hashing is counted, not the reads. */
export function fileFloorCpuSeconds(path: string, passes: FloorPasses): number {
  const fd = openSync(path, 'r');
  const piece = Buffer.allocUnsafe(64 * MiB);
  const leaves: Buffer[] = [];
  const linear = createHash('sha256');
  let cpu = 0;
  try {
    const both = passes === 'tree+sha256';
    for (;;) {
      const n = readSync(fd, piece, 0, piece.length, null);
      if (n === 0) break;
      const c0 = process.cpuUsage();
      leafDigests(piece.subarray(0, n), leaves);
      if (both) linear.update(piece.subarray(0, n));
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
    }
    const c0 = process.cpuUsage();
    combine(leaves);
    if (both) linear.digest();
    const c = process.cpuUsage(c0);
    return cpu + (c.user + c.system) / 1e6;
  } finally {
    closeSync(fd);
  }
}
