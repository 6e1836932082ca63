// The multipart upload operations: Initiate, UploadMultipartPart, ListParts, ListMultipartUploads,
// Complete and Abort.
import { rm } from 'node:fs/promises';
import { receiveArchiveData } from '../archive-io.js';
import { stalledBodyTimeout } from '../respond.js';
import type { Handler, Reply, RequestContext } from '../context.js';
import { invalidParameter, missingParameter, notFound } from '../errors.js';
import { combineTreeHashes } from '../hash.js';
import { archiveDescription, contentLength, header, isHex64, partSize, uploadContentRange } from '../headers.js';
import { paginate, parseLimit } from '../http-util.js';
import { getOpenUpload, getVault, isExpired, sweepExpiredUploads, uploadNotFound } from '../lookups.js';
import { ID_RE, newId, type ArchiveRecord, type UploadRecord, type Vault } from '../store.js';
import { uploadView, vaultArn, vaultPath } from '../views.js';

const MAX_PARTS = 10_000;

export const initiateMultipartUpload: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const size = partSize(ctx.req);
  const description = archiveDescription(ctx.req);
  const up: UploadRecord = {
    uploadId: newId(69),
    vaultName: vault.name,
    partSize: size,
    creationDate: new Date().toISOString(),
    lastActivity: Date.now(),
    state: 'open',
    parts: {},
    ...(description !== undefined ? { description } : {}),
  };
  await ctx.store.mutex.run(`upload:${up.uploadId}`, () => ctx.store.createUpload(vault, up));
  return {
    status: 201,
    headers: {
      location: `${vaultPath(vault)}/multipart-uploads/${up.uploadId}`,
      'x-amz-multipart-upload-id': up.uploadId,
    },
  };
};

/**
 * Where a part goes: its index, checked against the upload's part size and the 10,000-part limit.
 * Messages number parts from 0 (first byte / part size), as ListParts order and the CLI's `parts`
 * listing do.
 */
function partIndex(up: UploadRecord, first: number, last: number, rangeHeader: string): number {
  if (first % up.partSize !== 0) {
    throw invalidParameter(
      `Content-Range: ${rangeHeader} does not start on a part boundary: the first byte must be a multiple of the part size ${up.partSize}.`);
  }
  const length = last - first + 1;
  if (length > up.partSize) {
    throw invalidParameter(`Content-Range: ${rangeHeader} is ${length} bytes, larger than the part size ${up.partSize} of this upload.`);
  }
  const index = first / up.partSize;
  if (index >= MAX_PARTS) {
    throw invalidParameter(
      `Content-Range: ${rangeHeader} is part ${index} (parts count from 0), but an upload holds at most ${MAX_PARTS} parts (0 to ${MAX_PARTS - 1}); start the upload again with a larger part size.`);
  }
  return index;
}

export const uploadMultipartPart: Handler = async (ctx) => {
  const { req, store } = ctx;
  const vault = getVault(ctx);
  const up = getOpenUpload(ctx, vault, ctx.route.id);
  const { first, last, raw } = uploadContentRange(req);
  const index = partIndex(up, first, last, raw);
  const length = contentLength(req);
  if (length !== last - first + 1) throw invalidParameter(`Content-Range: ${raw} is incompatible with Content-Length: ${length}`);
  const { tmp, got } = await receiveArchiveData(store, req, length, stalledBodyTimeout(ctx));
  try {
    // The upload may have been completed, aborted, expired or its vault deleted meanwhile.
    await store.putPart(vault, up.uploadId, index, { first, last, treeHash: got.treeHash }, tmp, (current) => {
      if (!current || current.state !== 'open' || isExpired(ctx, current)) throw uploadNotFound(up.uploadId);
      return current;
    }, got.leaves);
  } finally {
    await rm(tmp, { force: true });
  }
  ctx.stats.bump('UploadMultipartPart:bytes', got.size);
  return { status: 204, headers: { 'x-amz-sha256-tree-hash': got.treeHash } };
};

export const listParts: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const up = getOpenUpload(ctx, vault, ctx.route.id);
  const limit = parseLimit(ctx.url.searchParams.get('limit'), ctx.config.pageLimit);
  const parts = Object.entries(up.parts)
    .map(([i, p]) => ({ index: Number(i), ...p }))
    .sort((a, b) => a.index - b.index);
  const { page, marker } = paginate(parts, (p) => String(p.index).padStart(6, '0'), ctx.url.searchParams.get('marker'), limit);
  const quirk = ctx.fault?.kind === 'ListPartsRangeQuirk';
  return {
    status: 200,
    json: {
      ArchiveDescription: up.description ?? null,
      CreationDate: up.creationDate,
      Marker: marker,
      MultipartUploadId: up.uploadId,
      PartSizeInBytes: up.partSize,
      // The historical quirk of the real service: the last byte reported one too high.
      Parts: page.map((p) => ({ RangeInBytes: `${p.first}-${quirk ? p.last + 1 : p.last}`, SHA256TreeHash: p.treeHash })),
      VaultARN: vaultArn(vault),
    },
  };
};

