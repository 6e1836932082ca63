// A streaming decoder of aws-chunked request bodies, as @aws-sdk/client-s3 sends them by default
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER) and as signed streaming uploads do
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], each chunk signed, chained from the seed signature):
//   <hex size>[;chunk-signature=<64 hex>]\r\n <data> \r\n … 0[;chunk-signature=…]\r\n
//   [<trailer name>:<value>\r\n … [x-amz-trailer-signature:<64 hex>\r\n]] \r\n
import { createHash, type Hash } from 'node:crypto';
import { EMPTY_SHA256, type ChunkSigner } from './auth.js';
import { S3HttpError } from './errors.js';

const MAX_LINE = 4096;
const CRLF = Buffer.from('\r\n');

const incomplete = (why: string) => new S3HttpError(400, 'IncompleteBody', `The aws-chunked request body is malformed: ${why}.`);
const badSignature = (what: string) => new S3HttpError(403, 'SignatureDoesNotMatch',
  `The ${what} signature we calculated does not match the one you provided. Check your key and signing method.`);

type State = 'size' | 'data' | 'data-crlf' | 'trailer' | 'final-crlf' | 'done';

export class AwsChunkedDecoder {
  private state: State = 'size';
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  private crlfSeen = 0;
  private trailerLines: string[] = [];
  readonly trailers = new Map<string, string>();

  constructor(private readonly opts: { signed: boolean; trailer: boolean; signer?: ChunkSigner }) {}

  /** Feeds raw body bytes; returns the data bytes they carried (slices of `buf`). */
  push(buf: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < buf.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, buf.length - at);
        const slice = buf.subarray(at, at + take);
        this.chunkHash?.update(slice);
        out.push(slice);
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-crlf';
      } else if (this.state === 'data-crlf' || this.state === 'final-crlf') {
        if (buf[at] !== CRLF[this.crlfSeen]) throw incomplete('a chunk is longer than its size line says');
        at++;
        if (++this.crlfSeen === 2) {
          this.crlfSeen = 0;
          if (this.state === 'data-crlf') this.endChunk();
          this.state = this.state === 'data-crlf' ? 'size' : 'done';
        }
      } else if (this.state === 'done') {
        throw incomplete('bytes follow the final chunk');
      } else {
        const nl = buf.indexOf(0x0a, at);
        const end = nl < 0 ? buf.length : nl + 1;
        this.line = Buffer.concat([this.line, buf.subarray(at, end)]);
        at = end;
        if (this.line.length > MAX_LINE) throw incomplete('a chunk header or trailer line is too long');
        if (nl >= 0) {
          const text = this.line.toString('latin1');
          this.line = Buffer.alloc(0);
          if (!text.endsWith('\r\n')) throw incomplete('lines must end in CRLF');
          this.onLine(text.slice(0, -2));
        }
      }
    }
    return out;
  }

  private onLine(text: string): void {
    if (this.state === 'size') {
      const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(text);
      if (!m) throw incomplete(`bad chunk header "${text.slice(0, 100)}"`);
      if (this.opts.signed && !m[2]) throw incomplete('a signed streaming body needs ;chunk-signature= on every chunk');
      this.remaining = parseInt(m[1]!, 16);
      this.chunkSignature = m[2] ?? '';
      if (this.remaining > 0) {
        this.chunkHash = this.opts.signer ? createHash('sha256') : undefined;
        this.state = 'data';
        return;
      }
      this.checkChunk(EMPTY_SHA256); // the final, empty chunk is signed too
      this.state = this.opts.trailer ? 'trailer' : 'final-crlf';
      return;
    }
    // trailer lines, up to an empty one
    if (text === '') {
      this.endTrailer();
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw incomplete(`bad trailer line "${text.slice(0, 100)}"`);
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') this.trailers.set(name, value);
    else {
      this.trailerLines.push(`${name}:${value}\n`);
      this.trailers.set(name, value);
    }
  }

  private endChunk(): void {
    this.checkChunk(this.chunkHash ? this.chunkHash.digest('hex') : '');
    this.chunkHash = undefined;
  }

  private checkChunk(dataSha256: string): void {
    if (this.opts.signer && !this.opts.signer.chunk(dataSha256, this.chunkSignature)) throw badSignature('chunk');
  }

  private endTrailer(): void {
    if (!this.opts.signed) return;
    const signature = this.trailers.get('x-amz-trailer-signature');
    if (!signature) throw incomplete('a signed trailer needs an x-amz-trailer-signature line');
    if (this.opts.signer && !this.opts.signer.trailer(this.trailerLines.join(''), signature)) throw badSignature('trailer');
  }

  /** After the last byte: refuses a body cut short. */
  finish(): void {
    if (this.state !== 'done') throw incomplete('the body ended before its final chunk and trailers');
  }
}
