import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled bin, run exactly as `npx glacier-multipart` runs it. */
export const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** How the CLI names itself in the commands it prints when started as `node …/main.js` (as here). */
export const SELF = `node ${MAIN}`;

/** `text` as a literal inside a RegExp. */
export function lit(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Runs a command line the CLI printed exactly as a user would paste it into a shell (sh -c), in
 * the same clean environment: a printed next step must work as printed.
 */
export async function runPasted(line: string, opts: { input?: Buffer | string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const child = spawn('/bin/sh', ['-c', line], { env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  child.stdin!.end(opts.input ?? '');
  return new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment without any AWS configuration, so results never depend on the machine's profile. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_')) env[k] = v;
  }
  // Deliberately NOT setting AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: main.ts must.
  return { ...env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

/** `main`: another copy of the bin (e.g. readableInstall()'s, for a child run as another user). */
export function startCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; uid?: number; main?: string } = {}): { child: ChildProcess; done: Promise<CliResult>; stdout: () => string; stderr: () => string } {
  const user = opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid };
  const child = spawn(process.execPath, [opts.main ?? MAIN, ...args], { env: cleanEnv(opts.env), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], ...user });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A CLI stopped (Ctrl-C) before it read all of its stdin: the rest of the input has nowhere to go.
  child.stdin!.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

export async function runCli(args: string[], opts: { env?: Record<string, string>; input?: Buffer | string; cwd?: string; uid?: number; main?: string } = {}): Promise<CliResult> {
  const run = startCli(args, opts);
  run.child.stdin!.end(opts.input ?? '');
  return run.done;
}

/** Polls until `check` returns a value (no timing assertions: vitest's timeout bounds the wait). */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, intervalMs = 25): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gm-cli-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function randomFile(dir: string, name: string, size: number): Promise<{ path: string; data: Buffer }> {
  const data = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

// The shared node:crypto oracle (independent of src/).
export { oracleSha256, oracleTreeHash } from '../oracle.js';
