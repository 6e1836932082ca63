// One writer per catalog and per transfer journal: a second writer (another process) is refused
// with the holder's pid and command, a lock left by a killed process is taken over, and readers
// (check, dry runs) never take the lock.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog, CatalogLockedError, JournalLockedError, uploadArchive, mergeCatalogs } from '../../dist/src/index.js';
import { runCli, startCli, waitFor } from '../cli/helpers.js';
import { setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
const conn = () => ['--vault', env.vaultName, '--endpoint', env.server.endpoint];

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** A live process that is not this one, stopped by the returned function. */
function livePid(): { pid: number; stop: () => void } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

describe('catalog lock', () => {
  it('a second sync (another process) is refused while the first writes; check and dry runs still read', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = {};
    for (let i = 0; i < 30; i++) files[`f${i}.dat`] = 2000 + i;
    writeTree(root, files);
    const catalog = join(env.dir, 'v.catalog');
    env.server.setFaults([{ operation: 'UploadArchive', kind: 'Slow', every: 1, delayMs: 2000 }]);
    const args = ['sync', '--dir', root, '--catalog', catalog, ...conn(), '--concurrency', '1', '--threads', '1', '--progress', 'none'];
    const first = startCli(args, { env: awsEnv() });
    first.child.stdin!.end();
    await waitFor(() => existsSync(`${catalog}.lock`) || undefined);
    const holder = JSON.parse(readFileSync(`${catalog}.lock`, 'utf8'));
    expect(holder).toMatchObject({ pid: first.child.pid, hostname: hostname() });
    expect(holder.command).toContain('sync');

    const second = await runCli(args, { env: awsEnv() });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is being written by process ${first.child.pid}`);
    expect(second.stderr).toContain('sync --dir');
    const purge = await runCli(['purge', '--catalog', catalog, ...conn(), '--yes'], { env: awsEnv() });
    expect(purge.code).toBe(1);
    expect(purge.stderr).toContain(`process ${first.child.pid}`);

    // Readers: a dry run and check do not wait for, nor take, the lock.
    const dry = await runCli([...args, '--dry-run'], { env: awsEnv() });
    expect(dry.code).toBe(0);
    const check = await runCli(['check', '--dir', root, '--catalog', catalog, '--threads', '1']);
    expect(check.stderr).not.toContain('is being written');
    expect(JSON.parse(readFileSync(`${catalog}.lock`, 'utf8')).pid).toBe(first.child.pid);

    env.server.setFaults([]);
    const r = await first.done;
    expect(r.code).toBe(0);
    expect(existsSync(`${catalog}.lock`)).toBe(false);
    const c = await Catalog.open(catalog);
    expect(c.size).toBe(30);
    await c.close();
  });

  it('a lock left by a killed process is taken over', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.txt': 100, 'b.txt': 200 });
    const catalog = join(env.dir, 's.catalog');
    writeFileSync(`${catalog}.lock`, JSON.stringify({ pid: await deadPid(), command: 'glacier-multipart sync', hostname: hostname(), started: new Date().toISOString() }));
    const r = await runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--threads', '1', '--progress', 'none'], { env: awsEnv() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(`${catalog}.lock`)).toBe(false);
    // An old lock holding only a pid (the server's former format) counts too.
    writeFileSync(`${catalog}.lock`, `${await deadPid()}\n`);
    const c = await Catalog.open(catalog, { lock: true });
    expect(c.size).toBe(2);
    await c.close();
  });

  it('library writers: Catalog.open({ lock }), mergeCatalogs and a journaled upload refuse a live holder', async () => {
    const catalog = join(env.dir, 'l.catalog');
    const first = await Catalog.open(catalog, { lock: true });
    await expect(Catalog.open(catalog, { lock: true })).rejects.toMatchObject({ code: 'CATALOG_LOCKED', holder: { pid: process.pid } });
    await expect(Catalog.open(catalog, { lock: true })).rejects.toBeInstanceOf(CatalogLockedError);
    await expect(mergeCatalogs([catalog], catalog)).rejects.toBeInstanceOf(CatalogLockedError);
    // A reader is not affected.
    const reader = await Catalog.open(catalog);
    await reader.close();
    await first.close();
    await (await Catalog.open(catalog, { lock: true })).close();

    const other = livePid();
    try {
      const journal = join(env.dir, 'up.journal');
      writeTree(env.dir, { 'big.bin': 3 * 1024 * 1024 });
      writeFileSync(`${journal}.lock`, JSON.stringify({ pid: other.pid, command: 'glacier-multipart upload x', hostname: hostname(), started: '' }));
      const err = await uploadArchive({ vaultName: env.vaultName, source: join(env.dir, 'big.bin'), partSize: 1024 * 1024, journal, client: env.client, threads: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(JournalLockedError);
      expect(err.message).toContain(`process ${other.pid} (glacier-multipart upload x)`);
      expect(env.server.stats['InitiateMultipartUpload'] ?? 0).toBe(0);
      writeFileSync(`${catalog}.lock`, JSON.stringify({ pid: other.pid, command: 'x', hostname: hostname(), started: '' }));
      await expect(Catalog.open(catalog, { lock: true })).rejects.toMatchObject({ code: 'CATALOG_LOCKED', holder: { pid: other.pid } });
    } finally {
      other.stop();
    }
  });
});
