// Retrieval jobs as Glacier runs them: per-tier delays, output expiry, Expedited capacity,
// RetrievalByteRange validation, tree-hash headers only for aligned ranges (in archive bytes),
// DescribeJob fields, ListJobs filters and paging, and the GetJobOutput fault kinds a downloader
// must survive (TruncatedBody, FlippedByte, StalledBody, JobOutputExpired, 5xx, throttling).
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeJobCommand, GetJobOutputCommand, InitiateJobCommand, ListJobsCommand,
  UploadArchiveCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { LocalGlacierOptionsError, startLocalGlacier, type LocalGlacier, type LocalGlacierOptions } from '../../dist/src/server/index.js';
import { FAKE_AUTH, MiB, bytes, client, failure, treeHash } from './helpers.js';

const opened: { server: LocalGlacier; glacier: GlacierClient }[] = [];
const vaultName = 'jobs';
const data = bytes(5.5 * MiB, 31);

async function setup(opts: LocalGlacierOptions = {}) {
  const server = await startLocalGlacier(opts);
  const glacier = client(server);
  opened.push({ server, glacier });
  await glacier.send(new CreateVaultCommand({ vaultName }));
  const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName, body: data }));
  server.resetStats();
  return { server, glacier, archiveId: archiveId! };
}

afterEach(async () => {
  for (const { server, glacier } of opened.splice(0)) {
    glacier.destroy();
    await server.close();
  }
});

async function start(glacier: GlacierClient, archiveId: string, extra: Record<string, string> = {}) {
  return (await glacier.send(new InitiateJobCommand({ vaultName, jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId, ...extra } }))).jobId!;
}

async function output(glacier: GlacierClient, jobId: string, range?: string) {
  const out = await glacier.send(new GetJobOutputCommand({ vaultName, jobId, range }));
  return { out, body: Buffer.from(await out.body!.transformToByteArray()) };
}

