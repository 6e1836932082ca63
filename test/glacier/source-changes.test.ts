// A source file that changes under the uploader must never produce a wrong archive or a hang.
import { truncateSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartUpload, SourceChangedError } from 'glacier-multipart';
import { MiB, oracleSha256, oracleTreeHash, setup, writeRandomFile, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'changes');
});
afterAll(() => env?.close());

describe('a part streamed from a file (the path of parts above 64 MiB)', () => {
  it('fails with SourceChangedError when the file ends before the part does, instead of sending a short body', async () => {
    const { path, data } = writeRandomFile(env.dir, 'shrinks.bin', 4 * MiB);
    const part = data.subarray(2 * MiB, 4 * MiB);
    const hashes = { treeHash: oracleTreeHash(part), sha256: oracleSha256(part) };
    const upload = await MultipartUpload.start({ client: env.client, vaultName: env.vaultName, partSize: 2 * MiB });
    // Hashed at 4 MiB, then cut to 3 MiB + 100 bytes before (or while) its bytes are streamed.
    truncateSync(path, 3 * MiB + 100);
    const err = await upload.uploadPart(1, { path, start: 2 * MiB, size: 2 * MiB }, hashes, { maxAttempts: 3 })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SourceChangedError);
    expect((err as SourceChangedError).code).toBe('SOURCE_CHANGED');
    expect((err as Error).message).toMatch(/ended at byte 3145828 while bytes 2097152-4194303 were being sent/);
    // Nothing of the short body was accepted as a part.
    const listed = [];
    for await (const p of upload.listParts()) listed.push(p);
    expect(listed).toEqual([]);
    // A file that vanished is a change too, not a hang or an opaque ENOENT.
    const gone = await upload.uploadPart(0, { path: `${path}.missing`, start: 0, size: 2 * MiB }, hashes).then(() => undefined, (e: unknown) => e);
    expect(gone).toBeInstanceOf(SourceChangedError);
    await upload.abort();
  });
});
