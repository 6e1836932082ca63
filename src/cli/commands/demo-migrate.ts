/**
 * The demo's migrate step: a few archives with mt2 descriptions uploaded to the demo vault, the
 * vault's `demo/**` archives migrated to a bucket of the same local server's S3, and each object
 * read back and compared byte for byte with what was uploaded.
 */
import { randomBytes } from 'node:crypto';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import type { HashPool } from '../../pool/pool.js';
import { LOCAL_DUMMY_CREDENTIALS } from '../client.js';
import { GlacierMultipartError } from '../../errors.js';

const FILES = [{ path: 'demo/notes.txt', size: 4096 }, { path: 'demo/photo.jpg', size: 300_000 }, { path: 'demo/video.bin', size: 9 * 1024 * 1024 + 17 }];

export interface DemoMigrateSummary {
  archives: number;
  bytes: number;
  bucket: string;
  seconds: number;
}

export async function demoMigrate(o: { client: GlacierClient; pool: HashPool; vaultName: string; s3Endpoint: string; signal: AbortSignal; statePath: string; say: (line: string) => void }): Promise<DemoMigrateSummary> {
  o.say('migrating a few archives to the local S3 (migrate: verified ranged job output into S3 parts)');
  const { uploadArchive } = await import('../../glacier/index.js');
  const { encodeDescription } = await import('../../catalog/index.js');
  const { migrateVault } = await import('../../migrate/index.js');
  const { S3Client, CreateBucketCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const data = new Map<string, Buffer>();
  for (const f of FILES) {
    const bytes = randomBytes(f.size);
    data.set(f.path, bytes);
    await uploadArchive({ vaultName: o.vaultName, source: bytes, description: encodeDescription(f.path, 1_700_000_000), client: o.client, pool: o.pool, signal: o.signal });
  }
  const s3 = new S3Client({ endpoint: o.s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { ...LOCAL_DUMMY_CREDENTIALS } });
  const bucket = 'demo-migrated';
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const t0 = performance.now();
    const r = await migrateVault({
      vaultName: o.vaultName, client: o.client, pool: o.pool, include: ['demo/**'], tier: 'Expedited', chunkSize: 8 * 1024 * 1024,
      destination: { bucket, client: s3, storageClass: 'DEEP_ARCHIVE' }, state: o.statePath, signal: o.signal, wait: { pollInterval: 50 },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (r.failed || r.copied !== FILES.length) throw new GlacierMultipartError('DEMO_VERIFY', `demo: migrate copied ${r.copied} of ${FILES.length} archives (${r.failures.map((f) => f.reason).join('; ')})`);
    for (const [path, bytes] of data) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: path }));
      const back = Buffer.from(await got.Body!.transformToByteArray());
      if (!back.equals(bytes)) throw new GlacierMultipartError('DEMO_VERIFY', `demo: s3://${bucket}/${path} differs from the archive uploaded`);
    }
    return { archives: r.copied, bytes: r.bytesCopied, bucket, seconds: Math.round(seconds * 100) / 100 };
  } finally {
    s3.destroy();
  }
}
