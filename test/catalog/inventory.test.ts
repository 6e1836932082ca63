// Inventories parsed as streams: JSON (any chunking) and Glacier's CSV (backslash-escaped quotes,
// backslashes left alone), with quotes, backslashes, commas and non-ASCII in descriptions.
import { describe, expect, it } from 'vitest';
import { GetJobOutputCommand, InitiateJobCommand } from '@aws-sdk/client-glacier';
import { InventoryFormatError, inventoryRecord, parseInventory, type InventoryArchive } from '../../dist/src/catalog/index.js';
import { uploadArchive } from '../../dist/src/glacier/index.js';
import { setup } from './helpers.js';

const th = (c: string) => c.repeat(64);
const archives: InventoryArchive[] = [
  { archiveId: 'id-1', description: 'say "hi", then \\ go', creationDate: '2019-01-01T00:00:00Z', size: 10, treeHash: th('a') },
  { archiveId: 'id-2', description: 'ends with backslash \\', creationDate: '2019-01-02T00:00:00Z', size: 20, treeHash: th('b') },
  { archiveId: 'id-3', description: 'mt2 eyJtdGltZSI6IjIwMTkwMTAxVDAwMDAwMFoiLCJmaWxlbmFtZSI6InBob3Rvcy8yMDE5L8OpdMOpIDAxLmpwZyJ9', creationDate: '2019-01-03T00:00:00Z', size: 30, treeHash: th('c') },
  { archiveId: 'id-4', description: '', creationDate: '2019-01-04T00:00:00Z', size: 40, treeHash: th('d') },
  { archiveId: 'id-5', description: 'a \\"quoted\\" {brace} [x], café', creationDate: '2019-01-05T00:00:00Z', size: 50, treeHash: th('e') },
];

function jsonInventory(list: InventoryArchive[]): string {
  return JSON.stringify({
    VaultARN: 'arn:aws:glacier:us-east-1:012345678901:vaults/v', InventoryDate: '2019-02-01T00:00:00Z',
    ArchiveList: list.map((a) => ({ ArchiveId: a.archiveId, ArchiveDescription: a.description, CreationDate: a.creationDate, Size: a.size, SHA256TreeHash: a.treeHash })),
  }, null, 1);
}

/** As Glacier writes it: a quote inside a field becomes \", backslashes stay as they are. */
function csvInventory(list: InventoryArchive[]): string {
  const q = (v: string) => `"${v.replace(/"/g, '\\"')}"`;
  return ['ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash', ...list.map((a) => [a.archiveId, q(a.description), a.creationDate, a.size, a.treeHash].join(','))].join('\r\n') + '\r\n';
}

async function* pieces(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(it: AsyncIterable<InventoryArchive>): Promise<InventoryArchive[]> {
  const out: InventoryArchive[] = [];
  for await (const a of it) out.push(a);
  return out;
}

describe('inventory parsing', () => {
  it('parses JSON split at any byte, and reports the header', async () => {
    for (const size of [1, 7, 64, 1 << 20]) {
      let header: unknown;
      const got = await collect(parseInventory(pieces(jsonInventory(archives), size), { onHeader: (h) => (header = h) }));
      expect(got).toEqual(archives);
      expect(header).toEqual({ vaultARN: 'arn:aws:glacier:us-east-1:012345678901:vaults/v', inventoryDate: '2019-02-01T00:00:00Z' });
    }
  });

  it("parses Glacier's CSV split at any byte", async () => {
    for (const size of [1, 5, 1 << 20]) {
      expect(await collect(parseInventory(pieces(csvInventory(archives), size), { format: 'csv' }))).toEqual(archives);
    }
    // 'auto' tells the formats apart.
    expect(await collect(parseInventory(pieces(csvInventory(archives), 100)))).toEqual(archives);
  });

  it('refuses an RFC 4180 quote and a cut-off JSON document', async () => {
    const rfc = 'ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\nid,"say ""hi""",2019-01-01T00:00:00Z,1,' + th('a') + '\n';
    await expect(collect(parseInventory(pieces(rfc, 100), { format: 'csv' }))).rejects.toThrow(InventoryFormatError);
    const cut = jsonInventory(archives).slice(0, -40);
    await expect(collect(parseInventory(pieces(cut, 100), { format: 'json' }))).rejects.toThrow(/cut off/);
  });

  it('holds one archive at a time: a large inventory streams', async () => {
    const n = 20_000;
    async function* big(): AsyncIterable<string> {
      yield '{"VaultARN":"arn:x","InventoryDate":"2019-02-01T00:00:00Z","ArchiveList":[';
      for (let i = 0; i < n; i++) yield `${i ? ',' : ''}{"ArchiveId":"id${i}","ArchiveDescription":"f${i}.bin","CreationDate":"2019-01-01T00:00:00Z","Size":${i + 1},"SHA256TreeHash":"${th('f')}"}`;
      yield ']}';
    }
    let count = 0;
    let sum = 0;
    for await (const a of parseInventory(big())) {
      count++;
      sum += a.size;
    }
    expect(count).toBe(n);
    expect(sum).toBe((n * (n + 1)) / 2);
  });

  it('rebuilds catalog records from descriptions', () => {
    expect(inventoryRecord(archives[2]!)).toEqual({ type: 'CREATED', time: 1546473600, archiveId: 'id-3', size: 30, mtime: 1546300800, treeHash: th('c'), path: 'photos/2019/été 01.jpg' });
    expect(inventoryRecord(archives[3]!).path).toBe('id-4');
  });
});

describe("the local server's inventories", () => {
  it('parse back to the exact descriptions, in JSON and in CSV (quotes, backslashes, commas)', async () => {
    const env = await setup();
    try {
      const descriptions = ['say "hi", then \\ go', 'ends with backslash \\', 'a \\"quoted\\" part', 'plain, with, commas', ''];
      for (const description of descriptions) {
        await uploadArchive({ vaultName: env.vaultName, client: env.client, source: Buffer.from(description || 'x'), description: description || undefined, threads: 1 });
      }
      for (const format of ['JSON', 'CSV'] as const) {
        const job = await env.client.send(new InitiateJobCommand({ accountId: '-', vaultName: env.vaultName, jobParameters: { Type: 'inventory-retrieval', Format: format } }));
        const out = await env.client.send(new GetJobOutputCommand({ accountId: '-', vaultName: env.vaultName, jobId: job.jobId! }));
        const got = await collect(parseInventory(out.body as AsyncIterable<Uint8Array>, { format: format === 'JSON' ? 'json' : 'csv' }));
        expect(got.map((a) => a.description).sort()).toEqual([...descriptions].sort());
      }
    } finally {
      await env.close();
    }
  });
});
