// The emulated link (latencyMs, bandwidthBitsPerSecond): every request pays the round trip, a new
// connection one more, and bodies in each direction share one bottleneck. Only lower bounds on
// elapsed time are asserted (a slow machine can only make them longer); the bounds follow from the
// link's definition (bytes x 8 / bandwidth, 2 x latency), with 10% slack for timer rounding.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeVaultCommand, GetJobOutputCommand, InitiateJobCommand, ListVaultsCommand,
  UploadArchiveCommand,
} from '@aws-sdk/client-glacier';
import { LocalGlacierOptionsError, startLocalGlacier, type LocalGlacier, type LocalGlacierOptions } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, treeHash } from './helpers.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(opts: LocalGlacierOptions): Promise<LocalGlacier> {
  const server = await startLocalGlacier(opts);
  cleanup.push(() => server.close());
  return server;
}

async function elapsed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const SLACK = 0.9;

describe('latencyMs', () => {
  it('a request takes a round trip (2 x latency), its first on a new connection one more (the handshake)', async () => {
    const server = await serve({ latencyMs: 100 });
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    const first = await elapsed(() => glacier.send(new CreateVaultCommand({ vaultName: 'far' })));
    expect(first).toBeGreaterThanOrEqual(SLACK * 400);
    const again = await elapsed(() => glacier.send(new DescribeVaultCommand({ vaultName: 'far' })));
    expect(again).toBeGreaterThanOrEqual(SLACK * 200);
    const list = await glacier.send(new ListVaultsCommand({}));
    expect(list.VaultList?.map((v) => v.VaultName)).toEqual(['far']);
  });
});

describe('bandwidthBitsPerSecond', () => {
  const BITS = 16_000_000; // 2 MB/s
  const floorMs = (bytesMoved: number) => SLACK * (bytesMoved * 8 / BITS) * 1000;

  it('caps upload bodies, shared by all connections', async () => {
    const server = await serve({ bandwidthBitsPerSecond: BITS });
    const a = client(server);
    const b = client(server);
    cleanup.push(() => a.destroy(), () => b.destroy());
    await a.send(new CreateVaultCommand({ vaultName: 'slow' }));
    const one = bytes(2 * MiB, 1);
    const single = await elapsed(() => a.send(new UploadArchiveCommand({ vaultName: 'slow', body: one, checksum: treeHash(one) })));
    expect(single).toBeGreaterThanOrEqual(floorMs(one.length));
    // Two connections at once share the one bottleneck: together no faster than one.
    const x = bytes(MiB, 2);
    const y = bytes(MiB, 3);
    const both = await elapsed(() => Promise.all([
      a.send(new UploadArchiveCommand({ vaultName: 'slow', body: x, checksum: treeHash(x) })),
      b.send(new UploadArchiveCommand({ vaultName: 'slow', body: y, checksum: treeHash(y) })),
    ]));
    expect(both).toBeGreaterThanOrEqual(floorMs(x.length + y.length));
  });

  it('caps answers too, and carries the bytes unchanged', async () => {
    const server = await serve({ bandwidthBitsPerSecond: BITS, latencyMs: 5 });
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'down' }));
    const data = bytes(3 * MiB, 4);
    const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'down', body: data, checksum: treeHash(data) }));
    const { jobId } = await glacier.send(new InitiateJobCommand({
      vaultName: 'down', jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId, Tier: 'Expedited' },
    }));
    let got = Buffer.alloc(0);
    const ms = await elapsed(async () => {
      const out = await glacier.send(new GetJobOutputCommand({ vaultName: 'down', jobId }));
      got = Buffer.from(await out.body!.transformToByteArray());
    });
    expect(got.equals(data)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(floorMs(data.length));
  });
});

describe('link options', () => {
  it('refuses bad values with a typed error before listening', async () => {
    for (const bad of [{ latencyMs: -1 }, { latencyMs: 1.5 }, { latencyMs: 60_001 }, { bandwidthBitsPerSecond: 100 }, { bandwidthBitsPerSecond: 2.5e6 + 0.5 }]) {
      const err = await failure(startLocalGlacier(bad as LocalGlacierOptions));
      expect(err).toBeInstanceOf(LocalGlacierOptionsError);
      expect(err.message).toMatch(/latencyMs|bandwidthBitsPerSecond/);
    }
  });

  it('serve --latency 25ms --bandwidth 400Mbit says so and serves through the link', async () => {
    const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--latency', '100ms', '--bandwidth', '400Mbit'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    let endpoint: string | undefined;
    // The link line follows the listening line, possibly in a later chunk of stdout: wait for both.
    for (let i = 0; i < 600 && !(endpoint && out.includes('emulated link:')); i++) {
      endpoint = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!(endpoint && out.includes('emulated link:'))) await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(out).toContain('emulated link: 100 ms each way (round trip 200 ms), 400 Mbit/s per direction (shared)');
    const glacier = client({ endpoint: endpoint! } as LocalGlacier);
    cleanup.push(() => glacier.destroy());
    const ms = await elapsed(() => glacier.send(new CreateVaultCommand({ vaultName: 'cli' })));
    expect(ms).toBeGreaterThanOrEqual(SLACK * 400);

    const bad = spawn(process.execPath, [main, 'serve', '--port', '0', '--bandwidth', '400MB'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((ok) => bad.once('exit', ok));
    expect(code).toBe(2);
    expect(err).toMatch(/--bandwidth takes bits per second with a unit, e\.g\. 400Mbit/);
  });
});
