/**
 * Glacier's CSV inventory: header `ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash`,
 * one archive per line. It is not RFC 4180: a quote inside a field is written `\"` and backslashes
 * are left as they are. Descriptions are printable ASCII (no newline), and only the description can
 * hold a comma or a quote, so a line splits at its first comma and its last three: the description
 * is what lies between. Every quote inside a quoted description follows its added backslash, so
 * unescaping drops the backslash before each quote (`a\` is written `"a\"` and reads back as `a\`).
 */
import { InventoryFormatError } from './errors.js';

export const CSV_HEADER = 'ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash';
const MAX_LINE = 64 * 1024;

export interface CsvInventoryRow {
  ArchiveId: string;
  ArchiveDescription: string;
  CreationDate: string;
  Size: string;
  SHA256TreeHash: string;
}

export class CsvInventoryScanner {
  private carry = '';
  private line = 0;
  private rows = 0;

  push(text: string, emit: (row: CsvInventoryRow, index: number) => void): void {
    let data = this.carry + text;
    let start = 0;
    for (let nl = data.indexOf('\n'); nl >= 0; nl = data.indexOf('\n', start)) {
      this.handle(data.slice(start, nl), emit);
      start = nl + 1;
    }
    data = data.slice(start);
    if (data.length > MAX_LINE) throw new InventoryFormatError(`line ${this.line + 1} is longer than ${MAX_LINE} characters`);
    this.carry = data;
  }

  end(emit: (row: CsvInventoryRow, index: number) => void): number {
    if (this.carry.length) this.handle(this.carry, emit);
    this.carry = '';
    if (this.line === 0) throw new InventoryFormatError(`the CSV is empty (expected the header ${CSV_HEADER})`);
    return this.rows;
  }

  private handle(raw: string, emit: (row: CsvInventoryRow, index: number) => void): void {
    this.line++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.line === 1) {
      if (line.replace(/^\uFEFF/, '') !== CSV_HEADER) throw new InventoryFormatError(`line 1 is ${JSON.stringify(line.slice(0, 100))}, not the header ${CSV_HEADER}`);
      return;
    }
    if (line === '') return;
    emit(parseCsvLine(line, this.line), this.rows++);
  }
}

/** One data line of Glacier's CSV inventory (see the module comment). */
export function parseCsvLine(line: string, lineNo: number): CsvInventoryRow {
  const first = line.indexOf(',');
  const c3 = line.lastIndexOf(',');
  const c2 = c3 > 0 ? line.lastIndexOf(',', c3 - 1) : -1;
  const c1 = c2 > 0 ? line.lastIndexOf(',', c2 - 1) : -1;
  if (first < 0 || c1 < first) throw new InventoryFormatError(`line ${lineNo} does not have the five columns ${CSV_HEADER}`);
  const field = line.slice(first + 1, c1);
  let description = field;
  if (field.startsWith('"')) {
    if (field.length < 2 || !field.endsWith('"')) throw new InventoryFormatError(`line ${lineNo}: the quoted description does not end with a quote`);
    const inner = field.slice(1, -1);
    for (let i = inner.indexOf('"'); i >= 0; i = inner.indexOf('"', i + 1)) {
      if (inner[i - 1] !== '\\') throw new InventoryFormatError(`line ${lineNo}: a quote inside the description is not escaped with a backslash`);
    }
    description = inner.replace(/\\"/g, '"');
  }
  return {
    ArchiveId: unquote(line.slice(0, first)), ArchiveDescription: description,
    CreationDate: unquote(line.slice(c1 + 1, c2)), Size: unquote(line.slice(c2 + 1, c3)), SHA256TreeHash: unquote(line.slice(c3 + 1)),
  };
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
