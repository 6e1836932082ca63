#!/usr/bin/env node
// Memory of a long-lived HashPool under repeated uploads (issue 9 §4), for the record:
//
//   node scripts/measure-pool-memory.mjs [uploads=50] [--pin-malloc]
//
// Starts the local server here, then a child process (test/pool/fixtures/memory-child.mjs) that
// runs `uploads` uploadArchive calls of a 16 MiB file (8 MiB parts) through ONE HashPool and prints
// its RSS and arrayBuffers after a forced collection, before the first upload and after the last.
// --pin-malloc fixes glibc's mmap threshold at 1 MiB in the child, so RSS counts live memory rather
// than what the allocator keeps after frees. Needs a build (npm run build).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand } from '@aws-sdk/client-glacier';
import { createGlacierClient } from '../dist/src/glacier/index.js';
import { startLocalGlacier } from '../dist/src/server/index.js';

// Keep the SDK's Node 20 notice out of the figures (as the CLI does).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const uploads = Number(args.find((a) => !a.startsWith('--')) ?? 50);
const pin = args.includes('--pin-malloc');
const child = fileURLToPath(new URL('../test/pool/fixtures/memory-child.mjs', import.meta.url));

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const server = await startLocalGlacier({ credentials });
const client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
const dir = mkdtempSync(join(tmpdir(), 'glacier-multipart-pool-memory-'));
try {
  await client.send(new CreateVaultCommand({ accountId: '-', vaultName: 'memory' }));
  const file = join(dir, 'archive.bin');
  writeFileSync(file, randomBytes(16 * 1024 * 1024));
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...(pin ? { MALLOC_MMAP_THRESHOLD_: '1048576' } : {}) };
  const run = spawn(process.execPath, [child, 'upload', '0', String(uploads), server.endpoint, 'memory', file], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  run.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => run.on('close', resolve));
  if (code !== 0) throw new Error(`the child exited with ${code}`);
  const mib = (n) => `${(n / 1048576).toFixed(0)} MiB`;
  for (const line of out.trim().split('\n')) {
    const s = JSON.parse(line);
    console.log(`after ${String(s.done).padStart(3)} uploads: RSS ${mib(s.rss)}, arrayBuffers ${mib(s.arrayBuffers)}${pin ? ' (malloc pinned)' : ''}`);
  }
} finally {
  client.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
