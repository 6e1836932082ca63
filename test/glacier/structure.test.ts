// Issue 10: one home per concern, one class per cause, a caller's client left as it was.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GlacierClient } from '@aws-sdk/client-glacier';
import * as root from 'glacier-multipart';
import { FileChangedError, MultipartUpload, SourceChangedError } from 'glacier-multipart';
import { MiB, credentials, oracleTreeHash, randomData, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'structure');
});
afterAll(() => env?.close());

it("MultipartUpload uses a caller's plain GlacierClient without reconfiguring it, and the SDK hashes no part", async () => {
  let generatorCalls = 0;
  const generator = async () => {
    generatorCalls++;
    throw new Error('the SDK was asked to hash a part');
  };
  const client = new GlacierClient({ endpoint: env.server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, bodyChecksumGenerator: generator as never });
  try {
    const data = randomData(2 * MiB + 3);
    const upload = await MultipartUpload.start({ client, vaultName: env.vaultName, partSize: MiB });
    for (let i = 0; i < 3; i++) await upload.uploadPart(i, data.subarray(i * MiB, (i + 1) * MiB));
    const done = await upload.complete();
    expect(done.checksum).toBe(oracleTreeHash(data));
    expect(generatorCalls).toBe(0);
    expect((client.config as unknown as { bodyChecksumGenerator: unknown }).bodyChecksumGenerator).toBe(generator);
    expect(Object.getOwnPropertySymbols(client.config).map(String)).not.toContain('Symbol(glacier-multipart.precomputedChecksums)');
  } finally {
    client.destroy();
  }
});

it('one "file changed" class: the pool\'s FileChangedError is SourceChangedError', () => {
  expect(FileChangedError).toBe(SourceChangedError);
  expect(new FileChangedError('/x', 'y').code).toBe('SOURCE_CHANGED');
});

it('the package root exports the contract, not the internals', () => {
  for (const internal of ['partRange', 'contentRange', 'parseListedRange', 'backoffDelay', 'installChecksumGenerator', 'precomputedChecksumGenerator', 'isRetryableError',
    'formatCatalogLine', 'parseCatalogLine', 'globToRegExp', 'inShard', 'shardOf', 'planChunks', 'combineChunkTreeHashes', 'formatMtime', 'parseMtime',
    'nowSeconds', 'toCatalogPath', 'journalPathFor', 'planSync', 'retrieveCommand', 'requireCompletedJob', 'parseJob', 'catalogPathProblem',
    'checkCatalogPath', 'scanDirectory']) {
    expect(root, internal).not.toHaveProperty(internal);
  }
  for (const name of ['uploadArchive', 'MultipartUpload', 'choosePartSize', 'createGlacierClient', 'HashPool', 'startLocalGlacier', 'GlacierMultipartError',
    'UploadCancelledError', 'UploadFailedError', 'SourceChangedError', 'RequestTimeoutError', 'CompleteAnswerLostError', 'readJournal',
    'MiB', 'GiB', 'MIN_PART_SIZE', 'MAX_PART_SIZE', 'MAX_PARTS', 'FAULT_KINDS', 'InvariantError',
    'downloadArchive', 'initiateRetrievalJob', 'describeJob', 'listJobs', 'waitForJob', 'fetchJobOutputRange', 'readDownloadJournal',
    'Catalog', 'encodeDescription', 'decodeDescription', 'parseInventory', 'retrieveInventory', 'syncDirectory', 'startRestore', 'completeRestore',
    'checkLocalFiles', 'purgeArchives', 'deleteArchive', 'mergeCatalogs', 'parseShard', 'inventoryRecord', 'pathFilter']) {
    expect(root, name).toHaveProperty(name);
  }
  // Every error class a caller may meet is exported, each a GlacierMultipartError.
  const errors = Object.entries(root).filter(([n]) => /Error$/.test(n));
  expect(errors.length).toBeGreaterThan(40);
  for (const [n, cls] of errors) {
    if (cls !== root.GlacierMultipartError) expect((cls as { prototype: unknown }).prototype, n).toBeInstanceOf(root.GlacierMultipartError);
  }
});
