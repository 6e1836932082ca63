// A catalog knows its vault: `<catalog>.vault` is written at the first sync, and sync or purge
// with another vault is refused before any request unless --force-vault (child processes).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateVaultCommand } from '@aws-sdk/client-glacier';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
  await env.client.send(new CreateVaultCommand({ accountId: '-', vaultName: 'other' }));
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });

describe('catalog vault identity', () => {
  it('sync and purge refuse a catalog of another vault before any request; --force-vault goes on', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.txt': 1000, 'b/c.txt': 2000 });
    const catalog = join(env.dir, 'photos.catalog');
    const sync = (vault: string, ...more: string[]) =>
      runCli(['sync', '--dir', root, '--vault', vault, '--catalog', catalog, '--endpoint', env.server.endpoint, '--progress', 'none', ...more], { env: awsEnv() });
    expect((await sync('photos')).code).toBe(0);
    expect(JSON.parse(readFileSync(`${catalog}.vault`, 'utf8'))).toEqual({ vaultName: 'photos', accountId: '-', region: 'us-east-1', endpoint: env.server.endpoint });
    const lines = readFileSync(catalog, 'utf8');
    // The catalog itself stays mt-aws-glacier's journal: only its own lines.
    expect(lines.split('\n').filter(Boolean).every((l) => /^[AB]\t\d+\tCREATED\t/.test(l))).toBe(true);
    env.server.resetStats();

    for (const args of [[], ['--dry-run']]) {
      const wrong = await sync('other', ...args);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`The catalog ${catalog} belongs to vault photos`);
      expect(wrong.stderr).toContain('not vault other');
      expect(wrong.stderr).toContain('--force-vault');
    }
    const elsewhere = await runCli(['sync', '--dir', root, '--vault', 'photos', '--catalog', catalog, '--endpoint', 'http://127.0.0.1:1', '--progress', 'none'], { env: awsEnv() });
    expect(elsewhere.stderr).toContain('belongs to vault photos (region us-east-1, endpoint');
    const purge = await runCli(['purge', '--vault', 'other', '--catalog', catalog, '--yes', '--endpoint', env.server.endpoint], { env: awsEnv() });
    expect(purge.code).toBe(1);
    expect(purge.stderr).toContain('belongs to vault photos');
    // Operations only (an idle keep-alive socket closed by the server is not a request).
    expect(Object.keys(env.server.stats).filter((k) => !k.includes(':'))).toEqual([]);
    expect(readFileSync(catalog, 'utf8')).toBe(lines);

    const forced = await sync('other', '--force-vault');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('2 unchanged');
    const right = await runCli(['purge', '--vault', 'photos', '--catalog', catalog, '--yes', '--endpoint', env.server.endpoint], { env: awsEnv() });
    expect(right.code, right.stderr).toBe(0);
    expect(existsSync(`${catalog}.vault`)).toBe(true);
  });
});
