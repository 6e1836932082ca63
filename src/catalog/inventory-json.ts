/**
 * A streaming reader of Glacier's JSON inventory, {"VaultARN", "InventoryDate", "ArchiveList": [...]}:
 * a character scanner that keeps only the archive being read (handed to JSON.parse whole) and the
 * small top-level fields, so an inventory of millions of archives parses in bounded memory.
 */
import { InventoryFormatError } from './errors.js';

/** Longest single archive entry or top-level value we hold (a description is at most 1,024 characters). */
const MAX_ITEM_CHARS = 64 * 1024;

export class JsonInventoryScanner {
  /** Top-level fields other than ArchiveList (VaultARN, InventoryDate, ...). */
  readonly header: Record<string, unknown> = {};
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1: reading a key, or waiting for one. */
  private expectKey = false;
  private key = '';
  private keyChars: string[] | null = null;
  private inList = false;
  private listSeen = false;
  private capture: string[] | null = null;
  private captureLength = 0;
  private captureKey: string | null = null;
  private closed = false;
  private items = 0;

  /** Feeds text; calls `emit` with each archive entry as a parsed object. */
  push(text: string, emit: (item: Record<string, unknown>, index: number) => void): void {
    let from = -1; // start of the capture within this chunk
    if (this.capture) from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.keyChars) {
            this.key = this.keyChars.join('');
            this.keyChars = null;
          }
          continue;
        }
        this.keyChars?.push(text[i]!);
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.closed) throw new InventoryFormatError(`unexpected ${JSON.stringify(text[i])} after the end of the JSON document`);
      if (c === 0x22) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey && !this.capture) this.keyChars = [];
        else if (this.depth === 1 && !this.capture) this.startTopValue(i, (f) => (from = f));
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        if (this.depth === 0) {
          if (c !== 0x7b) throw new InventoryFormatError('the document is not a JSON object');
          this.expectKey = true;
        } else if (this.depth === 1 && !this.capture) {
          if (this.key === 'ArchiveList') {
            if (c !== 0x5b) throw new InventoryFormatError('ArchiveList is not an array');
            this.inList = true;
            this.listSeen = true;
          } else this.startTopValue(i, (f) => (from = f));
        } else if (this.depth === 2 && this.inList) {
          if (c !== 0x7b) throw new InventoryFormatError(`ArchiveList entry ${this.items} is not an object`);
          this.capture = [];
          this.captureLength = 0;
          from = i;
        }
        this.depth++;
        continue;
      }
      if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth < 0) throw new InventoryFormatError(`unbalanced ${JSON.stringify(text[i])}`);
        if (this.depth === 2 && this.inList && this.capture) {
          const raw = this.finishCapture(text, from, i + 1);
          from = -1;
          emit(parseItem(raw, this.items), this.items);
          this.items++;
        } else if (this.depth === 1 && this.inList) {
          this.inList = false;
        } else if (this.depth === 1 && this.capture && this.captureKey !== null) {
          // the end of a nested top-level value: it ends at the next ',' or '}'
        } else if (this.depth === 0) {
          if (this.capture) {
            this.endTopValue(text, from, i);
            from = -1;
          }
          this.closed = true;
        }
        continue;
      }
      if (c === 0x2c && this.depth === 1) {
        if (this.capture) {
          this.endTopValue(text, from, i);
          from = -1;
        }
        this.expectKey = true;
        continue;
      }
      if (c === 0x3a && this.depth === 1) {
        this.expectKey = false;
        continue;
      }
      if (this.depth === 1 && !this.capture && !this.expectKey) this.startTopValue(i, (f) => (from = f));
    }
    if (this.capture && from >= 0) {
      this.capture.push(text.slice(from));
      this.captureLength += text.length - from;
      if (this.captureLength > MAX_ITEM_CHARS) {
        throw new InventoryFormatError(`an entry is longer than ${MAX_ITEM_CHARS} characters (entry ${this.items})`);
      }
    }
  }

  /** Checks the document ended properly; returns how many archives it listed. */
  end(): number {
    if (!this.closed) throw new InventoryFormatError('the JSON document is cut off (it does not end with its closing brace)');
    if (!this.listSeen) throw new InventoryFormatError('it has no ArchiveList');
    return this.items;
  }

  private startTopValue(i: number, setFrom: (from: number) => void): void {
    this.capture = [];
    this.captureLength = 0;
    this.captureKey = this.key;
    setFrom(i);
  }

  private endTopValue(text: string, from: number, end: number): void {
    const raw = this.finishCapture(text, from, end);
    try {
      this.header[this.captureKey!] = JSON.parse(raw);
    } catch {
      throw new InventoryFormatError(`the value of ${this.captureKey} is not valid JSON`);
    }
    this.captureKey = null;
  }

  private finishCapture(text: string, from: number, end: number): string {
    this.capture!.push(text.slice(Math.max(from, 0), end));
    const raw = this.capture!.join('');
    this.capture = null;
    return raw;
  }
}

function parseItem(raw: string, index: number): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new InventoryFormatError(`ArchiveList entry ${index} is not valid JSON`);
  }
}
