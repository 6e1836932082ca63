// Shared by the migrate tests: the local Glacier + S3 (verifying SigV4), real SDK clients, a vault
// filled with archives whose descriptions are mt2, FastGlacier, plain paths, empty and duplicated,
// and readers that fetch objects back from S3.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVaultCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createGlacierClient, encodeDescription, uploadArchive, HashPool } from '../../dist/src/index.js';
import { startLocalGlacier, type LocalGlacier, type LocalGlacierOptions } from '../../dist/src/server/index.js';
import { MiB, oracleTreeHash } from '../oracle.js';

export { MiB, oracleTreeHash };
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface MigrateEnv {
  server: LocalGlacier;
  client: GlacierClient;
  s3: S3Client;
  pool: HashPool;
  vaultName: string;
  bucket: string;
  dir: string;
  close(): Promise<void>;
}

export async function setupMigrate(opts: LocalGlacierOptions = {}, vaultName = 'old-vault', bucket = 'new-bucket'): Promise<MigrateEnv> {
  const server = await startLocalGlacier({ credentials, ...opts });
  const client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
  const s3 = s3Client(server);
  await client.send(new CreateVaultCommand({ accountId: '-', vaultName }));
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = mkdtempSync(join(tmpdir(), 'migrate-test-'));
  const pool = new HashPool({ threads: 2 });
  return {
    server, client, s3, pool, vaultName, bucket, dir,
    async close() {
      client.destroy();
      s3.destroy();
      await pool.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function s3Client(server: LocalGlacier): S3Client {
  return new S3Client({ endpoint: server.s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials, maxAttempts: 1 });
}

export interface Uploaded {
  archiveId: string;
  description: string;
  data: Buffer;
  /** The name the migration should give it (before duplicate suffixes). */
  name: string | undefined;
}

const fastGlacier = (path: string) => `<m><v>4</v><p>${Buffer.from(path, 'utf8').toString('base64')}</p><lm>20200102T030405Z</lm></m>`;

/** Archives of every description kind migrate decodes, some larger than one 8 MiB part. */
export const MIXED: { description: string; size: number; name: string | undefined }[] = [
  { description: encodeDescription('photos/2019/beach.jpg', 1_546_300_800), size: 20 * MiB + 12345, name: 'photos/2019/beach.jpg' },
  { description: fastGlacier('docs/report ü.pdf'), size: 300_000, name: 'docs/report ü.pdf' },
  { description: 'notes/plain.txt', size: 4096, name: 'notes/plain.txt' },
  { description: '', size: 1000, name: undefined },
  { description: encodeDescription('dup/same.bin', 1_600_000_000), size: 9 * MiB, name: 'dup/same.bin' },
  { description: encodeDescription('dup/same.bin', 1_600_000_001), size: 777, name: 'dup/same.bin' },
];

export async function uploadAll(env: MigrateEnv, specs: { description: string; size: number; name?: string | undefined }[]): Promise<Uploaded[]> {
  const out: Uploaded[] = [];
  for (const s of specs) {
    const data = randomBytes(s.size);
    const r = await uploadArchive({ vaultName: env.vaultName, source: data, description: s.description, client: env.client, pool: env.pool, partSize: 8 * MiB });
    out.push({ archiveId: r.archiveId, description: s.description, data, name: s.name });
  }
  return out;
}

export async function getObject(s3: S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

export async function headObject(s3: S3Client, Bucket: string, Key: string) {
  return s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
}

export async function listKeys(s3: S3Client, Bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function openUploads(s3: S3Client, Bucket: string): Promise<number> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
  return page.Uploads?.length ?? 0;
}
