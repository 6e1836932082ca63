// Shared by the download tests: archives put in through uploadArchive or through the plain SDK
// (the SDK hashing its own body), and reading a downloaded file.
import { GlacierClient, UploadArchiveCommand } from '@aws-sdk/client-glacier';
import { uploadArchive, HashPool } from 'glacier-multipart';
import { credentials, type Env } from './helpers.js';

export { MiB, oracleTreeHash, randomData, setup, credentials, type Env } from './helpers.js';

/** One UploadArchive request through a plain SDK client (no glacier-multipart code on the way in). */
export async function uploadPlain(env: Env, data: Uint8Array): Promise<string> {
  const plain = new GlacierClient({ endpoint: env.server.endpoint, region: 'us-east-1', credentials });
  try {
    const out = await plain.send(new UploadArchiveCommand({ accountId: '-', vaultName: env.vaultName, body: data }));
    return out.archiveId!;
  } finally {
    plain.destroy();
  }
}

/** A multipart upload through uploadArchive with 1 MiB parts. */
export async function uploadOurs(env: Env, data: Uint8Array, pool: HashPool): Promise<string> {
  const r = await uploadArchive({ vaultName: env.vaultName, source: data, partSize: 1024 * 1024, client: env.client, pool });
  return r.archiveId;
}
