// S3's checksum algorithms over node:crypto (SHA-1, SHA-256, MD5) and small table-driven CRCs of our
// own (CRC32, CRC32C, CRC64NVME: node:crypto has none of them), plus the CRC combination S3 uses for
// FULL_OBJECT checksums of multipart uploads. Independent of src/hash, like the rest of the server.
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';

/** Node's native CRC32 (zlib, Node >= 20.15), when present: the same CRC, several times faster. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** The header (and trailer) name of an algorithm: x-amz-checksum-crc32 … */
export const checksumHeader = (a: ChecksumAlgorithm): string => `x-amz-checksum-${a.toLowerCase()}`;
/** The XML element / SDK field name: ChecksumCRC32 … */
export const checksumField = (a: ChecksumAlgorithm): string => `Checksum${a}`;

/** Digest length in bytes, to refuse a malformed checksum value (InvalidDigest … as S3 does). */
export const DIGEST_LENGTH: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

/**
 * A reflected CRC of width 32 or 64: eight 256-entry tables (slicing-by-8: eight bytes per step),
 * each entry split in two 32-bit halves so no BigInt is touched per byte.
 */
class CrcSpec {
  readonly lo = new Uint32Array(8 * 256);
  readonly hi = new Uint32Array(8 * 256);

  constructor(readonly width: 32 | 64, readonly poly: bigint) {
    const mask = (1n << BigInt(width)) - 1n;
    const t0: bigint[] = [];
    for (let n = 0; n < 256; n++) {
      let c = BigInt(n);
      for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
      t0.push(c & mask);
    }
    let prev = t0;
    for (let t = 0; t < 8; t++) {
      const cur = t === 0 ? t0 : prev.map((v) => (v >> 8n) ^ t0[Number(v & 0xffn)]!);
      cur.forEach((v, n) => {
        this.lo[t * 256 + n] = Number(v & 0xffffffffn);
        this.hi[t * 256 + n] = Number(v >> 32n);
      });
      prev = cur;
    }
  }

  /** a(x) * b(x) mod P(x), both reflected (zlib's multmodp, any width). */
  multModP(a: bigint, b: bigint): bigint {
    let m = 1n << BigInt(this.width - 1);
    let p = 0n;
    while (m !== 0n) {
      if (a & m) p ^= b;
      m >>= 1n;
      b = b & 1n ? (b >> 1n) ^ this.poly : b >> 1n;
    }
    return p;
  }

  /** x^(8 * bytes) mod P(x). */
  xPowBytes(bytes: number): bigint {
    let p = 1n << BigInt(this.width - 1); // x^0
    let sq = 1n << BigInt(this.width - 2); // x^1
    let n = BigInt(bytes) * 8n;
    while (n > 0n) {
      if (n & 1n) p = this.multModP(sq, p);
      sq = this.multModP(sq, sq);
      n >>= 1n;
    }
    return p;
  }

  /** CRC(A || B) from CRC(A), CRC(B) and the length of B (zlib's crc32_combine, any width). */
  combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
    return this.multModP(this.xPowBytes(lengthB), crcA) ^ crcB;
  }
}

export const CRC_SPECS = {
  CRC32: new CrcSpec(32, 0xedb88320n),
  CRC32C: new CrcSpec(32, 0x82f63b78n),
  CRC64NVME: new CrcSpec(64, 0x9a6c9329ac4bc9b5n),
} as const;
type CrcName = keyof typeof CRC_SPECS;

/** A running CRC (init all ones, final xor all ones, as all three of S3's CRCs define it). */
export class Crc {
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  private readonly spec: CrcSpec;

  constructor(readonly name: CrcName) {
    this.spec = CRC_SPECS[name];
  }

