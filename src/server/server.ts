// startLocalGlacier: builds the server context, listens, and closes cleanly.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { ConnectionGuard } from './connections.js';
import { Stats, type ServerConfig, type ServerContext } from './context.js';
import { lockDataDir } from './data-dir-lock.js';
import { Delays } from './delays.js';
import { handleRequest } from './dispatch.js';
import { InvalidOptionError } from '../options.js';
import { FaultInjector } from './faults.js';
import { startLink, type EmulatedLink } from './link.js';
import { sweepExpired } from './lookups.js';
import { serverConfig } from './options.js';
import { S3Store } from './s3/store.js';
import { Store } from './store.js';
import type { FaultPlan, LocalGlacier, LocalGlacierOptions } from './types.js';

export { LOCAL_ACCOUNT_ID } from './views.js';

async function openStore(dataDir: string): Promise<Store> {
  const store = new Store(dataDir);
  try {
    await store.load();
  } catch (err) {
    throw new InvalidOptionError('dataDir',
      `dataDir ${dataDir} cannot be used: ${(err as Error).message}. Pass a writable directory (or none for a fresh temporary one).`);
  }
  return store;
}

async function openS3Store(dataDir: string): Promise<S3Store> {
  const s3 = new S3Store(dataDir);
  try {
    await s3.load();
  } catch (err) {
    throw new InvalidOptionError('dataDir',
      `dataDir ${dataDir} cannot be used for the local S3: ${(err as Error).message}. Pass a writable directory (or none for a fresh temporary one).`);
  }
  return s3;
}

async function listen(server: Server, host: string, port: number | undefined): Promise<void> {
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port ?? 0, host, () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidOptionError('port', code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use; pick another port, or 0 for a free one.`
      : `Cannot listen on ${host}:${port ?? 0}: ${(err as Error).message}.`);
  }
}

async function startEmulatedLink(config: ServerConfig, port: number | undefined, target: number): Promise<EmulatedLink> {
  try {
    return await startLink({ latencyMs: config.latencyMs, bandwidthBitsPerSecond: config.bandwidthBitsPerSecond }, config.host, port ?? 0, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidOptionError('port', code === 'EADDRINUSE'
      ? `Port ${port} on ${config.host} is already in use; pick another port, or 0 for a free one.`
      : `Cannot listen on ${config.host}:${port ?? 0}: ${(err as Error).message}.`);
  }
}

/** Starts the server; resolves once it listens. */
export async function startLocalGlacier(opts: LocalGlacierOptions = {}): Promise<LocalGlacier> {
  const config = serverConfig(opts);
  const createdDataDir = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'glacier-local-'))));
  let release: () => Promise<void>;
  try {
    await mkdir(dataDir, { recursive: true });
    release = await lockDataDir(dataDir);
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'DATA_DIR_IN_USE') throw err;
    throw new InvalidOptionError('dataDir',
      `dataDir ${dataDir} cannot be used: ${(err as Error).message}. Pass a writable directory (or none for a fresh temporary one).`);
  }
  let context: ServerContext;
  try {
    context = {
      store: await openStore(dataDir),
      config,
      stats: new Stats(),
      faults: new FaultInjector(opts.faults ?? []),
      delays: new Delays(),
      s3: await openS3Store(dataDir),
    };
  } catch (err) {
    await release();
    throw err;
  }

  const inflight = new Set<Promise<void>>();
  const server: Server = createServer({
    // No limit on a whole request (a 4 GiB part takes long on a slow link), but the headers must come
    // in time and a body must keep moving (bodyIdleTimeoutMs, in the body readers).
    requestTimeout: 0,
    headersTimeout: config.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 2))),
    // An idle keep-alive connection is closed by the headers deadline of ConnectionGuard.
    keepAliveTimeout: config.headersTimeoutMs,
  }, (req, res) => {
    const p = handleRequest(context, req, res).catch((err) => {
      console.error('local Glacier server: unexpected failure', err);
      if (!res.headersSent) res.destroy();
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  const connections = new ConnectionGuard(config.maxConnections, config.headersTimeoutMs, (what) => context.stats.bump(`Connections:${what}`));
  connections.attach(server);
  const emulated = config.latencyMs > 0 || config.bandwidthBitsPerSecond !== undefined;
  let link: EmulatedLink | undefined;
  try {
    // Behind an emulated link the server itself listens on a loopback port of its own.
    await listen(server, emulated ? '127.0.0.1' : config.host, emulated ? 0 : opts.port);
    if (emulated) link = await startEmulatedLink(config, opts.port, (server.address() as AddressInfo).port);
  } catch (err) {
    server.close();
    await release();
    if (createdDataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const port = link?.port ?? (server.address() as AddressInfo).port;
  sweepExpired(context); // jobs that expired while the server was down
  const sweeper = setInterval(() => sweepExpired(context), Math.min(config.uploadTtlMs, config.jobOutputTtlMs, 60_000));
  sweeper.unref();

  let closed: Promise<void> | undefined;
  const host = config.host;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    endpoint,
    // The same port: requests signed for the service s3 are S3's (path-style addressing).
    s3Endpoint: endpoint,
    port,
    dataDir,
    stats: context.stats.values,
    setFaults(plan: FaultPlan) {
      context.faults.set(plan);
    },
    resetStats() {
      context.stats.reset();
    },
    close() {
      closed ??= (async () => {
        clearInterval(sweeper);
        context.delays.finishAll();
        await link?.close();
        const done = new Promise<void>((ok) => server.close(() => ok()));
        connections.destroyAll();
        await done;
        // Handlers cut off mid-body finish their cleanup before the directory may be reused.
        await Promise.allSettled([...inflight]);
        await release();
        if (createdDataDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
