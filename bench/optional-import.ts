// The benchmarks' optional packages: the chart engine (vega, vega-lite) and the other hash engines
// compared against ours are dev dependencies, absent from an installed package (`npm install
// glacier-multipart` omits them). The benchmarks load them on demand and carry on without them,
// saying which were skipped, so `glacier-multipart bench` works from an installed package.

/** Whether `err` is Node's "package not installed" for `name` (not a failure inside it). */
function isMissing(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (e.message ?? '').includes(`'${name}'`);
}

/** The package's module, or null when it is not installed. Any other failure propagates. */
export async function importOptional<T>(specifier: string): Promise<T | null> {
  // The package name: '@scope/name' or 'name', without a subpath ('@noble/hashes/sha2.js').
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if (isMissing(err, name)) return null;
    throw err;
  }
}
