import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Context } from '../output.js';
import { EXIT_FAILURE, formatError } from '../output.js';
import { CliUsageError } from '../errors.js';
import type { HashFlags } from '../definitions/transfer.js';

/**
 * `hash <file...>`: the Glacier tree hash of each file, hashed part by part in the worker pool (so a
 * large file uses every core), printed like sha256sum. A name that is not a file is a usage error
 * (exit 2) before anything is hashed; a file that fails while being read is reported and the others
 * are still hashed (exit 1), as sha256sum does.
 */
export async function hashCommand(ctx: Context, files: string[], opts: HashFlags): Promise<number> {
  const { validatePartSize } = await import('../../glacier/index.js');
  if (opts.partSize !== undefined) {
    try {
      validatePartSize(opts.partSize);
    } catch (err) {
      throw new CliUsageError(`--part-size: ${(err as Error).message}`, 'INVALID_PART_SIZE');
    }
  }
  if (files.includes('-')) {
    throw new CliUsageError("hash reads files, not stdin: save the data to a file first (stdin cannot be hashed in parallel parts).");
  }
  // A name that is not a readable file is a usage error (exit 2, like `upload nosuch.bin`), found
  // before any hashing starts.
  for (const file of files) {
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliUsageError(code === 'ENOENT' ? `${file}: no such file; check the path.` : `${file}: cannot read it (${code}).`, 'SOURCE_NOT_FOUND');
    }
    if (!info.isFile()) throw new CliUsageError(`${file} is not a regular file: hash files.`, 'SOURCE_NOT_FILE');
  }
  const { HashPool } = await import('../../pool/index.js');
  const pool = new HashPool({ engine: opts.engine, ...(opts.threads ? { threads: opts.threads } : {}) });
  let failed = 0;
  try {
    for (const file of files) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      try {
        // The linear SHA-256 is one sequential stream; node:crypto runs it alongside the pool.
        const [result, sha256] = await Promise.all([
          pool.hashFile(file, { ...(opts.partSize ? { partSize: opts.partSize } : {}), signal: ctx.signal }),
          opts.json ? linearSha256(file, ctx.signal) : Promise.resolve(undefined),
        ]);
        if (opts.json) {
          ctx.io.stdout.write(`${JSON.stringify({
            file,
            size: result.size,
            treeHash: result.treeHash,
            sha256,
            ...(opts.partSize ? { partSize: result.partSize, parts: result.parts } : {}),
          })}\n`);
        } else {
          ctx.out(`${result.treeHash}  ${file}`);
        }
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        failed++;
        ctx.note(formatError(err, ctx.debug));
      }
    }
    ctx.log(`engine ${pool.engine}, ${pool.threads} thread${pool.threads === 1 ? '' : 's'}`);
  } finally {
    await pool.destroy();
  }
  return failed ? EXIT_FAILURE : 0;
}

async function linearSha256(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
