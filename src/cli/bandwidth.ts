// `serve --bandwidth`: link speeds as network people write them, in bits per second with SI
// (decimal) prefixes, as `tc` does: 400Mbit, 1Gbit, 512kbit, 50mbps.
const PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** Parses `400Mbit`, `1gbit`, `50Mbps`, `8000` (bits per second) into whole bits per second. */
export function parseBandwidth(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(bit|bps|b\/s)?\s*$/i.exec(input);
  if (!m || (m[2] !== '' && m[3] === undefined)) {
    throw new Error(`--bandwidth takes bits per second with a unit, e.g. 400Mbit, 1Gbit, 512kbit; got "${input}".`);
  }
  const bits = Math.round(Number(m[1]) * PREFIX[m[2]!.toLowerCase()]!);
  if (!(bits >= 8000 && Number.isSafeInteger(bits))) {
    throw new Error(`--bandwidth must be at least 8kbit (8000 bits per second); got "${input}".`);
  }
  return bits;
}
