// What the local S3 keeps per bucket, object and multipart upload (the JSON written to disk).
import type { ChecksumAlgorithm } from './checksums.js';

export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export interface BucketRecord {
  name: string;
  region: string;
  creationDate: string;
}

/** An object's checksum, as GetObjectAttributes and HeadObject (checksum mode) report it. */
export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
  /** base64; a COMPOSITE one ends in -<part count>. */
  value: string;
}

export interface ObjectPart {
  partNumber: number;
  size: number;
  /** The part's checksum in the object's algorithm (base64), when it has one. */
  checksum?: string;
}

export interface ObjectRecord {
  key: string;
  /** Its directory under objects/. */
  objectId: string;
  /** Orders two writes of the same key (the later one wins on load). */
  seq: number;
  size: number;
  /** With quotes, as S3 sends it in the ETag header. */
  etag: string;
  lastModified: string;
  storageClass: string;
  contentType: string;
  metadata: Record<string, string>;
  checksum?: ObjectChecksum;
  /** Set for objects made by CompleteMultipartUpload. */
  uploadId?: string;
  parts?: ObjectPart[];
  /** The bytes, in order, as files inside the object's directory. */
  files: { file: string; size: number }[];
}

export interface PartRecord {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  /** base64 checksums by algorithm: the one the request carried, and the upload's algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  /** File name inside the upload directory. */
  file: string;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  storageClass: string;
  contentType: string;
  metadata: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  /** Keyed by part number. */
  parts: Record<string, PartRecord>;
}
