import { plural } from '../size.js';
import { EXIT_FAILURE, type Context } from '../output.js';
import { checkDir, usage } from './sync.js';
import type { CheckFlags } from '../definitions/catalog.js';

export async function checkCommand(ctx: Context, opts: CheckFlags): Promise<number> {
  await checkDir(opts.dir);
  const { Catalog, checkLocalFiles, parseShard, pathFilter } = await import('../../catalog/index.js');
  const shardText = opts.shard;
  const shard = shardText !== undefined ? await usage('--shard', () => parseShard(shardText)) : undefined;
  const filter = await usage('--include/--exclude', () => pathFilter(opts.include, opts.exclude));
  const catalog = await Catalog.open(opts.catalog, { create: false, onWarning: (w) => ctx.note(w) });
  try {
    const r = await checkLocalFiles({ dir: opts.dir, catalog, filter, shard, threads: opts.threads, signal: ctx.signal });
    if (opts.json) ctx.json(r);
    else {
      for (const m of r.mismatched) ctx.out(`MISMATCH\t${m.path}\t${m.reason === 'size' ? `size ${m.actual}, catalog ${m.expected}` : `tree hash ${m.actual}, catalog ${m.expected}`}`);
      for (const p of r.missing) ctx.out(`MISSING\t${p}`);
      ctx.note(`${r.ok} ${r.ok === 1 ? 'file matches' : 'files match'} the catalog, ${r.mismatched.length} differ, ${r.missing.length} missing`);
    }
    return r.mismatched.length || r.missing.length ? EXIT_FAILURE : 0;
  } finally {
    await catalog.close();
  }
}
