// Inventory output exactly as Glacier writes it: JSON {VaultARN, InventoryDate, ArchiveList[...]}
// and CSV whose description field escapes a quote with a backslash and leaves backslashes alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeJobCommand, GetJobOutputCommand, InitiateJobCommand, UploadArchiveCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { bytes, client, treeHash } from './helpers.js';

let server: LocalGlacier;
let glacier: GlacierClient;
const vaultName = 'catalogue';
const descriptions = [
  'plain',
  'say "hi", then "bye"',
  'C:\\backup\\photos',
  'a \\"quoted\\" backslash, and a comma',
  'commas, only, here',
  '',
  '~!@#$%^&*()_+`-={}|[]:;\'<>?,./ inner  spaces', // (HTTP trims a header's outer spaces)
];
const archives: { id: string; description: string; size: number; hash: string }[] = [];

beforeAll(async () => {
  server = await startLocalGlacier();
  glacier = client(server);
  await glacier.send(new CreateVaultCommand({ vaultName }));
  for (const [i, description] of descriptions.entries()) {
    const body = bytes(100 + i, i + 1);
    const out = await glacier.send(new UploadArchiveCommand({ vaultName, body, ...(description ? { archiveDescription: description } : {}) }));
    archives.push({ id: out.archiveId!, description, size: body.length, hash: treeHash(body) });
  }
});
afterAll(async () => {
  glacier?.destroy();
  await server?.close();
});

async function inventory(format: 'JSON' | 'CSV') {
  const { jobId } = await glacier.send(new InitiateJobCommand({ vaultName, jobParameters: { Type: 'inventory-retrieval', Format: format } }));
  const job = await glacier.send(new DescribeJobCommand({ vaultName, jobId }));
  const out = await glacier.send(new GetJobOutputCommand({ vaultName, jobId }));
  const text = Buffer.from(await out.body!.transformToByteArray()).toString('utf8');
  expect(job.InventorySizeInBytes).toBe(Buffer.byteLength(text));
  return { text, contentType: out.contentType };
}

/** Reads one CSV line the way Glacier writes it: "..." fields where \" is a quote, \ otherwise literal. */
function parseGlacierCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else value += line[i++];
      }
      fields.push(value);
      i += 2; // closing quote and comma
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return fields;
}

describe('inventory output', () => {
  it('JSON: VaultARN, InventoryDate and ArchiveList with the five fields, descriptions unchanged', async () => {
    const { text, contentType } = await inventory('JSON');
    expect(contentType).toBe('application/json');
    const inv = JSON.parse(text) as Record<string, unknown> & { ArchiveList: Record<string, unknown>[] };
    expect(Object.keys(inv)).toEqual(['VaultARN', 'InventoryDate', 'ArchiveList']);
    expect(inv['VaultARN']).toBe(`arn:aws:glacier:us-east-1:000000000000:vaults/${vaultName}`);
    expect(inv['InventoryDate']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    for (const entry of inv.ArchiveList) {
      expect(Object.keys(entry)).toEqual(['ArchiveId', 'ArchiveDescription', 'CreationDate', 'Size', 'SHA256TreeHash']);
    }
    expect(inv.ArchiveList.map((e) => [e['ArchiveId'], e['ArchiveDescription'], e['Size'], e['SHA256TreeHash']]).sort())
      .toEqual(archives.map((a) => [a.id, a.description, a.size, a.hash]).sort());
  });

  it('CSV: the header, then each description quoted with \\" for a quote and backslashes left alone', async () => {
    const { text, contentType } = await inventory('CSV');
    expect(contentType).toBe('text/csv');
    const lines = text.split('\n');
    expect(lines[0]).toBe('ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash');
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(archives.length);
    const row = (id: string) => rows.find((r) => r.startsWith(`${id},`))!;
    const created = (id: string) => parseGlacierCsvLine(row(id))[2];
    // Exact bytes for the telling cases.
    const [plain, quotes, windows, mixed, commas, empty] = archives;
    expect(row(plain!.id)).toBe(`${plain!.id},"plain",${created(plain!.id)},${plain!.size},${plain!.hash}`);
    expect(row(quotes!.id)).toBe(`${quotes!.id},"say \\"hi\\", then \\"bye\\"",${created(quotes!.id)},${quotes!.size},${quotes!.hash}`);
    expect(row(windows!.id)).toBe(`${windows!.id},"C:\\backup\\photos",${created(windows!.id)},${windows!.size},${windows!.hash}`);
    expect(row(mixed!.id)).toBe(`${mixed!.id},"a \\\\"quoted\\\\" backslash, and a comma",${created(mixed!.id)},${mixed!.size},${mixed!.hash}`);
    expect(row(commas!.id)).toBe(`${commas!.id},"commas, only, here",${created(commas!.id)},${commas!.size},${commas!.hash}`);
    expect(row(empty!.id)).toBe(`${empty!.id},"",${created(empty!.id)},${empty!.size},${empty!.hash}`);
    for (const a of archives) {
      const fields = parseGlacierCsvLine(row(a.id));
      expect(fields).toEqual([a.id, a.description, expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), String(a.size), a.hash]);
    }
  });
});