  update(data: Uint8Array): this {
    const { lo: L, hi: H } = this.spec;
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const end8 = data.length - (data.length % 8);
    if (this.name === 'CRC32' && nativeCrc32) {
      this.lo = ~nativeCrc32(data, (~lo) >>> 0) >>> 0;
      return this;
    }
    if (this.spec.width === 32) {
      for (; i < end8; i += 8) {
        const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
        lo = L[1792 + (a & 0xff)]! ^ L[1536 + ((a >>> 8) & 0xff)]! ^ L[1280 + ((a >>> 16) & 0xff)]! ^ L[1024 + (a >>> 24)]!
          ^ L[768 + data[i + 4]!]! ^ L[512 + data[i + 5]!]! ^ L[256 + data[i + 6]!]! ^ L[data[i + 7]!]!;
      }
      for (; i < data.length; i++) lo = (lo >>> 8) ^ L[(lo ^ data[i]!) & 0xff]!;
    } else {
      for (; i < end8; i += 8) {
        const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
        const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
        const i0 = 1792 + (a & 0xff), i1 = 1536 + ((a >>> 8) & 0xff), i2 = 1280 + ((a >>> 16) & 0xff), i3 = 1024 + (a >>> 24);
        const i4 = 768 + (b & 0xff), i5 = 512 + ((b >>> 8) & 0xff), i6 = 256 + ((b >>> 16) & 0xff), i7 = b >>> 24;
        lo = L[i0]! ^ L[i1]! ^ L[i2]! ^ L[i3]! ^ L[i4]! ^ L[i5]! ^ L[i6]! ^ L[i7]!;
        hi = H[i0]! ^ H[i1]! ^ H[i2]! ^ H[i3]! ^ H[i4]! ^ H[i5]! ^ H[i6]! ^ H[i7]!;
      }
      for (; i < data.length; i++) {
        const idx = (lo ^ data[i]!) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ L[idx]!;
        hi = (hi >>> 8) ^ H[idx]!;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The CRC value as a bigint. */
  value(): bigint {
    const lo = BigInt((~this.lo) >>> 0);
    return this.spec.width === 32 ? lo : (BigInt((~this.hi) >>> 0) << 32n) | lo;
  }

  digest(): Buffer {
    return crcBytes(this.name, this.value());
  }
}

/** A CRC value as the big-endian bytes S3 base64-encodes. */
export function crcBytes(name: CrcName, value: bigint): Buffer {
  const out = Buffer.alloc(CRC_SPECS[name].width / 8);
  if (out.length === 4) out.writeUInt32BE(Number(value));
  else out.writeBigUInt64BE(value);
  return out;
}

export const isCrc = (a: ChecksumAlgorithm): a is CrcName => a in CRC_SPECS;

/** One algorithm's running digest, whatever its kind. */
export interface Digester {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

export function digester(algorithm: ChecksumAlgorithm | 'MD5'): Digester {
  if (algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME') return new Crc(algorithm);
  const hash: Hash = createHash(algorithm === 'SHA1' ? 'sha1' : algorithm === 'SHA256' ? 'sha256' : 'md5');
  return { update: (d) => void hash.update(d), digest: () => hash.digest() };
}

/** The base64 checksum of whole bytes (for tests and small bodies). */
export function checksumOf(algorithm: ChecksumAlgorithm | 'MD5', data: Uint8Array): string {
  const d = digester(algorithm);
  d.update(data);
  return d.digest().toString('base64');
}

/**
 * COMPOSITE checksum of a multipart upload: the checksum of the concatenated binary part checksums,
 * base64, suffixed with -<part count> (as S3 reports it).
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): string {
  const d = digester(algorithm);
  for (const c of partChecksums) d.update(Buffer.from(c, 'base64'));
  return `${d.digest().toString('base64')}-${partChecksums.length}`;
}

/** FULL_OBJECT CRC of a multipart upload, combined from the parts' CRCs and sizes (no byte re-read). */
export function fullObjectCrc(algorithm: CrcName, parts: { checksum: string; size: number }[]): string {
  const spec = CRC_SPECS[algorithm];
  let crc: bigint | undefined;
  for (const p of parts) {
    const buf = Buffer.from(p.checksum, 'base64');
    const v = buf.length === 4 ? BigInt(buf.readUInt32BE()) : buf.readBigUInt64BE();
    crc = crc === undefined ? v : spec.combine(crc, v, p.size);
  }
  return crcBytes(algorithm, crc ?? new Crc(algorithm).value()).toString('base64');
}