export const listMultipartUploads: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const limit = parseLimit(ctx.url.searchParams.get('limit'), ctx.config.pageLimit);
  sweepExpiredUploads(ctx, vault);
  const open = [...vault.uploads.values()]
    .filter((u) => u.state === 'open')
    .sort((a, b) => (a.creationDate + a.uploadId < b.creationDate + b.uploadId ? -1 : 1));
  const { page, marker } = paginate(open, (u) => u.creationDate + u.uploadId, ctx.url.searchParams.get('marker'), limit);
  return { status: 200, json: { UploadsList: page.map((u) => uploadView(u, vault)), Marker: marker } };
};

/** The parts of an upload in order, checked complete and consistent; returns them and their total. */
function checkedParts(up: UploadRecord) {
  const parts = Object.entries(up.parts).map(([i, p]) => ({ index: Number(i), ...p })).sort((a, b) => a.index - b.index);
  if (parts.length === 0) throw invalidParameter(`Multipart upload ${up.uploadId} has no parts; upload at least one part before completing it.`);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.index !== i) {
      const f = i * up.partSize;
      throw invalidParameter(`Missing part: bytes ${f}-${f + up.partSize - 1}/* (part ${i}, counting from 0) was never uploaded; upload it, then complete again.`);
    }
    const size = p.last - p.first + 1;
    if (i < parts.length - 1 && size !== up.partSize) {
      throw invalidParameter(
        `Part ${i} (bytes ${p.first}-${p.last}, counting from 0) is ${size} bytes, shorter than the part size ${up.partSize}; only the last part may be shorter. Upload it again in full.`);
    }
    total += size;
  }
  return { parts, total };
}

function archiveCreated(vault: Vault, archiveId: string, treeHash: string): Reply {
  return {
    status: 201,
    headers: { location: `${vaultPath(vault)}/archives/${archiveId}`, 'x-amz-archive-id': archiveId, 'x-amz-sha256-tree-hash': treeHash },
  };
}

async function complete(ctx: RequestContext, vault: Vault, id: string, sizeRaw?: string, treeRaw?: string): Promise<Reply> {
  const doneId = ID_RE.test(id) ? vault.completed.get(id) : undefined;
  if (doneId !== undefined) {
    // A repeat call shortly after success answers with the same archive.
    const ar = vault.archives.get(doneId);
    if (ar && ar.treeHash === treeRaw && String(ar.size) === sizeRaw && Date.now() - ar.completedAt <= ctx.config.uploadTtlMs) {
      return archiveCreated(vault, ar.archiveId, ar.treeHash);
    }
    throw uploadNotFound(id);
  }
  const up = getOpenUpload(ctx, vault, id);
  if (sizeRaw === undefined || sizeRaw === '') throw missingParameter('Required header x-amz-archive-size (the total size of the archive in bytes) is missing.');
  if (!/^\d{1,16}$/.test(sizeRaw)) throw invalidParameter(`Invalid x-amz-archive-size: ${sizeRaw}`);
  if (treeRaw === undefined || treeRaw === '') throw missingParameter('Required header x-amz-sha256-tree-hash (the tree hash of the whole archive) is missing.');
  if (!isHex64(treeRaw)) throw invalidParameter(`Invalid x-amz-sha256-tree-hash: ${treeRaw}`);
  const { parts, total } = checkedParts(up);
  if (Number(sizeRaw) !== total) throw invalidParameter(`Invalid x-amz-archive-size: ${sizeRaw}. The uploaded parts total ${total} bytes.`);
  const treeHash = combineTreeHashes(parts.map((p) => p.treeHash));
  if (treeHash !== treeRaw) throw invalidParameter(`Invalid x-amz-sha256-tree-hash: ${treeRaw}`);
  const leaves = await ctx.store.writeUploadLeaves(vault, up, parts, treeHash);
  const archive: ArchiveRecord = {
    archiveId: newId(103),
    vaultName: vault.name,
    creationDate: new Date().toISOString(),
    size: total,
    treeHash,
    uploadId: id,
    completedAt: Date.now(),
    files: parts.map((p) => ({ file: p.file, size: p.last - p.first + 1 })),
    ...(leaves !== undefined ? { leaves } : {}),
    ...(up.description !== undefined ? { description: up.description } : {}),
  };
  await ctx.store.completeUpload(vault, up, archive);
  return archiveCreated(vault, archive.archiveId, treeHash);
}

export const completeMultipartUpload: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const id = ctx.route.id ?? '';
  const sizeRaw = header(ctx.req, 'x-amz-archive-size');
  const treeRaw = header(ctx.req, 'x-amz-sha256-tree-hash');
  return ctx.store.mutex.run(`upload:${id}`, () => complete(ctx, vault, id, sizeRaw, treeRaw));
};

export const abortMultipartUpload: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const id = ctx.route.id ?? '';
  return ctx.store.mutex.run(`upload:${id}`, async () => {
    const archiveId = ID_RE.test(id) ? vault.completed.get(id) : undefined;
    if (archiveId !== undefined) {
      throw notFound(`The upload ID was not found: ${id}. It was completed as archive ${archiveId} and can no longer be aborted (use DeleteArchive to remove the archive).`);
    }
    const up = ID_RE.test(id) ? vault.uploads.get(id) : undefined;
    if (!up || isExpired(ctx, up)) {
      if (up) ctx.store.expireUpload(vault, up);
      throw uploadNotFound(id);
    }
    if (up.state === 'aborted') return { status: 204 };
    await ctx.store.abortUpload(vault, up);
    return { status: 204 };
  });
};
