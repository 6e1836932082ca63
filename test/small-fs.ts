// A small file system made by a test (tmpfs, which needs root and mount rights): a read-only or
// full disk without touching the machine's own. `canMount` says why a test cannot have one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFs {
  dir: string;
  readOnly(): void;
  unmount(): void;
}

function tryMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (tmpfs needs root)';
  const probe = mkdtempSync(join(tmpdir(), 'gm-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs failed here (${(err as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Undefined when a tmpfs can be mounted here, else the reason it cannot. */
export const cannotMount: string | undefined = tryMount();

/** Mounts a tmpfs of `bytes` at `dir` (made when missing). */
export function mountSmallFs(dir: string, bytes: number): SmallFs {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
  return {
    dir,
    readOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'ignore' }),
    unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }),
  };
}
