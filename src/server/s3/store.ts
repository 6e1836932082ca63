// Durable storage of the local S3: buckets, objects and multipart uploads under <dataDir>/s3.
//   s3/tmp/                                   bodies being received (renamed into place when whole)
//   s3/buckets/<bucket>/bucket.json
//   s3/buckets/<bucket>/objects/<objectId>/object.json + data files (one, or a multipart upload's parts)
//   s3/buckets/<bucket>/uploads/<uploadId>/upload.json + part-<n>-<nonce>
// Bucket names are validated (lowercase letters, digits, dots, hyphens) before they reach a path;
// keys never do (objects live under random ids). Metadata is written atomically and is the truth: a
// data file counts only once the JSON naming it is on disk. A completed upload is turned into an
// object by writing object.json into its directory and renaming the directory under objects/, so a
// crash leaves either the upload or the object, never both or neither.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedMutex, syncDir, writeJsonAtomic } from '../fsutil.js';
import type { BucketRecord, ObjectRecord, UploadRecord } from './records.js';

export const newS3Id = (bytes = 18) => randomBytes(bytes).toString('base64url');
/** Ids this server hands out; anything else never reaches a path. */
export const S3_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
/** S3's bucket naming rules (path-style, so no uppercase and no underscores). */
export const BUCKET_RE = /^(?!xn--|sthree-|.*-s3alias$|.*--ol-s3$|\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface Bucket extends BucketRecord {
  dir: string;
  objects: Map<string, ObjectRecord>;
  uploads: Map<string, UploadRecord>;
  /** Object keys in order, rebuilt lazily after a change (for ListObjectsV2). */
  sortedKeys?: string[];
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

let lastSeq = 0;
/** Increasing across restarts (wall clock in µs), so the later of two writes of a key wins. */
export function nextSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

export class S3Store {
  readonly buckets = new Map<string, Bucket>();
  readonly mutex = new KeyedMutex();
  readonly root: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 's3');
    this.tmpDir = join(this.root, 'tmp');
  }

  /** A fresh temporary path (s3/ is created on first use, so a Glacier-only dataDir stays as it was). */
  async tmpPath(): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true });
    return join(this.tmpDir, `body-${newS3Id(12)}`);
  }
  bucketDir(name: string): string {
    return join(this.root, 'buckets', name);
  }
  objectDir(bucket: Bucket, objectId: string): string {
    return join(bucket.dir, 'objects', objectId);
  }
  uploadDir(bucket: Bucket, uploadId: string): string {
    return join(bucket.dir, 'uploads', uploadId);
  }

  async load(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    for (const name of await list(join(this.root, 'buckets'))) {
      const meta = await readJson<BucketRecord>(join(this.bucketDir(name), 'bucket.json'));
      if (!meta || meta.name !== name || !BUCKET_RE.test(name)) continue;
      const bucket: Bucket = { ...meta, dir: this.bucketDir(name), objects: new Map(), uploads: new Map() };
      await this.loadUploads(bucket);
      await this.loadObjects(bucket);
      this.buckets.set(name, bucket);
    }
  }

  private async loadUploads(bucket: Bucket): Promise<void> {
    for (const id of await list(join(bucket.dir, 'uploads'))) {
      const dir = this.uploadDir(bucket, id);
      if (await readJson(join(dir, 'object.json'))) {
        // Completed, but the server stopped before the rename: finish it.
        await mkdir(join(bucket.dir, 'objects'), { recursive: true });
        await rename(dir, this.objectDir(bucket, id));
        continue;
      }
      const upload = await readJson<UploadRecord>(join(dir, 'upload.json'));
      if (!upload || upload.uploadId !== id) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      bucket.uploads.set(id, upload);
      await this.removeStrays(dir, new Set(['upload.json', ...Object.values(upload.parts).map((p) => p.file)]));
    }
  }

  private async loadObjects(bucket: Bucket): Promise<void> {
    for (const id of await list(join(bucket.dir, 'objects'))) {
      const dir = this.objectDir(bucket, id);
      const obj = await readJson<ObjectRecord>(join(dir, 'object.json'));
      if (!obj || obj.objectId !== id) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      const other = bucket.objects.get(obj.key);
      if (other && other.seq > obj.seq) {
        await rm(dir, { recursive: true, force: true }); // an overwritten version whose removal was cut off
        continue;
      }
      if (other) await rm(this.objectDir(bucket, other.objectId), { recursive: true, force: true });
      bucket.objects.set(obj.key, obj);
      await this.removeStrays(dir, new Set(['object.json', ...obj.files.map((f) => f.file)]));
    }
  }

  /** Files a crash left behind in a directory (temp metadata, parts never recorded or left out). */
  private async removeStrays(dir: string, keep: Set<string>): Promise<void> {
    for (const f of await list(dir)) if (!keep.has(f)) await rm(join(dir, f), { recursive: true, force: true });
  }

  async createBucket(record: BucketRecord): Promise<Bucket> {
    const dir = this.bucketDir(record.name);
    await mkdir(join(dir, 'objects'), { recursive: true });
    await mkdir(join(dir, 'uploads'), { recursive: true });
    await writeJsonAtomic(join(dir, 'bucket.json'), record);
    const bucket: Bucket = { ...record, dir, objects: new Map(), uploads: new Map() };
    this.buckets.set(record.name, bucket);
    return bucket;
  }

  async deleteBucket(bucket: Bucket): Promise<void> {
    await rm(join(bucket.dir, 'bucket.json'), { force: true });
    this.buckets.delete(bucket.name);
    await rm(bucket.dir, { recursive: true, force: true });
  }

  /**
   * Makes `record` the object of its key: its directory (data files already inside, or `moveFrom`,
   * an upload directory, renamed into place) gets object.json; the previous version is removed.
   */
  async putObject(bucket: Bucket, record: ObjectRecord, moveFrom?: string): Promise<void> {
    const dir = this.objectDir(bucket, record.objectId);
    if (moveFrom) {
      await writeJsonAtomic(join(moveFrom, 'object.json'), record);
      await rename(moveFrom, dir);
      await syncDir(join(bucket.dir, 'uploads'));
    } else {
      await writeJsonAtomic(join(dir, 'object.json'), record);
    }
    await syncDir(join(bucket.dir, 'objects'));
    const previous = bucket.objects.get(record.key);
    bucket.objects.set(record.key, record);
    if (!previous) bucket.sortedKeys = undefined;
    if (previous) await this.removeObjectFiles(bucket, previous);
  }

  async deleteObject(bucket: Bucket, record: ObjectRecord): Promise<void> {
    bucket.objects.delete(record.key);
    bucket.sortedKeys = undefined;
    await this.removeObjectFiles(bucket, record);
  }

  private async removeObjectFiles(bucket: Bucket, record: ObjectRecord): Promise<void> {
    const dir = this.objectDir(bucket, record.objectId);
    await rm(join(dir, 'object.json'), { force: true }); // first: a half-removed directory is garbage
    await rm(dir, { recursive: true, force: true });
  }

  async saveUpload(bucket: Bucket, upload: UploadRecord): Promise<void> {
    await writeJsonAtomic(join(this.uploadDir(bucket, upload.uploadId), 'upload.json'), upload);
  }

  async createUpload(bucket: Bucket, upload: UploadRecord): Promise<void> {
    await mkdir(this.uploadDir(bucket, upload.uploadId), { recursive: true });
    await this.saveUpload(bucket, upload);
    bucket.uploads.set(upload.uploadId, upload);
  }

  async abortUpload(bucket: Bucket, upload: UploadRecord): Promise<void> {
    bucket.uploads.delete(upload.uploadId);
    const dir = this.uploadDir(bucket, upload.uploadId);
    await rm(join(dir, 'upload.json'), { force: true });
    await rm(dir, { recursive: true, force: true });
  }

  sortedKeys(bucket: Bucket): string[] {
    // S3 orders keys by their UTF-8 bytes; for these strings Buffer.compare gives that order.
    bucket.sortedKeys ??= [...bucket.objects.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return bucket.sortedKeys;
  }
}
