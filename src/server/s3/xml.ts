// Just enough XML for S3's documents: building answers (escaped text) and reading the few small
// request bodies S3 takes (CompleteMultipartUpload, CreateBucketConfiguration).
import { malformedXml } from './errors.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** A tree of elements: a string is text, an array repeats the element, undefined is left out. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode { [name: string]: XmlValue }

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (typeof value === 'object') return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

const children = (node: XmlNode): string => Object.entries(node).map(([k, v]) => element(k, v)).join('');

/** A whole document with S3's namespace on the root element. */
export function xmlDocument(root: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${children(body)}</${root}>`;
}

const UNESC: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : UNESC[e]!);
}

/** The text of every <name>…</name> directly or deeply inside `xml` (no nesting of the same name). */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>|<${name}(?:\\s[^>]*)?/>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1] ?? '');
  return out;
}

/** The unescaped text of the single child `name`, or undefined. */
export function text(xml: string, name: string): string | undefined {
  const all = elements(xml, name);
  if (all.length > 1) throw malformedXml(`<${name}> appears ${all.length} times`);
  return all.length === 0 ? undefined : unescapeXml(all[0]!.trim());
}

/** Refuses a body that is not a single root element named `root`. */
export function requireRoot(xml: string, root: string): string {
  const body = xml.replace(/^\uFEFF?\s*(<\?xml[^>]*\?>)?\s*/, '');
  const m = new RegExp(`^<${root}(?:\\s[^>]*)?>([\\s\\S]*)</${root}>\\s*$`).exec(body);
  if (!m) throw malformedXml(`expected one <${root}> document`);
  return m[1]!;
}
