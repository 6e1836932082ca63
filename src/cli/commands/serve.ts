import { commandLine } from '../next-step.js';
import { createServer } from 'node:net';
import { GlacierMultipartError } from '../../errors.js';
import { CliUsageError } from '../errors.js';
import { LOCAL_DUMMY_CREDENTIALS } from '../client.js';
import type { Context } from '../output.js';
import type { ServeFlags } from '../definitions/tools.js';

/** Runs the local Glacier-compatible server until Ctrl-C (or SIGTERM), then closes it cleanly. */
export async function serveCommand(ctx: Context, opts: ServeFlags): Promise<void> {
  if (Boolean(opts.accessKeyId) !== Boolean(opts.secretAccessKey)) {
    throw new CliUsageError('--access-key-id and --secret-access-key go together: pass both to verify SigV4 signatures, or neither.');
  }
  const credentials = opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined;
  // A busy port must fail before anything is created (the data directory, a temporary one).
  await checkPortFree(opts.host, opts.port);
  const { startLocalGlacier } = await import('../../server/index.js');
  const server = await startLocalGlacier({
    host: opts.host,
    port: opts.port,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(credentials ? { credentials } : {}),
    ...(opts.jobDelay !== undefined ? { jobDelayMs: opts.jobDelay } : {}),
    ...(opts.allowAnyHost ? { allowAnyHost: true } : {}),
    ...(opts.latency !== undefined ? { latencyMs: opts.latency } : {}),
    ...(opts.bandwidth !== undefined ? { bandwidthBitsPerSecond: opts.bandwidth } : {}),
  });
  const keys = credentials ?? LOCAL_DUMMY_CREDENTIALS;
  ctx.out(`Local Glacier listening on ${server.endpoint}`);
  ctx.out(`data directory: ${server.dataDir}${opts.dataDir ? '' : ' (temporary)'}`);
  if (opts.latency !== undefined || opts.bandwidth !== undefined) {
    const rate = opts.bandwidth === undefined ? 'no bandwidth cap' : `${opts.bandwidth / 1e6} Mbit/s per direction (shared)`;
    ctx.out(`emulated link: ${opts.latency ?? 0} ms each way (round trip ${2 * (opts.latency ?? 0)} ms), ${rate}`);
  }
  ctx.out(credentials ? 'SigV4 signatures are verified with the given credentials.' : 'SigV4 signatures are not verified: any credentials work.');
  ctx.out('');
  ctx.out('Point the CLI or the AWS SDK at it:');
  ctx.out(`  export AWS_ENDPOINT_URL_GLACIER=${server.endpoint}`);
  ctx.out(`  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=${keys.accessKeyId} AWS_SECRET_ACCESS_KEY=${keys.secretAccessKey}`);
  // The CLI as this run was started (a bare glacier-multipart is not on PATH in a checkout).
  ctx.out(`  ${commandLine(ctx, ['vault', 'create', 'my-vault'])} && ${commandLine(ctx, ['upload', 'big.tar', '--vault', 'my-vault'])}`);
  ctx.out(`  // or in code: new GlacierClient({ endpoint: '${server.endpoint}', region: 'us-east-1', credentials: { accessKeyId: '${keys.accessKeyId}', secretAccessKey: '${keys.secretAccessKey}' } })`);
  ctx.out(`Local S3 (path-style) on the same port: ${server.s3Endpoint}`);
  ctx.out(`  export AWS_ENDPOINT_URL_S3=${server.s3Endpoint}`);
  ctx.out(`  // new S3Client({ endpoint: '${server.s3Endpoint}', forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: '${keys.accessKeyId}', secretAccessKey: '${keys.secretAccessKey}' } })`);
  ctx.out('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  ctx.note('local Glacier stopped');
}

/** Binds host:port for a moment to learn whether the server could listen there. */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new GlacierMultipartError('PORT_IN_USE', `Port ${port} on ${host} is already in use; pick another --port, or --port 0 for a free one.`)
        : new GlacierMultipartError('CANNOT_LISTEN', `Cannot listen on ${host}:${port} (${err.code ?? err.message}); check --host and --port.`));
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
