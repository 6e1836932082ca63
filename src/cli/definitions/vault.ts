/** uploads, parts, abort, vault create|describe, retrieve, jobs, download: looking at a vault and getting archives back. */
import { LIMITS } from '../../options.js';
import { bool, defineCommand, negatableBool, parsed, req, str, type FlagValues } from '../define.js';
import { chunkSizeArg, intArg } from '../flags.js';
import { CONNECTION, UPLOAD_THREADS, engine, json, progress, threads } from './common.js';

export const uploadsFlags = { vault: req('--vault <name>', 'the vault'), json: json('print a JSON array'), ...CONNECTION };
export type UploadsFlags = FlagValues<typeof uploadsFlags>;
export const uploads = defineCommand({
  name: 'uploads',
  description: "list a vault's open multipart uploads",
  flags: uploadsFlags,
  run: async (ctx, _args, opts) => (await import('../commands/manage.js')).uploadsCommand(ctx, opts),
});

export const partsFlags = {
  vault: req('--vault <name>', 'the vault'),
  uploadId: req('--upload-id <id>', 'the multipart upload id'),
  json: json('print a JSON object'),
  ...CONNECTION,
};
export type PartsFlags = FlagValues<typeof partsFlags>;
export const parts = defineCommand({
  name: 'parts',
  description: 'list the parts Glacier holds for an open multipart upload',
  flags: partsFlags,
  run: async (ctx, _args, opts) => (await import('../commands/manage.js')).partsCommand(ctx, opts),
});

export const abortFlags = { vault: req('--vault <name>', 'the vault'), uploadId: req('--upload-id <id>', 'the multipart upload id'), ...CONNECTION };
export type AbortFlags = FlagValues<typeof abortFlags>;
export const abort = defineCommand({
  name: 'abort',
  description: 'abort an open multipart upload (Glacier discards its parts)',
  flags: abortFlags,
  run: async (ctx, _args, opts) => (await import('../commands/manage.js')).abortCommand(ctx, opts),
});

export const vaultFlags = { json: json('print a JSON object'), ...CONNECTION };
export type VaultFlags = FlagValues<typeof vaultFlags>;
export const vaultCreate = defineCommand({
  name: 'vault create',
  description: 'create a vault (succeeds if it exists)',
  args: [['<name>', 'vault name: 1-255 of a-z A-Z 0-9 _ . -']],
  flags: vaultFlags,
  run: async (ctx, [name], opts) => (await import('../commands/manage.js')).vaultCreateCommand(ctx, name, opts),
});
export const vaultDescribe = defineCommand({
  name: 'vault describe',
  description: "show a vault's ARN, archive count and size",
  args: [['<name>', 'vault name']],
  flags: vaultFlags,
  run: async (ctx, [name], opts) => (await import('../commands/manage.js')).vaultDescribeCommand(ctx, name, opts),
});

export const retrieveFlags = {
  vault: req('--vault <name>', 'the vault'),
  archiveId: req('--archive-id <id>', 'the archive to retrieve'),
  tier: str('--tier <tier>', 'Expedited (minutes), Standard (hours, the default) or Bulk (5-12 h)'),
  range: str('--range <first-last>', 'only these archive bytes (inclusive; FIRST a multiple of 1 MiB, LAST+1 too or the archive end)'),
  json: json('print the job as one JSON object'),
  ...CONNECTION,
};
export type RetrieveFlags = FlagValues<typeof retrieveFlags>;
export const retrieve = defineCommand({
  name: 'retrieve',
  description: 'start an archive-retrieval job; prints its id and the download command that finishes it',
  flags: retrieveFlags,
  run: async (ctx, _args, opts) => (await import('../commands/retrieve.js')).retrieveCommand(ctx, opts),
});

export const jobsFlags = {
  vault: req('--vault <name>', 'the vault'),
  completed: bool('--completed', 'only jobs that have completed'),
  json: json('print a JSON array'),
  ...CONNECTION,
};
export type JobsFlags = FlagValues<typeof jobsFlags>;
export const jobs = defineCommand({
  name: 'jobs',
  description: "list a vault's jobs and their state",
  flags: jobsFlags,
  run: async (ctx, _args, opts) => (await import('../commands/jobs.js')).jobsCommand(ctx, opts),
});

export const downloadFlags = {
  vault: req('--vault <name>', 'the vault'),
  jobId: str('--job-id <id>', 'a retrieval job started earlier (glacier-multipart retrieve)'),
  archiveId: str('--archive-id <id>', 'start a retrieval job for this archive (or continue the one its journal names)'),
  tier: str('--tier <tier>', 'with --archive-id: Expedited, Standard (default) or Bulk'),
  range: str('--range <first-last>', 'with --archive-id: only these archive bytes (inclusive, megabyte aligned)'),
  out: req('--out <file>', "where to write the archive, or '-' for stdout"),
  chunkSize: parsed('--chunk-size <size>', 'bytes per ranged request, 1 MiB x 2^k up to 1GiB (default 16MiB)', chunkSizeArg),
  concurrency: parsed('--concurrency <n>', `ranged requests in flight at once, at most ${LIMITS.downloadConcurrency.max} (default ${LIMITS.downloadConcurrency.default})`, intArg('downloadConcurrency')),
  wait: negatableBool('--wait', 'wait for the job to complete (the default)', 'fail at once if the job has not completed yet'),
  pollInterval: parsed('--poll-interval <ms>', 'milliseconds between job status checks (default: from 1 s, growing to minutes)', intArg('pollInterval')),
  journal: str('--journal <file>', 'where to record verified chunks for a resume (default: <file>.glacier-download.json)'),
  overwrite: bool('--overwrite', 'replace --out if it exists'),
  threads: threads(UPLOAD_THREADS),
  engine: engine(),
  progress: progress(),
  json: json('print the result as one JSON object'),
  ...CONNECTION,
};
export type DownloadFlags = FlagValues<typeof downloadFlags>;
export const download = defineCommand({
  name: 'download',
  description: "download a retrieval job's output (or start one for an archive), verified chunk by chunk; resumable",
  flags: downloadFlags,
  run: async (ctx, _args, opts) => (await import('../commands/download.js')).downloadCommand(ctx, opts),
});
