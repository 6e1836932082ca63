// Issue 9 §2: CompleteMultipartUpload went through but its answer never reached the client (a
// dropped connection, or the client killed right after sending it). A resume from the journal must
// report the archive Glacier created, not advise a duplicate upload.
import { request, createServer, type Server } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeleteArchiveCommand } from '@aws-sdk/client-glacier';
import { CompleteAnswerLostError, UploadFailedError, createGlacierClient, readJournal, uploadArchive } from 'glacier-multipart';
import { MiB, credentials, oracleTreeHash, readBack, setup, startUploadChild, writeRandomFile, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'lost');
});
afterAll(() => env?.close());

function archivesInVault(): string[] {
  const dir = join(env.server.dataDir, 'vaults', '000000000000', 'us-east-1', `v-${env.vaultName}`, 'archives'); // the local account, region us-east-1
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Forwards every request to the server, but drops the connection instead of passing on Complete's answer. */
async function droppingProxy(target: string): Promise<{ endpoint: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const isComplete = req.method === 'POST' && /\/multipart-uploads\/[^/]+$/.test(req.url ?? '');
      if (isComplete) {
        seen.push(String(answer.headers['x-amz-archive-id']));
        answer.resume();
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

it('Complete answered into a dropped connection: the resume sends Complete again and reports the same archive id', async () => {
  const { path, data } = writeRandomFile(env.dir, 'dropped.bin', 3 * MiB + 7);
  const journal = join(env.dir, 'dropped.journal');
  const proxy = await droppingProxy(env.server.endpoint);
  const client = createGlacierClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials });
  const before = archivesInVault().length;
  try {
    const err = await uploadArchive({ vaultName: env.vaultName, client, source: path, journal, partSize: MiB, threads: 1, maxAttempts: 2, leavePartsOnError: true })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UploadFailedError);
  } finally {
    client.destroy();
    await proxy.close();
  }
  // The first Complete created the archive (the retry got the same id back, also dropped).
  expect(proxy.seen.length).toBeGreaterThanOrEqual(1);
  expect(new Set(proxy.seen).size).toBe(1);
  expect((await readJournal(journal))!.complete).toMatchObject({ archiveSize: data.length, treeHash: oracleTreeHash(data) });

  env.server.resetStats();
  const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 });
  expect(r.archiveId).toBe(proxy.seen[0]);
  expect(r.uploadedParts).toBe(0);
  expect(r.checksum).toBe(oracleTreeHash(data));
  expect(env.server.stats.UploadMultipartPart ?? 0).toBe(0);
  expect(env.server.stats.InitiateMultipartUpload ?? 0).toBe(0);
  expect(archivesInVault().length).toBe(before + 1);
  expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  expect(existsSync(journal)).toBe(false);
});

it('the client SIGKILLed right after sending Complete: the resume reports the archive Complete created, no duplicate', async () => {
  const { path, data } = writeRandomFile(env.dir, 'killed-at-complete.bin', 4 * MiB);
  const journal = join(env.dir, 'killed-at-complete.journal');
  const before = archivesInVault();
  // Complete is carried out, then its answer held back until the client is gone.
  env.server.setFaults([{ operation: 'CompleteMultipartUpload', kind: 'Slow', every: 1, delayMs: 600_000 }]);
  env.server.resetStats();
  const child = startUploadChild(env, path, journal);
  while ((env.server.stats['CompleteMultipartUpload:Slow'] ?? 0) < 1) {
    if (child.proc.exitCode !== null) throw new Error(`the child ended early: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.proc.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
  env.server.setFaults([]);
  const created = archivesInVault().filter((a) => !before.includes(a));
  expect(created.length).toBe(1);

  const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 });
  expect(r.archiveId).toBe(created[0]);
  expect(archivesInVault().length).toBe(before.length + 1);
  expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
});

it('when Glacier no longer answers the repeat, the error says the archive was very likely created, with its size and tree hash', async () => {
  const { path, data } = writeRandomFile(env.dir, 'forgotten.bin', 2 * MiB);
  const journal = join(env.dir, 'forgotten.journal');
  const proxy = await droppingProxy(env.server.endpoint);
  const client = createGlacierClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials });
  try {
    await uploadArchive({ vaultName: env.vaultName, client, source: path, journal, partSize: MiB, threads: 1, maxAttempts: 1, leavePartsOnError: true })
      .catch(() => undefined);
  } finally {
    client.destroy();
    await proxy.close();
  }
  // The repeat window is gone (here: the archive was deleted meanwhile, so Glacier forgot the upload).
  await env.client.send(new DeleteArchiveCommand({ accountId: '-', vaultName: env.vaultName, archiveId: proxy.seen[0]! }));
  env.server.resetStats();
  const err = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 })
    .then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CompleteAnswerLostError);
  const lost = err as CompleteAnswerLostError;
  expect(lost.code).toBe('COMPLETE_ANSWER_LOST');
  expect(lost.message).toContain(`${data.length} bytes with tree hash ${oracleTreeHash(data)}`);
  expect(lost.message).toMatch(/very likely created.*Do not upload it again.*inventory/);
  expect(lost.message).not.toMatch(/start over/);
  expect(env.server.stats.InitiateMultipartUpload ?? 0).toBe(0);
  expect(existsSync(journal)).toBe(true);
});
