/** hash, upload, resume: hashing files and the multipart uploads themselves. */
import { bool, defineCommand, negatable, parsed, req, str, type FlagValues } from '../define.js';
import { sizeArg } from '../flags.js';
import { CONNECTION, UPLOAD_THREADS, concurrency, engine, json, partSize, progress, threads } from './common.js';

export const hashFlags = {
  partSize: parsed('--part-size <size>', 'also list per-part hashes for this part size (with --json)', sizeArg),
  engine: engine(),
  threads: threads(),
  json: json('one JSON object per file: size, treeHash, sha256 (linear), parts'),
};
export type HashFlags = FlagValues<typeof hashFlags>;

export const hash = defineCommand({
  name: 'hash',
  description: "print each file's Glacier tree hash, like sha256sum ('<treehash>  <file>')",
  args: [['<file...>', 'files to hash']],
  flags: hashFlags,
  run: async (ctx, [files], opts) => (await import('../commands/hash.js')).hashCommand(ctx, files, opts),
});

const resumeChoices = {
  concurrency: concurrency(),
  threads: threads(UPLOAD_THREADS),
  engine: engine(),
  abortOnInterrupt: bool('--abort-on-interrupt', 'on Ctrl-C abort the multipart upload instead of leaving it resumable'),
  abortOnError: bool('--abort-on-error', 'on failure abort the multipart upload instead of leaving it resumable'),
  verify: bool('--verify', 'when resuming, re-hash every part Glacier holds from the file, even if the file looks unchanged'),
  force: bool('--force', "when resuming, replace the parts of an upload that match none of this file's bytes (another file's upload)"),
  progress: progress(),
  json: json('print the result as one JSON object'),
};

export const uploadFlags = {
  vault: req('--vault <name>', 'the vault to upload to'),
  description: str('--description <text>', 'archive description (printable ASCII, at most 1,024 characters)'),
  partSize: partSize("part size (1 MiB x 2^n) or 'auto' (smallest that fits in 10,000 parts)"),
  concurrency: resumeChoices.concurrency,
  threads: resumeChoices.threads,
  engine: resumeChoices.engine,
  journal: negatable('--journal <file>', 'where to record progress for resume (default: <file>.glacier-journal.json)',
    'do not write a journal (an interrupted upload can still be resumed with --upload-id)'),
  restart: bool('--restart', 'with an existing journal: abort the upload it records (if still open), delete it, start over'),
  abortOnInterrupt: resumeChoices.abortOnInterrupt,
  abortOnError: resumeChoices.abortOnError,
  verify: resumeChoices.verify,
  force: resumeChoices.force,
  progress: resumeChoices.progress,
  json: resumeChoices.json,
  ...CONNECTION,
};
export type UploadFlags = FlagValues<typeof uploadFlags>;

export const upload = defineCommand({
  name: 'upload',
  description: "upload a file (or '-' for stdin) to a vault as a multipart upload; resumable from its journal",
  args: [['<file>', "the file to upload, or '-' to read stdin"]],
  flags: uploadFlags,
  run: async (ctx, [file], opts) => (await import('../commands/upload.js')).uploadCommand(ctx, file, opts),
});

export const resumeFlags = {
  journal: str('--journal <file>', 'the journal an earlier upload wrote'),
  vault: str('--vault <name>', 'the vault (with --upload-id)'),
  uploadId: str('--upload-id <id>', 'the multipart upload id to continue'),
  ...resumeChoices,
  ...CONNECTION,
};
export type ResumeFlags = FlagValues<typeof resumeFlags>;

export const resume = defineCommand({
  name: 'resume',
  description: 'finish an interrupted upload: from its journal, or from a file, vault and upload id',
  args: [['[file]', "the file being uploaded (not needed with --journal), or '-' to read the same bytes again from stdin"]],
  flags: resumeFlags,
  run: async (ctx, [file], opts) => (await import('../commands/upload.js')).resumeCommand(ctx, file, opts),
});
