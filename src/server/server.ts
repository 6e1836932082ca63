// The local Glacier-compatible server: routing, validation, the 16 operations, faults and stats.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GlacierHttpError, LocalGlacierOptionsError, invalidParameter, limitExceeded, missingParameter, notFound,
} from './errors.js';
import { FaultInjector, validateFaultPlan, type FiredFault } from './faults.js';
import { MiB, StreamingTreeHash, combineTreeHashes } from './hash.js';
import { isTreeHashAligned, paginate, parseLimit, readSmallBody, receiveBody } from './http-util.js';
import { parseAuthorization, verifySignature, type ParsedAuthorization } from './sigv4.js';
import {
  ID_RE, Store, VAULT_NAME_RE, newId,
  type ArchiveJobRecord, type ArchiveRecord, type InventoryJobRecord, type JobRecord, type UploadRecord, type Vault,
} from './store.js';
import type { FaultPlan, GlacierOperation, LocalGlacier, LocalGlacierOptions } from './types.js';

/** The account every vault belongs to (requests may say '-' or any 12-digit id). */
export const LOCAL_ACCOUNT_ID = '000000000000';
const GIB4 = 4 * 1024 * MiB;
const MAX_PARTS = 10_000;
const MAX_JSON_BODY = 64 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;
const DAY = 24 * 60 * 60 * 1000;

interface Route {
  operation: GlacierOperation;
  accountId: string;
  vaultName?: string;
  id?: string;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** For GetJobOutput: the body, produced when the answer is sent. */
  stream?: () => Readable;
}

interface Ctx {
  req: IncomingMessage;
  route: Route;
  url: URL;
  region: string;
  fault: FiredFault | undefined;
  /** Body already read (small requests, when SigV4 needed it). */
  body?: Buffer;
}

/** Maps method + path onto an operation, the way @aws-sdk/client-glacier builds its requests. */
function matchRoute(method: string, rawPath: string): Route | undefined {
  const seg = rawPath.split('/').slice(1).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return '\u0000';
    }
  });
  if (seg.length < 2 || seg[1] !== 'vaults') return undefined;
  const [accountId, , vaultName, sub, id, tail] = seg as [string, string, string?, string?, string?, string?];
  const base = { accountId, vaultName, id };
  if (seg.length === 2) return method === 'GET' ? { ...base, operation: 'ListVaults' } : undefined;
  if (seg.length === 3) {
    const op = ({ PUT: 'CreateVault', GET: 'DescribeVault', DELETE: 'DeleteVault' } as const)[method as 'PUT'];
    return op ? { ...base, operation: op } : undefined;
  }
  if (sub === 'multipart-uploads') {
    if (seg.length === 4) {
      const op = ({ POST: 'InitiateMultipartUpload', GET: 'ListMultipartUploads' } as const)[method as 'GET'];
      return op ? { ...base, operation: op } : undefined;
    }
    if (seg.length === 5) {
      const op = ({
        PUT: 'UploadMultipartPart', GET: 'ListParts', POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload',
      } as const)[method as 'GET'];
      return op ? { ...base, operation: op } : undefined;
    }
  }
  if (sub === 'archives') {
    if (seg.length === 4 && method === 'POST') return { ...base, operation: 'UploadArchive' };
    if (seg.length === 5 && method === 'DELETE') return { ...base, operation: 'DeleteArchive' };
  }
  if (sub === 'jobs') {
    if (seg.length === 4) {
      const op = ({ POST: 'InitiateJob', GET: 'ListJobs' } as const)[method as 'GET'];
      return op ? { ...base, operation: op } : undefined;
    }
    if (seg.length === 5 && method === 'GET') return { ...base, operation: 'DescribeJob' };
    if (seg.length === 6 && method === 'GET' && tail === 'output') return { ...base, operation: 'GetJobOutput' };
  }
  return undefined;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

function checkOptions(opts: LocalGlacierOptions): void {
  const int = (v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) {
      throw new LocalGlacierOptionsError(`${name} must be an integer from ${min} to ${max}; got ${String(v)}.`);
    }
  };
  int(opts.port, 'port', 0, 65535);
  int(opts.pageLimit, 'pageLimit', 1);
  int(opts.uploadTtlMs, 'uploadTtlMs', 1);
  int(opts.jobDelayMs, 'jobDelayMs', 0);
  int(opts.maxVaults, 'maxVaults', 1);
  if (opts.host !== undefined && (typeof opts.host !== 'string' || opts.host === '')) {
    throw new LocalGlacierOptionsError('host must be a non-empty string such as "127.0.0.1".');
  }
  if (opts.dataDir !== undefined && (typeof opts.dataDir !== 'string' || opts.dataDir === '')) {
    throw new LocalGlacierOptionsError('dataDir must be a non-empty path string.');
  }
  const c = opts.credentials;
  if (c !== undefined && !(c && typeof c.accessKeyId === 'string' && c.accessKeyId && typeof c.secretAccessKey === 'string' && c.secretAccessKey)) {
    throw new LocalGlacierOptionsError('credentials must be { accessKeyId, secretAccessKey } with two non-empty strings.');
  }
  if (opts.faults !== undefined) validateFaultPlan(opts.faults);
}

