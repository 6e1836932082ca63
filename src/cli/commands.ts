import type { Context } from './output.js';
import { catalogCommands } from './commands/catalog-registry.js';

export type CommandImpl = (ctx: Context, args: unknown[], opts: Record<string, any>) => Promise<number | void>;

/** Each command's implementation, loaded only when that command runs. */
export const commands: Record<string, CommandImpl> = {
  hash: async (ctx, args, opts) => (await import('./commands/hash.js')).hashCommand(ctx, args[0] as string[], opts),
  upload: async (ctx, args, opts) => (await import('./commands/upload.js')).uploadCommand(ctx, args[0] as string, opts),
  resume: async (ctx, args, opts) => (await import('./commands/upload.js')).resumeCommand(ctx, args[0] as string | undefined, opts),
  uploads: async (ctx, _args, opts) => (await import('./commands/manage.js')).uploadsCommand(ctx, opts),
  parts: async (ctx, _args, opts) => (await import('./commands/manage.js')).partsCommand(ctx, opts),
  abort: async (ctx, _args, opts) => (await import('./commands/manage.js')).abortCommand(ctx, opts),
  'vault create': async (ctx, args, opts) => (await import('./commands/manage.js')).vaultCreateCommand(ctx, args[0] as string, opts),
  'vault describe': async (ctx, args, opts) => (await import('./commands/manage.js')).vaultDescribeCommand(ctx, args[0] as string, opts),
  serve: async (ctx, _args, opts) => (await import('./commands/serve.js')).serveCommand(ctx, opts),
  demo: async (ctx, _args, opts) => (await import('./commands/demo.js')).demoCommand(ctx, opts),
  retrieve: async (ctx, _args, opts) => (await import('./commands/retrieve.js')).retrieveCommand(ctx, opts),
  jobs: async (ctx, _args, opts) => (await import('./commands/jobs.js')).jobsCommand(ctx, opts),
  download: async (ctx, _args, opts) => (await import('./commands/download.js')).downloadCommand(ctx, opts),
  migrate: async (ctx, _args, opts) => (await import('./commands/migrate.js')).migrateCommand(ctx, opts),
  bench: async (ctx, _args, opts) => (await import('./commands/bench.js')).benchCommand(ctx, opts),
  ...catalogCommands,
};
