import { plural } from '../size.js';
import type { Context } from '../output.js';
import { usage } from './sync.js';
import type { MergeFlags } from '../definitions/catalog.js';

export async function catalogMergeCommand(ctx: Context, inputs: string[], opts: MergeFlags): Promise<void> {
  const { mergeCatalogs } = await import('../../catalog/index.js');
  await usage('catalog merge', async () => {
    const { access } = await import('node:fs/promises');
    for (const f of inputs) await access(f).catch(() => { throw new Error(`${f} does not exist; check the path.`); });
  });
  const r = await mergeCatalogs(inputs, opts.out, { onWarning: (w) => ctx.note(w) });
  ctx.out(`merged ${plural(inputs.length, 'catalog')} into ${opts.out}: ${plural(r.records, 'record')}, ${plural(r.files, 'file')} (${plural(r.duplicates, 'duplicate line')} dropped)`);
}
