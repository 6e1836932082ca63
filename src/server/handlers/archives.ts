// UploadArchive (one request for a whole archive) and DeleteArchive.
import { rm } from 'node:fs/promises';
import { receiveArchiveData } from '../archive-io.js';
import { stalledBodyTimeout } from '../respond.js';
import type { Handler } from '../context.js';
import { invalidParameter, notFound } from '../errors.js';
import { archiveDescription, contentLength } from '../headers.js';
import { getVault } from '../lookups.js';
import { ARCHIVE_LEAVES, ID_RE, newId, type ArchiveRecord } from '../store.js';
import { vaultPath } from '../views.js';

export const uploadArchive: Handler = async (ctx) => {
  const { req, store } = ctx;
  const vault = getVault(ctx);
  const description = archiveDescription(req);
  const length = contentLength(req);
  if (length === 0) throw invalidParameter('Invalid Content-Length: 0. An archive must hold at least 1 byte.');
  const { tmp, got } = await receiveArchiveData(store, req, length, stalledBodyTimeout(ctx));
  try {
    const archive: ArchiveRecord = {
      archiveId: newId(103),
      vaultName: vault.name,
      creationDate: new Date().toISOString(),
      size: got.size,
      treeHash: got.treeHash,
      completedAt: Date.now(),
      files: [{ file: 'data', size: got.size }],
      leaves: ARCHIVE_LEAVES,
      ...(description !== undefined ? { description } : {}),
    };
    const staging = await store.stageArchive(archive, tmp, got.leaves);
    await store.mutex.run('vaults', async () => {
      try {
        getVault(ctx); // deleted meanwhile?
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
      }
      await store.commitArchive(vault, archive, staging);
    });
    return {
      status: 201,
      headers: {
        location: `${vaultPath(vault)}/archives/${archive.archiveId}`,
        'x-amz-archive-id': archive.archiveId,
        'x-amz-sha256-tree-hash': archive.treeHash,
      },
    };
  } finally {
    await rm(tmp, { force: true });
  }
};

export const deleteArchive: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const id = ctx.route.id ?? '';
  return ctx.store.mutex.run('vaults', async () => {
    if (!ID_RE.test(id) || !vault.archives.has(id)) throw notFound(`Archive not found for ID: ${id}`);
    await ctx.store.deleteArchive(vault, id);
    return { status: 204 };
  });
};
