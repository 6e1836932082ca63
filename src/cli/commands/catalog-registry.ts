import type { CommandImpl } from '../commands.js';

/** The catalog commands' implementations, loaded only when that command runs. */
export const catalogCommands: Record<string, CommandImpl> = {
  inventory: async (ctx, _args, opts) => (await import('./inventory.js')).inventoryCommand(ctx, opts),
  sync: async (ctx, _args, opts) => (await import('./sync.js')).syncCommand(ctx, opts),
  restore: async (ctx, _args, opts) => (await import('./restore.js')).restoreCommand(ctx, opts),
  check: async (ctx, _args, opts) => (await import('./check.js')).checkCommand(ctx, opts),
  delete: async (ctx, _args, opts) => (await import('./delete.js')).deleteCommand(ctx, opts),
  purge: async (ctx, _args, opts) => (await import('./purge.js')).purgeCommand(ctx, opts),
  'catalog reconcile': async (ctx, _args, opts) => (await import('./reconcile.js')).reconcileCommand(ctx, opts),
  'catalog merge': async (ctx, args, opts) => (await import('./catalog.js')).catalogMergeCommand(ctx, args[0] as string[], opts),
};
