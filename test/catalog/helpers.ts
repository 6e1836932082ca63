// Shared by the catalog tests: the local server with a vault, a client wired like the CLI's, and
// small trees of random files.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateVaultCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { createGlacierClient } from '../../dist/src/glacier/index.js';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';

export const MiB = 1024 * 1024;
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Env {
  server: LocalGlacier;
  client: GlacierClient;
  vaultName: string;
  dir: string;
  close(): Promise<void>;
}

export async function setup(opts: Parameters<typeof startLocalGlacier>[0] = {}, vaultName = 'photos'): Promise<Env> {
  const server = await startLocalGlacier({ credentials, ...opts });
  const client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
  await client.send(new CreateVaultCommand({ accountId: '-', vaultName }));
  const dir = mkdtempSync(join(tmpdir(), 'gm-catalog-test-'));
  return {
    server, client, vaultName, dir,
    async close() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files (relative path -> size) of random bytes under root; returns their contents. */
export function writeTree(root: string, files: Record<string, number>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [path, size] of Object.entries(files)) {
    const data = randomBytes(size);
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data);
    out.set(path, data);
  }
  return out;
}

export { oracleTreeHash } from '../oracle.js';