/** A raw GetJobOutput that collects whatever arrives until the connection ends, however it ends. */
function rawOutput(server: LocalGlacier, jobId: string, range?: string, giveUpMs?: number): Promise<{ status: number; length: number; body: Buffer; treeHash?: string; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: FAKE_AUTH, 'x-amz-glacier-version': '2012-06-01' };
    if (range) headers['range'] = range;
    const req = request(`${server.endpoint}/-/vaults/${vaultName}/jobs/${jobId}/output`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let aborted = false;
      res.on('data', (c: Buffer) => chunks.push(c));
      // An impatient client: gives up giveUpMs after the first byte (the stall holds for minutes).
      res.once('data', () => { if (giveUpMs) setTimeout(() => req.destroy(), giveUpMs); });
      res.on('aborted', () => { aborted = true; });
      res.on('error', () => { aborted = true; });
      res.on('close', () => resolve({
        status: res.statusCode ?? 0,
        length: Number(res.headers['content-length']),
        body: Buffer.concat(chunks),
        treeHash: res.headers['x-amz-sha256-tree-hash'] as string | undefined,
        aborted: aborted || !res.complete,
      }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('job timing', () => {
  it('completes each tier after its own delay; SHA256TreeHash stays null until the job is done', async () => {
    const { glacier, archiveId } = await setup({ jobDelayMs: { expedited: 0, standard: 600_000 } });
    const fast = await start(glacier, archiveId, { Tier: 'Expedited' });
    const slow = await start(glacier, archiveId, { Tier: 'Standard' });
    const bulk = await start(glacier, archiveId, { Tier: 'Bulk' }); // a tier left out completes at once
    const inventory = (await glacier.send(new InitiateJobCommand({ vaultName, jobParameters: { Type: 'inventory-retrieval' } }))).jobId!;
    const d = async (jobId: string) => glacier.send(new DescribeJobCommand({ vaultName, jobId }));
    expect(await d(fast)).toMatchObject({ Tier: 'Expedited', Completed: true, StatusCode: 'Succeeded', SHA256TreeHash: treeHash(data) });
    expect(await d(bulk)).toMatchObject({ Tier: 'Bulk', Completed: true });
    const pending = await d(slow);
    expect(pending).toMatchObject({
      Tier: 'Standard', Completed: false, StatusCode: 'InProgress', ArchiveId: archiveId,
      ArchiveSizeInBytes: data.length, ArchiveSHA256TreeHash: treeHash(data), RetrievalByteRange: `0-${data.length - 1}`,
    });
    expect(pending.SHA256TreeHash ?? null).toBeNull();
    expect(pending.CompletionDate ?? null).toBeNull();
    expect(await d(inventory)).toMatchObject({ Action: 'InventoryRetrieval', Completed: false }); // takes Standard's delay
    const early = await failure(output(glacier, slow));
    expect(early.name).toBe('InvalidParameterValueException');
  });

  it('forgets a job and its output jobOutputTtlMs after completion (404 ResourceNotFoundException)', async () => {
    const { glacier, archiveId } = await setup({ jobOutputTtlMs: 300 });
    const jobId = await start(glacier, archiveId);
    expect((await output(glacier, jobId, `bytes=0-${MiB - 1}`)).body.equals(data.subarray(0, MiB))).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    const gone = await failure(output(glacier, jobId));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.$metadata?.httpStatusCode).toBe(404);
    expect(gone.message).toBe(`The job ID was not found: ${jobId}`);
    expect((await failure(glacier.send(new DescribeJobCommand({ vaultName, jobId })))).name).toBe('ResourceNotFoundException');
    expect((await glacier.send(new ListJobsCommand({ vaultName }))).JobList).toEqual([]);
  });

  it('answers 400 InsufficientCapacityException for Expedited beyond expeditedCapacity; Standard still works', async () => {
    const { glacier, archiveId } = await setup({ expeditedCapacity: 1, jobDelayMs: 600_000 });
    await start(glacier, archiveId, { Tier: 'Expedited' });
    const err = await failure(start(glacier, archiveId, { Tier: 'Expedited' }));
    expect(err.name).toBe('InsufficientCapacityException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toMatch(/Standard tier/);
    await start(glacier, archiveId, { Tier: 'Standard' });
    const none = await setup({ expeditedCapacity: 0 });
    expect((await failure(start(none.glacier, none.archiveId, { Tier: 'Expedited' }))).name).toBe('InsufficientCapacityException');
  });

  it('refuses bad timing options with a typed error', async () => {
    await expect(startLocalGlacier({ jobDelayMs: { fast: 1 } as never })).rejects.toThrow(LocalGlacierOptionsError);
    await expect(startLocalGlacier({ jobDelayMs: { standard: -1 } })).rejects.toThrow(/jobDelayMs\.standard must be an integer/);
    await expect(startLocalGlacier({ jobOutputTtlMs: 0 })).rejects.toThrow(/jobOutputTtlMs/);
    await expect(startLocalGlacier({ expeditedCapacity: -1 })).rejects.toThrow(/expeditedCapacity/);
  });
});

describe('ranges and tree hashes', () => {
  it('validates RetrievalByteRange: megabyte aligned, LAST+1 a MiB multiple or the archive end', async () => {
    const { glacier, archiveId } = await setup();
    for (const bad of [`1-${MiB - 1}`, `0-${MiB}`, `0-${data.length}`, `${2 * MiB}-${MiB}`, 'abc', `${MiB}-${2 * MiB - 2}`]) {
      const err = await failure(start(glacier, archiveId, { RetrievalByteRange: bad }));
      expect(err.name).toBe('InvalidParameterValueException');
      expect(err.message).toContain(`Invalid RetrievalByteRange: ${bad}.`);
    }
    for (const good of [`0-${MiB - 1}`, `${MiB}-${data.length - 1}`, `${5 * MiB}-${data.length - 1}`]) await start(glacier, archiveId, { RetrievalByteRange: good });
  });

  it('sends x-amz-sha256-tree-hash only when both the job range and the requested range are tree-hash aligned', async () => {
    const { glacier, archiveId } = await setup();
    const tail = await start(glacier, archiveId, { RetrievalByteRange: `${4 * MiB}-${data.length - 1}` }); // the last, partial 2 MiB node
    const first4 = await start(glacier, archiveId, { RetrievalByteRange: `0-${4 * MiB - 1}` });
    const odd = await start(glacier, archiveId, { RetrievalByteRange: `${MiB}-${3 * MiB - 1}` }); // not a node
    const d = async (jobId: string) => (await glacier.send(new DescribeJobCommand({ vaultName, jobId }))).SHA256TreeHash ?? null;
    expect(await d(tail)).toBe(treeHash(data.subarray(4 * MiB)));
    expect(await d(odd)).toBeNull();
    const cases: [string, number, number, boolean][] = [
      [tail, 0, MiB - 1, true], // archive [4, 5) MiB
      [tail, MiB, 1.5 * MiB - 1, true], // archive [5, 5.5) MiB: the last, partial leaf
      [tail, 0, 1.5 * MiB - 1, true], // the whole output
      [tail, 512, MiB - 1, false],
      [first4, 2 * MiB, 4 * MiB - 1, true],
      [first4, 0, 3 * MiB - 1, false], // ends at the output's end only in 4 MiB; 3 MiB is no node
      [first4, MiB, 3 * MiB - 1, false],
      [odd, 0, MiB - 1, false], // archive [1, 2) MiB is a node, but the job range is not
      [odd, 0, 2 * MiB - 1, false],
    ];
    for (const [jobId, first, last, aligned] of cases) {
      const { out, body } = await output(glacier, jobId, `bytes=${first}-${last}`);
      const jobFirst = jobId === tail ? 4 * MiB : jobId === odd ? MiB : 0;
      const expected = data.subarray(jobFirst + first, jobFirst + last + 1);
      expect(body.equals(expected)).toBe(true);
      expect([jobId === tail ? 'tail' : jobId === odd ? 'odd' : 'first4', first, last, out.checksum])
        .toEqual([jobId === tail ? 'tail' : jobId === odd ? 'odd' : 'first4', first, last, aligned ? treeHash(expected) : undefined]);
    }
  });
});

describe('ListJobs', () => {
  it('filters by completed and statuscode, pages with Marker, and caps any positive limit at 50', async () => {
    const { glacier, archiveId } = await setup({ jobDelayMs: { expedited: 0, standard: 600_000 } });
    const done: string[] = [];
    const waiting: string[] = [];
    for (let i = 0; i < 3; i++) done.push(await start(glacier, archiveId, { Tier: 'Expedited' }));
    for (let i = 0; i < 2; i++) waiting.push(await start(glacier, archiveId, { Tier: 'Standard' }));
    const all: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await glacier.send(new ListJobsCommand({ vaultName, limit: 2, marker }));
      expect(page.JobList!.length).toBeLessThanOrEqual(2);
      all.push(...page.JobList!.map((j) => j.JobId!));
      marker = page.Marker ?? undefined;
      pages++;
    } while (marker);
    expect(pages).toBe(3);
    expect(all.sort()).toEqual([...done, ...waiting].sort());
    const ids = async (q: { completed?: string; statuscode?: string }) =>
      (await glacier.send(new ListJobsCommand({ vaultName, ...q }))).JobList!.map((j) => j.JobId!).sort();
    expect(await ids({ completed: 'true' })).toEqual([...done].sort());
    expect(await ids({ completed: 'false' })).toEqual([...waiting].sort());
    expect(await ids({ statuscode: 'InProgress' })).toEqual([...waiting].sort());
    expect(await ids({ statuscode: 'Succeeded', completed: 'true' })).toEqual([...done].sort());
    expect(await ids({ statuscode: 'Failed' })).toEqual([]);
    const zero = await failure(glacier.send(new ListJobsCommand({ vaultName, limit: '0' })));
    expect(zero.name).toBe('InvalidParameterValueException');
    expect(zero.message).toMatch(/positive integer/);
    expect((await glacier.send(new ListJobsCommand({ vaultName, limit: '50' }))).JobList).toHaveLength(5);
    expect((await glacier.send(new ListJobsCommand({ vaultName, limit: '1000' }))).JobList).toHaveLength(5);
  });
});

describe('GetJobOutput faults', () => {
  it('TruncatedBody: the full Content-Length is announced, half the bytes come, then the connection closes', async () => {
    const { server, glacier, archiveId } = await setup({});
    const jobId = await start(glacier, archiveId);
    server.setFaults([{ operation: 'GetJobOutput', kind: 'TruncatedBody', nth: 1 }]);
    const cut = await rawOutput(server, jobId, `bytes=0-${2 * MiB - 1}`);
    expect(cut.status).toBe(206);
    expect(cut.length).toBe(2 * MiB);
    expect(cut.body.length).toBe(MiB);
    expect(cut.aborted).toBe(true);
    expect(cut.body.equals(data.subarray(0, MiB))).toBe(true);
    const again = await rawOutput(server, jobId, `bytes=0-${2 * MiB - 1}`);
    expect(again.body.equals(data.subarray(0, 2 * MiB))).toBe(true);
    expect(again.aborted).toBe(false);
    expect(server.stats).toMatchObject({ GetJobOutput: 2, 'GetJobOutput:TruncatedBody': 1 });
    // Through the SDK the short body is an error, never a silently short result.
    server.setFaults([{ operation: 'GetJobOutput', kind: 'TruncatedBody', nth: 1 }]);
    await expect(output(glacier, jobId, `bytes=0-${MiB - 1}`)).rejects.toThrow();
  });

  it('FlippedByte: one byte differs while the tree-hash header is the true one', async () => {
    const { server, glacier, archiveId } = await setup({ faults: [] });
    const jobId = await start(glacier, archiveId);
    server.setFaults([{ operation: 'GetJobOutput', kind: 'FlippedByte', nth: 1 }]);
    const expected = data.subarray(MiB, 2 * MiB);
    const { out, body } = await output(glacier, jobId, `bytes=${MiB}-${2 * MiB - 1}`);
    expect(out.checksum).toBe(treeHash(expected));
    expect(body.length).toBe(MiB);
    const diff = [...body].flatMap((b, i) => (b !== expected[i] ? [i] : []));
    expect(diff).toEqual([MiB / 2]);
    expect(treeHash(body)).not.toBe(out.checksum);
    expect((await output(glacier, jobId, `bytes=${MiB}-${2 * MiB - 1}`)).body.equals(expected)).toBe(true);
    expect(server.stats['GetJobOutput:FlippedByte']).toBe(1);
  });

  it('StalledBody: half the body, then nothing for delayMs (a client idle timeout fires), then the rest', async () => {
    const { server, glacier, archiveId } = await setup();
    const jobId = await start(glacier, archiveId);
    server.setFaults([{ operation: 'GetJobOutput', kind: 'StalledBody', nth: 1, delayMs: 300 }]);
    const slow = await rawOutput(server, jobId, `bytes=0-${MiB - 1}`);
    expect(slow.body.equals(data.subarray(0, MiB))).toBe(true); // a patient client gets it all
    // A long stall: exactly half the body arrives, then nothing (the client gives up after a while).
    server.setFaults([{ operation: 'GetJobOutput', kind: 'StalledBody', nth: 1, delayMs: 600_000 }]);
    const held = await rawOutput(server, jobId, `bytes=0-${MiB - 1}`, 1500);
    expect(held.aborted).toBe(true);
    expect(held.body.length).toBe(MiB / 2);
    expect(held.body.equals(data.subarray(0, MiB / 2))).toBe(true);
    expect(server.stats['GetJobOutput:StalledBody']).toBe(2);
  });

  it('JobOutputExpired, ServiceUnavailable and Throttling apply to GetJobOutput; body kinds never fire elsewhere', async () => {
    const { server, glacier, archiveId } = await setup();
    const jobId = await start(glacier, archiveId);
    server.setFaults([{ operation: '*', kind: 'TruncatedBody' }, { operation: '*', kind: 'JobOutputExpired' }]);
    expect((await glacier.send(new DescribeJobCommand({ vaultName, jobId }))).Completed).toBe(true);
    expect((await glacier.send(new ListJobsCommand({ vaultName }))).JobList).toHaveLength(1);
    expect(server.stats['DescribeJob:TruncatedBody']).toBeUndefined();
    server.setFaults([
      { operation: 'GetJobOutput', kind: 'JobOutputExpired', nth: 1 },
      { operation: 'GetJobOutput', kind: 'ServiceUnavailable', nth: 2 },
      { operation: 'GetJobOutput', kind: 'Throttling', nth: 3 },
    ]);
    expect((await glacier.send(new DescribeJobCommand({ vaultName, jobId }))).Completed).toBe(true);
    const expired = await failure(output(glacier, jobId));
    expect([expired.name, expired.$metadata?.httpStatusCode, expired.message]).toEqual(['ResourceNotFoundException', 404, `The job ID was not found: ${jobId}`]);
    expect((await failure(output(glacier, jobId))).name).toBe('ServiceUnavailableException');
    expect((await failure(output(glacier, jobId))).name).toBe('ThrottlingException');
    expect((await output(glacier, jobId)).body.equals(data)).toBe(true);
    expect(server.stats).toMatchObject({
      'GetJobOutput:JobOutputExpired': 1, 'GetJobOutput:ServiceUnavailable': 1, 'GetJobOutput:Throttling': 1,
    });
  });
});