/** Starts the server; resolves once it listens. */
export async function startLocalGlacier(opts: LocalGlacierOptions = {}): Promise<LocalGlacier> {
  checkOptions(opts);
  const host = opts.host ?? '127.0.0.1';
  const pageLimit = opts.pageLimit ?? 50;
  const uploadTtlMs = opts.uploadTtlMs ?? DAY;
  const jobDelayMs = opts.jobDelayMs ?? 0;
  const maxVaults = opts.maxVaults ?? 1000;
  const createdDataDir = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'glacier-local-'))));

  const store = new Store(dataDir);
  try {
    await store.load();
  } catch (err) {
    throw new LocalGlacierOptionsError(
      `dataDir ${dataDir} cannot be used: ${(err as Error).message}. Pass a writable directory (or none for a fresh temporary one).`);
  }
  const faults = new FaultInjector(opts.faults ?? []);
  const stats: Record<string, number> = {};
  const bump = (key: string, by = 1) => {
    stats[key] = (stats[key] ?? 0) + by;
  };

  const arn = (region: string, vault: string) => `arn:aws:glacier:${region}:${LOCAL_ACCOUNT_ID}:vaults/${vault}`;
  const vaultPath = (vault: string) => `/${LOCAL_ACCOUNT_ID}/vaults/${vault}`;

  // ---- lookups -------------------------------------------------------------------------------

  function checkVaultName(name: string | undefined): string {
    if (name === undefined || !VAULT_NAME_RE.test(name)) {
      throw invalidParameter(
        `Invalid vault name: "${name ?? ''}". A vault name is 1 to 255 characters of a-z, A-Z, 0-9, '_' (underscore), '-' (hyphen) and '.' (period).`);
    }
    return name;
  }

  function getVault(ctx: Ctx): Vault {
    const name = checkVaultName(ctx.route.vaultName);
    return store.getVaultOrThrow(name, arn(ctx.region, name));
  }

  const uploadNotFound = (id: string) => notFound(`The upload ID was not found: ${id}`);

  function isExpired(up: UploadRecord): boolean {
    return Date.now() - up.lastActivity > uploadTtlMs;
  }

  function expireUpload(vault: Vault, up: UploadRecord): void {
    if (vault.uploads.get(up.uploadId) !== up) return;
    vault.uploads.delete(up.uploadId);
    void store.mutex.run(`upload:${up.uploadId}`, () => store.removeUploadFiles(vault.name, up.uploadId)).catch(() => {});
  }

  /** An open, unexpired upload; touching it counts as activity. */
  function getOpenUpload(vault: Vault, id: string | undefined): UploadRecord {
    if (id === undefined || !ID_RE.test(id)) throw uploadNotFound(id ?? '');
    const up = vault.uploads.get(id);
    if (!up) throw uploadNotFound(id);
    if (isExpired(up)) {
      expireUpload(vault, up);
      throw uploadNotFound(id);
    }
    if (up.state !== 'open') throw uploadNotFound(id);
    up.lastActivity = Date.now();
    return up;
  }

  function sweepExpired(): void {
    for (const vault of store.vaults.values()) {
      for (const up of [...vault.uploads.values()]) if (isExpired(up)) expireUpload(vault, up);
    }
  }

  function checkDescription(req: IncomingMessage): string | undefined {
    const d = header(req, 'x-amz-archive-description');
    if (d === undefined) return undefined;
    // Node decodes header bytes as latin1, so any non-ASCII byte shows up outside 0x20-0x7E here.
    if (d.length > 1024 || !/^[\x20-\x7e]*$/.test(d)) {
      throw invalidParameter(
        `Invalid x-amz-archive-description: it must be at most 1024 characters of printable ASCII (0x20-0x7E); got ${d.length} characters${/^[\x20-\x7e]*$/.test(d) ? '' : ' including non-printable or non-ASCII ones'}.`);
    }
    return d;
  }

  function requireTreeHashHeader(req: IncomingMessage): string {
    const v = header(req, 'x-amz-sha256-tree-hash');
    if (v === undefined || v === '') throw missingParameter('Required header x-amz-sha256-tree-hash (the SHA-256 tree hash of the payload, 64 hex digits) is missing.');
    if (!HEX64.test(v)) throw invalidParameter(`Invalid x-amz-sha256-tree-hash: ${v}. It must be 64 lowercase hex digits.`);
    return v;
  }

  function requireContentSha256(req: IncomingMessage): string {
    const v = header(req, 'x-amz-content-sha256');
    if (v === undefined || v === '') throw missingParameter('Required header x-amz-content-sha256 (the linear SHA-256 of the payload, 64 hex digits) is missing.');
    if (!HEX64.test(v)) throw invalidParameter(`Invalid x-amz-content-sha256: ${v}. Uploads must carry the payload's SHA-256 as 64 lowercase hex digits.`);
    return v;
  }

  function contentSha256Mismatch(actual: string, sent: string): GlacierHttpError {
    return new GlacierHttpError(403, 'InvalidSignatureException',
      `The value passed in as x-amz-content-sha256 does not match the computed payload hash. Computed digest: ${actual} expected hash: ${sent}`);
  }

  function requireContentLength(req: IncomingMessage): number {
    const v = header(req, 'content-length');
    if (v === undefined) throw missingParameter('Required header Content-Length is missing: uploads must state their size (no chunked transfer encoding).');
    if (!/^\d{1,15}$/.test(v)) throw invalidParameter(`Invalid Content-Length: ${v}`);
    const n = Number(v);
    if (n > GIB4) throw invalidParameter(`Request body of ${n} bytes exceeds the limit of 4 GiB (4294967296 bytes) per request.`);
    return n;
  }

  // ---- operations ----------------------------------------------------------------------------

  /**
   * Streams a body of archive data to a temp file while hashing it with node:crypto, then checks the
   * two hashes the client sent. On success the caller owns `tmp` (and removes it); on a mismatch it
   * is removed here.
   */
  async function receiveArchiveData(req: IncomingMessage, contentLength: number) {
    const sentTree = requireTreeHashHeader(req);
    const sentSha = requireContentSha256(req);
    const tmp = store.tmpPath();
    const got = await receiveBody(req, tmp, contentLength);
    if (got.sha256 !== sentSha || got.treeHash !== sentTree) {
      await rm(tmp, { force: true });
      if (got.sha256 !== sentSha) throw contentSha256Mismatch(got.sha256, sentSha);
      throw invalidParameter(`Checksum mismatch: expected ${sentTree}, computed ${got.treeHash}`);
    }
    return { tmp, got };
  }

  const handlers: Record<GlacierOperation, (ctx: Ctx) => Promise<Reply>> = {
    async CreateVault(ctx) {
      const name = checkVaultName(ctx.route.vaultName);
      return store.mutex.run('vaults', async () => {
        if (!store.vaults.has(name) && store.vaults.size >= maxVaults) {
          throw limitExceeded(`The maximum number of vaults (${maxVaults}) has been reached for this account; delete an unused vault first.`);
        }
        await store.createVault(name);
        return { status: 201, headers: { location: vaultPath(name) } };
      });
    },

    async DescribeVault(ctx) {
      return { status: 200, json: describeVault(getVault(ctx), ctx.region) };
    },

    async ListVaults(ctx) {
      const limit = parseLimit(ctx.url.searchParams.get('limit'), pageLimit);
      const all = [...store.vaults.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const { page, marker } = paginate(all, (v) => v.name, ctx.url.searchParams.get('marker'), limit);
      return { status: 200, json: { VaultList: page.map((v) => describeVault(v, ctx.region)), Marker: marker } };
    },

    async DeleteVault(ctx) {
      const name = checkVaultName(ctx.route.vaultName);
      return store.mutex.run('vaults', async () => {
        const vault = store.getVaultOrThrow(name, arn(ctx.region, name));
        if (vault.archives.size > 0) throw invalidParameter(`Vault not empty or recently written to: ${arn(ctx.region, name)}`);
        await store.deleteVault(name);
        return { status: 204 };
      });
    },

    async InitiateMultipartUpload(ctx) {
      const vault = getVault(ctx);
      const raw = header(ctx.req, 'x-amz-part-size');
      const n = raw !== undefined && /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= MiB && n <= GIB4 && Number.isInteger(Math.log2(n)))) {
        throw invalidParameter(
          `Invalid part size: ${raw ?? 'null'}. Part size must not be null, must be a power of two and be between 1048576 and 4294967296 bytes.`);
      }
      const description = checkDescription(ctx.req);
      const up: UploadRecord = {
        uploadId: newId(69),
        vaultName: vault.name,
        partSize: n,
        creationDate: new Date().toISOString(),
        lastActivity: Date.now(),
        state: 'open',
        parts: {},
        ...(description !== undefined ? { description } : {}),
      };
      await store.mutex.run(`upload:${up.uploadId}`, () => store.createUpload(up));
      return {
        status: 201,
        headers: {
          location: `${vaultPath(vault.name)}/multipart-uploads/${up.uploadId}`,
          'x-amz-multipart-upload-id': up.uploadId,
        },
      };
    },

    async UploadMultipartPart(ctx) {
      const { req } = ctx;
      const vault = getVault(ctx);
      const up = getOpenUpload(vault, ctx.route.id);
      const rangeHeader = header(req, 'content-range');
      if (rangeHeader === undefined) throw missingParameter('Required header Content-Range (bytes FIRST-LAST/*) is missing.');
      const m = /^bytes (\d{1,15})-(\d{1,15})\/\*$/.exec(rangeHeader);
      const first = m ? Number(m[1]) : NaN;
      const last = m ? Number(m[2]) : NaN;
      if (!m || last < first) throw invalidParameter(`Invalid Content-Range: ${rangeHeader}`);
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
          `Content-Range: ${rangeHeader} is part ${index + 1}, but an upload holds at most ${MAX_PARTS} parts; start the upload again with a larger part size.`);
      }
      const contentLength = requireContentLength(req);
      if (contentLength !== length) throw invalidParameter(`Content-Range: ${rangeHeader} is incompatible with Content-Length: ${contentLength}`);
      const { tmp, got } = await receiveArchiveData(req, contentLength);
      try {
        await store.mutex.run(`upload:${up.uploadId}`, async () => {
          // The upload may have been completed, aborted, expired or its vault deleted meanwhile.
          const current = store.vaults.get(vault.name)?.uploads.get(up.uploadId);
          if (!current || current.state !== 'open' || isExpired(current)) throw uploadNotFound(up.uploadId);
          const file = `part-${index}-${newId(6)}`;
          const dir = store.uploadDir(vault.name, up.uploadId);
          await rename(tmp, join(dir, file));
          const replaced = current.parts[index];
          const next: UploadRecord = {
            ...current,
            lastActivity: Date.now(),
            parts: { ...current.parts, [index]: { first, last, treeHash: got.treeHash, file } },
          };
          try {
            await store.saveUpload(next);
          } catch (err) {
            await rm(join(dir, file), { force: true });
            throw err;
          }
          vault.uploads.set(up.uploadId, next);
          if (replaced) await rm(join(dir, replaced.file), { force: true });
        });
      } finally {
        await rm(tmp, { force: true });
      }
      bump('UploadMultipartPart:bytes', got.size);
      return { status: 204, headers: { 'x-amz-sha256-tree-hash': got.treeHash } };
    },

    async ListParts(ctx) {
      const vault = getVault(ctx);
      const up = getOpenUpload(vault, ctx.route.id);
      const limit = parseLimit(ctx.url.searchParams.get('limit'), pageLimit);
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
          VaultARN: arn(ctx.region, vault.name),
        },
      };
    },

    async ListMultipartUploads(ctx) {
      const vault = getVault(ctx);
      const limit = parseLimit(ctx.url.searchParams.get('limit'), pageLimit);
      sweepExpired();
      const open = [...vault.uploads.values()]
        .filter((u) => u.state === 'open')
        .sort((a, b) => (a.creationDate + a.uploadId < b.creationDate + b.uploadId ? -1 : 1));
      const { page, marker } = paginate(open, (u) => u.creationDate + u.uploadId, ctx.url.searchParams.get('marker'), limit);
      return {
        status: 200,
        json: {
          UploadsList: page.map((u) => ({
            ArchiveDescription: u.description ?? null,
            CreationDate: u.creationDate,
            MultipartUploadId: u.uploadId,
            PartSizeInBytes: u.partSize,
            VaultARN: arn(ctx.region, vault.name),
          })),
          Marker: marker,
        },
      };
    },

    async CompleteMultipartUpload(ctx) {
      const { req } = ctx;
      const vault = getVault(ctx);
      const id = ctx.route.id ?? '';
      const sizeRaw = header(req, 'x-amz-archive-size');
      const treeRaw = header(req, 'x-amz-sha256-tree-hash');
      return store.mutex.run(`upload:${id}`, async () => {
        const archiveLocation = (archiveId: string) => `${vaultPath(vault.name)}/archives/${archiveId}`;
        const doneId = ID_RE.test(id) ? vault.completed.get(id) : undefined;
        if (doneId !== undefined) {
          // A repeat call shortly after success answers with the same archive.
          const ar = vault.archives.get(doneId);
          if (ar && ar.treeHash === treeRaw && String(ar.size) === sizeRaw && Date.now() - ar.completedAt <= uploadTtlMs) {
            return { status: 201, headers: { location: archiveLocation(ar.archiveId), 'x-amz-archive-id': ar.archiveId, 'x-amz-sha256-tree-hash': ar.treeHash } };
          }
          throw uploadNotFound(id);
        }
        const up = getOpenUpload(vault, id);
        if (sizeRaw === undefined || sizeRaw === '') throw missingParameter('Required header x-amz-archive-size (the total size of the archive in bytes) is missing.');
        if (!/^\d{1,16}$/.test(sizeRaw)) throw invalidParameter(`Invalid x-amz-archive-size: ${sizeRaw}`);
        const archiveSize = Number(sizeRaw);
        if (treeRaw === undefined || treeRaw === '') throw missingParameter('Required header x-amz-sha256-tree-hash (the tree hash of the whole archive) is missing.');
        if (!HEX64.test(treeRaw)) throw invalidParameter(`Invalid x-amz-sha256-tree-hash: ${treeRaw}`);

        const parts = Object.entries(up.parts).map(([i, p]) => ({ index: Number(i), ...p })).sort((a, b) => a.index - b.index);
        if (parts.length === 0) throw invalidParameter(`Multipart upload ${id} has no parts; upload at least one part before completing it.`);
        let total = 0;
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i]!;
          if (p.index !== i) {
            const f = i * up.partSize;
            throw invalidParameter(`Missing part: bytes ${f}-${f + up.partSize - 1}/* (part ${i + 1}) was never uploaded; upload it, then complete again.`);
          }
          const size = p.last - p.first + 1;
          if (i < parts.length - 1 && size !== up.partSize) {
            throw invalidParameter(
              `Part ${i + 1} (bytes ${p.first}-${p.last}) is ${size} bytes, shorter than the part size ${up.partSize}; only the last part may be shorter. Upload it again in full.`);
          }
          total += size;
        }
        if (archiveSize !== total) {
          throw invalidParameter(`Invalid x-amz-archive-size: ${sizeRaw}. The uploaded parts total ${total} bytes.`);
        }
        const treeHash = combineTreeHashes(parts.map((p) => p.treeHash));
        if (treeHash !== treeRaw) throw invalidParameter(`Invalid x-amz-sha256-tree-hash: ${treeRaw}`);
        const archive: ArchiveRecord = {
          archiveId: newId(103),
          vaultName: vault.name,
          creationDate: new Date().toISOString(),
          size: total,
          treeHash,
          uploadId: id,
          completedAt: Date.now(),
          files: parts.map((p) => ({ file: p.file, size: p.last - p.first + 1 })),
          ...(up.description !== undefined ? { description: up.description } : {}),
        };
        await store.completeUpload(up, archive);
        return {
          status: 201,
          headers: { location: archiveLocation(archive.archiveId), 'x-amz-archive-id': archive.archiveId, 'x-amz-sha256-tree-hash': treeHash },
        };
      });
    },

    async AbortMultipartUpload(ctx) {
      const vault = getVault(ctx);
      const id = ctx.route.id ?? '';
      return store.mutex.run(`upload:${id}`, async () => {
        const archiveId = ID_RE.test(id) ? vault.completed.get(id) : undefined;
        if (archiveId !== undefined) {
          throw notFound(`The upload ID was not found: ${id}. It was completed as archive ${archiveId} and can no longer be aborted (use DeleteArchive to remove the archive).`);
        }
        const up = ID_RE.test(id) ? vault.uploads.get(id) : undefined;
        if (!up || isExpired(up)) {
          if (up) expireUpload(vault, up);
          throw uploadNotFound(id);
        }
        if (up.state === 'aborted') return { status: 204 };
        const aborted: UploadRecord = { ...up, state: 'aborted', parts: {}, lastActivity: Date.now() };
        await store.saveUpload(aborted);
        vault.uploads.set(id, aborted);
        const dir = store.uploadDir(vault.name, id);
        for (const p of Object.values(up.parts)) await rm(join(dir, p.file), { force: true });
        return { status: 204 };
      });
    },

    async UploadArchive(ctx) {
      const { req } = ctx;
      const vault = getVault(ctx);
      const description = checkDescription(req);
      const contentLength = requireContentLength(req);
      if (contentLength === 0) throw invalidParameter('Invalid Content-Length: 0. An archive must hold at least 1 byte.');
      const { tmp, got } = await receiveArchiveData(req, contentLength);
      try {
        const archive: ArchiveRecord = {
          archiveId: newId(103),
          vaultName: vault.name,
          creationDate: new Date().toISOString(),
          size: got.size,
          treeHash: got.treeHash,
          completedAt: Date.now(),
          files: [{ file: 'data', size: got.size }],
          ...(description !== undefined ? { description } : {}),
        };
        await store.mutex.run('vaults', async () => {
          store.getVaultOrThrow(vault.name, arn(ctx.region, vault.name)); // deleted meanwhile?
          await store.createArchive(archive, tmp);
        });
        return {
          status: 201,
          headers: {
            location: `${vaultPath(vault.name)}/archives/${archive.archiveId}`,
            'x-amz-archive-id': archive.archiveId,
            'x-amz-sha256-tree-hash': archive.treeHash,
          },
        };
      } finally {
        await rm(tmp, { force: true });
      }
    },

    async DeleteArchive(ctx) {
      const vault = getVault(ctx);
      const id = ctx.route.id ?? '';
      return store.mutex.run('vaults', async () => {
        if (!ID_RE.test(id) || !vault.archives.has(id)) throw notFound(`Archive not found for ID: ${id}`);
        await store.deleteArchive(vault.name, id);
        return { status: 204 };
      });
    },

    async InitiateJob(ctx) {
      const vault = getVault(ctx);
      const raw = ctx.body ?? Buffer.alloc(0);
      let params: Record<string, unknown>;
      try {
        params = raw.length ? JSON.parse(raw.toString('utf8')) as Record<string, unknown> : {};
        if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('not an object');
      } catch {
        throw invalidParameter('The job parameters must be a JSON object such as {"Type":"archive-retrieval","ArchiveId":"..."}.');
      }
      const type = params['Type'];
      if (type === undefined) throw missingParameter('Job parameter Type is required: "archive-retrieval" or "inventory-retrieval".');
      if (type !== 'archive-retrieval' && type !== 'inventory-retrieval') {
        throw invalidParameter(`Invalid job type: ${String(type)}. The local server runs "archive-retrieval" and "inventory-retrieval" jobs.`);
      }
      const description = params['Description'];
      if (description !== undefined && (typeof description !== 'string' || description.length > 1024 || !/^[\x20-\x7e]*$/.test(description))) {
        throw invalidParameter('Invalid job Description: at most 1024 characters of printable ASCII (0x20-0x7E).');
      }
      const snsTopic = params['SNSTopic'];
      const common = {
        jobId: newId(69),
        vaultName: vault.name,
        creationDate: new Date().toISOString(),
        readyAt: Date.now() + jobDelayMs,
        ...(typeof description === 'string' ? { description } : {}),
        ...(typeof snsTopic === 'string' ? { snsTopic } : {}),
      };
      const accepted = (jobId: string): Reply => ({
        status: 202,
        headers: { location: `${vaultPath(vault.name)}/jobs/${jobId}`, 'x-amz-job-id': jobId },
      });
      if (type === 'inventory-retrieval') {
        const format = params['Format'] ?? 'JSON';
        if (format !== 'JSON' && format !== 'CSV') throw invalidParameter(`Invalid Format: ${String(format)}. Use JSON or CSV.`);
        if (params['InventoryRetrievalParameters'] !== undefined) {
          throw invalidParameter('InventoryRetrievalParameters (date filters, paging) are not supported by the local server; omit them to get the whole inventory.');
        }
        const output = inventory(vault, ctx.region, format);
        const job: InventoryJobRecord = { ...common, action: 'InventoryRetrieval', format, inventorySize: output.length };
        await store.saveInventoryJob(job, output);
        return accepted(job.jobId);
      }
      const archiveId = params['ArchiveId'];
      if (archiveId === undefined || archiveId === '') throw missingParameter('Job parameter ArchiveId is required for an archive-retrieval job.');
      if (typeof archiveId !== 'string' || !ID_RE.test(archiveId) || !vault.archives.has(archiveId)) {
        throw notFound(`Archive not found for ID: ${String(archiveId)}`);
      }
      const archive = vault.archives.get(archiveId)!;
      const tier = params['Tier'] ?? 'Standard';
      if (tier !== 'Expedited' && tier !== 'Standard' && tier !== 'Bulk') {
        throw invalidParameter(`Invalid Tier: ${String(tier)}. Use Expedited, Standard or Bulk.`);
      }
      let first = 0;
      let last = archive.size - 1;
      const rangeRaw = params['RetrievalByteRange'];
      if (rangeRaw !== undefined) {
        const m = typeof rangeRaw === 'string' ? /^(\d{1,16})-(\d{1,16})$/.exec(rangeRaw) : null;
        first = m ? Number(m[1]) : NaN;
        last = m ? Number(m[2]) : NaN;
        if (!m || last < first || last >= archive.size || first % MiB !== 0 || ((last + 1) % MiB !== 0 && last !== archive.size - 1)) {
          throw invalidParameter(
            `Invalid RetrievalByteRange: ${String(rangeRaw)}. It must be "FIRST-LAST" within the archive's ${archive.size} bytes, FIRST a multiple of 1048576 and LAST+1 a multiple of 1048576 or the archive size.`);
        }
      }
      let outputTreeHash: string | null = null;
      if (first === 0 && last === archive.size - 1) outputTreeHash = archive.treeHash;
      else if (isTreeHashAligned(first, last, archive.size)) outputTreeHash = await hashArchiveRange(archive, first, last);
      const job: ArchiveJobRecord = {
        ...common,
        action: 'ArchiveRetrieval',
        archiveId,
        tier,
        first,
        last,
        archiveSize: archive.size,
        archiveTreeHash: archive.treeHash,
        outputTreeHash,
      };
      await store.saveJob(job);
      return accepted(job.jobId);
    },

    async DescribeJob(ctx) {
      const vault = getVault(ctx);
      return { status: 200, json: describeJob(getJob(vault, ctx.route.id), ctx.region) };
    },

    async ListJobs(ctx) {
      const vault = getVault(ctx);
      const q = ctx.url.searchParams;
      const limit = parseLimit(q.get('limit'), pageLimit);
      const statuscode = q.get('statuscode');
      if (statuscode !== null && !['InProgress', 'Succeeded', 'Failed'].includes(statuscode)) {
        throw invalidParameter(`Invalid statuscode: ${statuscode}. Use InProgress, Succeeded or Failed.`);
      }
      const completed = q.get('completed');
      if (completed !== null && completed !== 'true' && completed !== 'false') {
        throw invalidParameter(`Invalid completed: ${completed}. Use true or false.`);
      }
      const now = Date.now();
      const jobs = [...vault.jobs.values()]
        .filter((j) => statuscode === null || (now >= j.readyAt ? 'Succeeded' : 'InProgress') === statuscode)
        .filter((j) => completed === null || String(now >= j.readyAt) === completed)
        .sort((a, b) => (a.creationDate + a.jobId < b.creationDate + b.jobId ? -1 : 1));
      const { page, marker } = paginate(jobs, (j) => j.creationDate + j.jobId, q.get('marker'), limit);
      return { status: 200, json: { JobList: page.map((j) => describeJob(j, ctx.region)), Marker: marker } };
    },

    async GetJobOutput(ctx) {
      const vault = getVault(ctx);
      const job = getJob(vault, ctx.route.id);
      if (Date.now() < job.readyAt) {
        throw invalidParameter(`The job is not currently available for download: ${job.jobId}. Wait until DescribeJob reports Completed.`);
      }
      const archive = job.action === 'ArchiveRetrieval' ? vault.archives.get(job.archiveId) : undefined;
      if (job.action === 'ArchiveRetrieval' && !archive) {
        throw notFound(`Archive not found for ID: ${job.archiveId} (it was deleted after job ${job.jobId} started).`);
      }
      const outSize = job.action === 'ArchiveRetrieval' ? job.last - job.first + 1 : job.inventorySize;
      const rangeRaw = header(ctx.req, 'range');
      let first = 0;
      let last = outSize - 1;
      if (rangeRaw !== undefined) {
        const m = /^bytes=(\d{1,16})-(\d{0,16})$/.exec(rangeRaw);
        first = m ? Number(m[1]) : NaN;
        last = m ? (m[2] === '' ? outSize - 1 : Number(m[2])) : NaN;
        if (!m || last < first || first >= outSize) {
          throw invalidParameter(`Invalid Range: ${rangeRaw}. Use "bytes=FIRST-LAST" within the job output's ${outSize} bytes.`);
        }
        last = Math.min(last, outSize - 1);
      }
      const partial = rangeRaw !== undefined;
      if (job.action === 'InventoryRetrieval') {
        const path = store.inventoryPath(vault.name, job.jobId);
        return {
          status: partial ? 206 : 200,
          headers: {
            'content-type': job.format === 'JSON' ? 'application/json' : 'text/csv',
            'content-length': String(last - first + 1),
            'accept-ranges': 'bytes',
            ...(partial ? { 'content-range': `bytes ${first}-${last}/${outSize}` } : {}),
          },
          stream: () => createReadStream(path, { start: first, end: last }),
        };
      }
      const headers: Record<string, string> = {
        'content-type': 'application/octet-stream',
        'content-length': String(last - first + 1),
        'accept-ranges': 'bytes',
      };
      if (archive!.description !== undefined) headers['x-amz-archive-description'] = archive!.description;
      const whole = first === 0 && last === outSize - 1;
      if (job.outputTreeHash !== null) {
        if (whole) headers['x-amz-sha256-tree-hash'] = job.outputTreeHash;
        else if (isTreeHashAligned(first, last, outSize)) {
          headers['x-amz-sha256-tree-hash'] = await hashArchiveRange(archive!, job.first + first, job.first + last);
        }
      }
      if (partial) headers['content-range'] = `bytes ${first}-${last}/${outSize}`;
      return {
        status: partial ? 206 : 200,
        headers,
        stream: () => Readable.from(readArchiveRange(archive!, job.first + first, job.first + last)),
      };
    },
  };

  function getJob(vault: Vault, id: string | undefined): JobRecord {
    const job = id !== undefined && ID_RE.test(id) ? vault.jobs.get(id) : undefined;
    if (!job) throw notFound(`The job ID was not found: ${id ?? ''}`);
    return job;
  }

  function describeVault(v: Vault, region: string) {
    let size = 0;
    for (const a of v.archives.values()) size += a.size;
    return {
      VaultARN: arn(region, v.name),
      VaultName: v.name,
      CreationDate: v.creationDate,
      // Amazon refreshes these once a day; the local server reports them live.
      NumberOfArchives: v.archives.size,
      SizeInBytes: size,
    };
  }

  function describeJob(j: JobRecord, region: string) {
    const done = Date.now() >= j.readyAt;
    const common = {
      JobId: j.jobId,
      JobDescription: j.description ?? null,
      Action: j.action,
      VaultARN: arn(region, j.vaultName),
      CreationDate: j.creationDate,
      Completed: done,
      StatusCode: done ? 'Succeeded' : 'InProgress',
      StatusMessage: done ? 'Succeeded' : null,
      SNSTopic: j.snsTopic ?? null,
      CompletionDate: done ? new Date(j.readyAt).toISOString() : null,
    };
    if (j.action === 'InventoryRetrieval') {
      return { ...common, InventorySizeInBytes: j.inventorySize, InventoryRetrievalParameters: { Format: j.format } };
    }
    return {
      ...common,
      ArchiveId: j.archiveId,
      ArchiveSizeInBytes: j.archiveSize,
      SHA256TreeHash: j.outputTreeHash,
      ArchiveSHA256TreeHash: j.archiveTreeHash,
      RetrievalByteRange: `${j.first}-${j.last}`,
      Tier: j.tier,
    };
  }

  /** The vault inventory as Amazon formats it, taken now (Amazon's is up to a day old). */
  function inventory(vault: Vault, region: string, format: 'JSON' | 'CSV'): Buffer {
    const archives = [...vault.archives.values()]
      .sort((a, b) => (a.creationDate + a.archiveId < b.creationDate + b.archiveId ? -1 : 1));
    if (format === 'JSON') {
      return Buffer.from(JSON.stringify({
        VaultARN: arn(region, vault.name),
        InventoryDate: new Date().toISOString(),
        ArchiveList: archives.map((a) => ({
          ArchiveId: a.archiveId,
          ArchiveDescription: a.description ?? '',
          CreationDate: a.creationDate,
          Size: a.size,
          SHA256TreeHash: a.treeHash,
        })),
      }));
    }
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const rows = archives.map((a) => [a.archiveId, quote(a.description ?? ''), a.creationDate, a.size, a.treeHash].join(','));
    return Buffer.from(['ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash', ...rows].join('\n') + '\n');
  }

  /** Yields archive bytes [first, last] from its part files, streaming. */
  async function* readArchiveRange(archive: ArchiveRecord, first: number, last: number): AsyncGenerator<Buffer> {
    const dir = store.archiveDir(archive.vaultName, archive.archiveId);
    let offset = 0;
    for (const f of archive.files) {
      const fFirst = offset;
      const fLast = offset + f.size - 1;
      offset += f.size;
      if (fLast < first || fFirst > last) continue;
      const start = Math.max(first, fFirst) - fFirst;
      const end = Math.min(last, fLast) - fFirst;
      for await (const chunk of createReadStream(join(dir, f.file), { start, end, highWaterMark: MiB })) {
        yield chunk as Buffer;
      }
    }
  }

  async function hashArchiveRange(archive: ArchiveRecord, first: number, last: number): Promise<string> {
    const h = new StreamingTreeHash();
    for await (const chunk of readArchiveRange(archive, first, last)) h.update(chunk);
    return h.digest().treeHash;
  }

  // ---- request plumbing ----------------------------------------------------------------------

  /**
   * Reads and discards what is left of a request body. Errors are answered only after the whole
   * body arrived: an answer sent mid-body lets the client's request finish while its socket is
   * still writing, and a later reset of that socket then surfaces as an unhandled client error.
   */
  async function drain(req: IncomingMessage): Promise<void> {
    if (req.complete || req.readableEnded || req.destroyed) return;
    await new Promise<void>((done) => {
      req.once('end', done);
      req.once('close', done);
      req.once('error', () => done());
      req.resume();
    });
  }

  async function sendError(req: IncomingMessage, res: ServerResponse, err: GlacierHttpError, close = false): Promise<void> {
    if (!close) await drain(req);
    if (res.headersSent || res.destroyed) return;
    const body = JSON.stringify({ code: err.code, message: err.message, type: err.type });
    res.writeHead(err.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-amzn-errortype': err.code,
      'x-amzn-requestid': randomUUID(),
      ...(close ? { connection: 'close' } : {}),
    });
    res.end(body);
  }

  async function sendReply(res: ServerResponse, reply: Reply): Promise<void> {
    if (res.destroyed) return;
    const headers: Record<string, string | number> = { 'x-amzn-requestid': randomUUID(), ...reply.headers };
    if (reply.json !== undefined) {
      const body = JSON.stringify(reply.json);
      res.writeHead(reply.status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else if (reply.stream) {
      res.writeHead(reply.status, headers);
      await pipeline(reply.stream(), res).catch(() => res.destroy());
    } else {
      res.writeHead(reply.status, { ...headers, 'content-length': 0 });
      res.end();
    }
  }

  /** Reads a little of the body (when there is one), then drops the connection without answering. */
  async function resetConnection(req: IncomingMessage): Promise<void> {
    const length = Number(header(req, 'content-length') ?? 0);
    if (length > 0) {
      await new Promise<void>((done) => {
        req.once('data', () => done());
        req.once('end', () => done());
        req.once('error', () => done());
      });
    }
    req.socket.destroy();
  }

  const faultErrors = {
    ServiceUnavailable: () => new GlacierHttpError(500, 'ServiceUnavailableException',
      'Service is unavailable. Try your request again later (fault injected by the local Glacier server).'),
    Throttling: () => new GlacierHttpError(400, 'ThrottlingException',
      'Rate exceeded. Retry with exponential backoff (fault injected by the local Glacier server).'),
    RequestTimeout: () => new GlacierHttpError(408, 'RequestTimeoutException',
      'Request timed out before the body was received. Retry the request (fault injected by the local Glacier server).'),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const url = new URL(rawUrl, 'http://localhost');
    const method = req.method ?? 'GET';
    const route = matchRoute(method, rawPath);
    if (!route) {
      bump('Unknown');
      await sendError(req, res, new GlacierHttpError(400, 'UnknownOperationException',
        `No Glacier operation of the local server answers ${method} ${rawPath} (it speaks the 16 vault, multipart, archive and job operations).`));
      return;
    }
    const op = route.operation;
    bump(op);
    const fault = faults.next(op);
    if (fault) {
      if (fault.kind === 'ConnectionReset') {
        bump(`${op}:${fault.kind}`);
        await resetConnection(req);
        return;
      }
      if (fault.kind in faultErrors) {
        bump(`${op}:${fault.kind}`);
        await sendError(req, res, faultErrors[fault.kind as keyof typeof faultErrors]());
        return;
      }
    }

    let reply: Reply;
    let closeAfter = false;
    try {
      const auth = authorize(req);
      const ctx: Ctx = { req, route, url, region: auth.region, fault };
      if (route.accountId !== '-' && !/^\d{12}$/.test(route.accountId)) {
        throw invalidParameter(`Invalid account id: ${route.accountId}. Use '-' (the signer's account) or a 12-digit account id.`);
      }
      const version = header(req, 'x-amz-glacier-version');
      if (version === undefined) throw missingParameter('Required header x-amz-glacier-version is missing; send 2012-06-01.');
      if (version !== '2012-06-01') throw invalidParameter(`Invalid x-amz-glacier-version: ${version}. The only API version is 2012-06-01.`);
      const streaming = op === 'UploadMultipartPart' || op === 'UploadArchive';
      if (streaming) {
        const length = Number(header(req, 'content-length') ?? 0);
        if (length > GIB4) {
          closeAfter = true; // do not swallow more than 4 GiB just to answer politely
          throw invalidParameter(`Request body of ${length} bytes exceeds the limit of 4 GiB (4294967296 bytes) per request.`);
        }
      } else {
        // Small requests: read the body now, so the payload hash and the signature can be checked.
        ctx.body = await readSmallBody(req, MAX_JSON_BODY);
        const sent = header(req, 'x-amz-content-sha256');
        if (sent !== undefined && sent !== 'UNSIGNED-PAYLOAD') {
          const actual = createHash('sha256').update(ctx.body).digest('hex');
          if (actual !== sent) throw contentSha256Mismatch(actual, sent);
        }
      }
      if (opts.credentials) {
        await verifySignature(
          {
            method, rawPath,
            query: Object.fromEntries([...url.searchParams.keys()].map((k) => {
              const all = url.searchParams.getAll(k);
              return [k, all.length === 1 ? all[0]! : all];
            })),
            headers: req.headers,
            ...(ctx.body !== undefined ? { body: ctx.body } : {}),
          },
          auth,
          opts.credentials,
        );
      }
      reply = await handlers[op](ctx);
      if (fault?.kind === 'ListPartsRangeQuirk') bump(`${op}:${fault.kind}`);
    } catch (err) {
      if (!(err instanceof GlacierHttpError)) {
        if (res.destroyed || req.socket.destroyed) return; // the client went away mid-body
        console.error(`local Glacier server: ${op} failed:`, err);
        err = new GlacierHttpError(500, 'ServiceUnavailableException', `Internal error in the local Glacier server: ${(err as Error).message}`);
      }
      if (fault?.kind === 'Slow') {
        bump(`${op}:Slow`);
        await delay(fault.delayMs);
      }
      await sendError(req, res, err as GlacierHttpError, closeAfter);
      return;
    }
    if (fault?.kind === 'Slow') {
      bump(`${op}:Slow`);
      await delay(fault.delayMs);
    }
    await sendReply(res, reply);
  }

  function authorize(req: IncomingMessage): ParsedAuthorization {
    return parseAuthorization(header(req, 'authorization'));
  }

  const inflight = new Set<Promise<void>>();
  // Slow answers end early when the server closes, so close() never waits out a long delayMs.
  const delays = new Set<() => void>();
  const delay = (ms: number) => new Promise<void>((ok) => {
    const done = () => {
      clearTimeout(timer);
      delays.delete(done);
      ok();
    };
    const timer = setTimeout(done, ms);
    delays.add(done);
  });
  const server: Server = createServer({ requestTimeout: 0, keepAliveTimeout: 60_000 }, (req, res) => {
    const p = handle(req, res).catch((err) => {
      console.error('local Glacier server: unexpected failure', err);
      if (!res.headersSent) res.destroy();
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    if (createdDataDir) await rm(dataDir, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new LocalGlacierOptionsError(code === 'EADDRINUSE'
      ? `Port ${opts.port} on ${host} is already in use; pick another port, or 0 for a free one.`
      : `Cannot listen on ${host}:${opts.port ?? 0}: ${(err as Error).message}.`);
  }
  const port = (server.address() as AddressInfo).port;
  const sweeper = setInterval(sweepExpired, Math.min(uploadTtlMs, 60_000));
  sweeper.unref();

  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    dataDir,
    stats,
    setFaults(plan: FaultPlan) {
      faults.set(plan);
    },
    resetStats() {
      for (const k of Object.keys(stats)) delete stats[k];
    },
    close() {
      closed ??= (async () => {
        clearInterval(sweeper);
        for (const finish of [...delays]) finish();
        const done = new Promise<void>((ok) => server.close(() => ok()));
        for (const s of sockets) s.destroy();
        await done;
        // Handlers cut off mid-body finish their cleanup before the directory may be reused.
        await Promise.allSettled([...inflight]);
        if (createdDataDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}


