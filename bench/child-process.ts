// What the end-to-end benchmarks (upload, download, sync) share to run their parts in child processes.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LocalGlacierOptions } from '../src/server/index.js';

/**
 * Peak RSS of this process's own address space. getrusage's maxRSS survives fork+exec on Linux, so
 * a child spawned by a big parent (the combined `bench` run) would report the parent's peak; VmHWM in
 * /proc/self/status belongs to the address space exec created. Elsewhere, maxRSS.
 */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** The child's first line on stdout (its answer); rejects, with its stderr, if it exits first. */
export function readLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d) => { err += d; });
    const onData = (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        child.stdout?.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`bench child exited (${code}) before answering: ${err.trim()}`)));
  });
}

/** The environment of a bench child: the SDK's Node 20 warning stays out of the output. */
export const childEnv = () => ({ ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

/** The body of a `--serve DIR` child: the local server in a process of its own, its endpoint on stdout. */
export async function serveInChild(
  dataDir: string, credentials: { accessKeyId: string; secretAccessKey: string }, extra: LocalGlacierOptions = {},
): Promise<void> {
  const { startLocalGlacier } = await import('../src/server/index.js');
  const server = await startLocalGlacier({ ...extra, dataDir, credentials });
  process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`);
  process.on('SIGTERM', () => {
    void server.close().finally(() => process.exit(0));
  });
}

/** Stops a server child and waits for it to exit. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** User + system CPU seconds of another process so far (Linux /proc), or null. */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
