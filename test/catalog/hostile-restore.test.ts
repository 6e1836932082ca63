// restore and download never write through a symbolic link out of their target, and the files
// they write get the mode a new file gets under the user's umask (child processes, local server).
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
/** The mode a new file gets here (children inherit this process's umask). */
const umaskMode = () => {
  const probe = join(env.dir, 'umask-probe');
  writeFileSync(probe, '');
  return statSync(probe).mode & 0o777;
};

describe('restore and download: symbolic links and modes', () => {
  it('restore refuses a path through a symlink out of --dir, restores the rest with the umask mode', async () => {
    const root = join(env.dir, 'tree');
    const data = writeTree(root, { 'sub/secret.bin': 5000, 'top.txt': 300 });
    const catalog = join(env.dir, 'r.catalog');
    const conn = ['--dir', root, '--vault', env.vaultName, '--catalog', catalog, '--endpoint', env.server.endpoint];
    expect((await runCli(['sync', ...conn, '--progress', 'none'], { env: awsEnv() })).code).toBe(0);
    rmSync(join(root, 'sub'), { recursive: true });
    rmSync(join(root, 'top.txt'));
    const outside = join(env.dir, 'outside');
    mkdirSync(outside);
    symlinkSync('../outside', join(root, 'sub'));

    expect((await runCli(['restore', ...conn, '--tier', 'Expedited'], { env: awsEnv() })).code).toBe(0);
    const done = await runCli(['restore', ...conn, '--completed'], { env: awsEnv() });
    expect(done.code).toBe(1);
    expect(done.stderr).toContain(`sub/secret.bin: not restored: ${join(root, 'sub')} is a symbolic link, and a restore never writes through it`);
    expect(existsSync(join(outside, 'secret.bin'))).toBe(false);
    expect(existsSync(join(outside, 'secret.bin.glacier-restore.part'))).toBe(false);
    expect(readFileSync(join(root, 'top.txt')).equals(data.get('top.txt')!)).toBe(true);
    expect(statSync(join(root, 'top.txt')).mode & 0o777).toBe(umaskMode());
  });

  it('download --out refuses a symlink (or a symlink in place of its partial file); the file it writes gets the umask mode', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.bin': 4000 });
    const catalog = join(env.dir, 'd.catalog');
    expect((await runCli(['sync', '--dir', root, '--vault', env.vaultName, '--catalog', catalog, '--endpoint', env.server.endpoint], { env: awsEnv() })).code).toBe(0);
    const archiveId = readFileSync(catalog, 'utf8').split('\t')[3]!;
    const target = join(env.dir, 'target.bin');
    writeFileSync(target, 'keep');
    const download = (out: string) => runCli(['download', '--vault', env.vaultName, '--archive-id', archiveId, '--out', out, '--overwrite', '--endpoint', env.server.endpoint], { env: awsEnv() });

    symlinkSync(target, join(env.dir, 'link.bin'));
    const viaLink = await download(join(env.dir, 'link.bin'));
    expect(viaLink.code).not.toBe(0);
    expect(viaLink.stderr).toContain(`${join(env.dir, 'link.bin')} is a symbolic link, and a download never writes through one`);
    symlinkSync(target, join(env.dir, 'got.bin.part'));
    const viaPart = await download(join(env.dir, 'got.bin'));
    expect(viaPart.stderr).toContain(`${join(env.dir, 'got.bin.part')} is a symbolic link`);
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(viaLink.stderr + viaPart.stderr).not.toMatch(/\n\s+at /);

    rmSync(join(env.dir, 'got.bin.part'));
    const ok = await download(join(env.dir, 'got.bin'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(statSync(join(env.dir, 'got.bin')).mode & 0o777).toBe(umaskMode());
  });

  it('files restored at once into one new folder tree do not trip over each other making it', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = {};
    for (let i = 0; i < 12; i++) files[`deep/er/f${i}.bin`] = 1000 + i;
    const data = writeTree(root, files);
    const catalog = join(env.dir, 'many.catalog');
    const conn = ['--dir', root, '--vault', env.vaultName, '--catalog', catalog, '--endpoint', env.server.endpoint];
    expect((await runCli(['sync', ...conn, '--progress', 'none'], { env: awsEnv() })).code).toBe(0);
    rmSync(join(root, 'deep'), { recursive: true });
    expect((await runCli(['restore', ...conn, '--tier', 'Expedited'], { env: awsEnv() })).code).toBe(0);
    const done = await runCli(['restore', ...conn, '--completed'], { env: awsEnv() });
    expect(done.code, done.stderr).toBe(0);
    for (const [path, bytes] of data) expect(readFileSync(join(root, path)).equals(bytes)).toBe(true);
  });
});
