// An emulated wide-area link in front of the server (latencyMs, bandwidthBitsPerSecond): a TCP relay
// on the public port that delays every byte by the one-way latency and sends each direction through
// one shared bottleneck of the given bandwidth, so code can be seen behaving against a distant
// Glacier. Everything (SigV4, S3, faults, keep-alive) passes through unchanged.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkOptions {
  /** One-way delay of every byte, in ms: a request and its answer take at least 2 x latency. */
  latencyMs: number;
  /** Shared by all connections, per direction; undefined = no cap. */
  bandwidthBitsPerSecond: number | undefined;
}

/**
 * One direction of the link: bytes queue at a bottleneck that sends them at the bandwidth, then
 * arrive `latencyMs` later. The bottleneck holds at most `bufferMs` of sending time: a connection
 * that would queue beyond it is paused (as a full router queue makes TCP back off).
 */
export class LinkDirection {
  private freeAt = 0;
  private readonly bytesPerMs: number | undefined;

  constructor(readonly latencyMs: number, bitsPerSecond: number | undefined, readonly bufferMs = 20) {
    this.bytesPerMs = bitsPerSecond === undefined ? undefined : bitsPerSecond / 8 / 1000;
  }

  /** When `bytes` handed over now (and not sent before `notBefore`) arrive at the far end. */
  schedule(bytes: number, notBefore: number): number {
    const start = Math.max(performance.now(), notBefore, this.freeAt);
    if (this.bytesPerMs === undefined) return start + this.latencyMs;
    this.freeAt = start + bytes / this.bytesPerMs;
    return this.freeAt + this.latencyMs;
  }

  /** ms until the bottleneck's queue is short enough to take more (0 = now). */
  backlogWaitMs(): number {
    return Math.max(0, this.freeAt - this.bufferMs - performance.now());
  }
}

type Item = { at: number; chunk?: Buffer; end?: true; reset?: true };

/**
 * Bytes one connection may have on the way (sent, not yet arrived), like a TCP window: it bounds
 * the relay's memory, and one connection's throughput to WINDOW / round trip (4 MiB / 50 ms is
 * about 670 Mbit/s), as on a real long link.
 */
const WINDOW = 4 * 1024 * 1024;

/** Carries one direction of one connection over the link, in order, with backpressure both ways. */
function carry(from: Socket, to: Socket, dir: LinkDirection, notBefore: number, timers: Set<NodeJS.Timeout>): void {
  const queue: Item[] = [];
  let timer: NodeJS.Timeout | undefined;
  let held = 0; // reasons `from` is paused: the bottleneck is full, the window is, `to` is not draining
  let onTheWay = 0;
  let windowFull = false;
  let awaitingDrain = false;
  const hold = () => { if (held++ === 0) from.pause(); };
  const release = () => { if (--held === 0) from.resume(); };
  const deliver = () => {
    if (timer) timers.delete(timer);
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const item = queue.shift()!;
      onTheWay -= item.chunk?.length ?? 0;
      if (windowFull && onTheWay <= WINDOW / 2) {
        windowFull = false;
        release();
      }
      if (item.reset) {
        to.destroy();
        return;
      }
      if (item.end) {
        to.end();
        return;
      }
      if (!to.destroyed && !to.write(item.chunk!) && !awaitingDrain) {
        awaitingDrain = true; // one listener for all the chunks written before 'drain'
        hold();
        to.once('drain', () => {
          awaitingDrain = false;
          release();
        });
      }
    }
    arm();
  };
  const arm = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(deliver, Math.max(0, queue[0]!.at - performance.now()));
    timers.add(timer);
  };
  const push = (item: Omit<Item, 'at'>, bytes: number) => {
    queue.push({ ...item, at: dir.schedule(bytes, notBefore) });
    arm();
  };
  from.on('data', (chunk: Buffer) => {
    push({ chunk }, chunk.length);
    onTheWay += chunk.length;
    if (!windowFull && onTheWay > WINDOW) {
      windowFull = true;
      hold();
    }
    const wait = dir.backlogWaitMs();
    if (wait > 0) {
      hold();
      const t = setTimeout(() => { timers.delete(t); release(); }, wait);
      timers.add(t);
    }
  });
  from.on('end', () => push({ end: true }, 0));
  // A close without an orderly end (a reset, a destroyed socket) reaches the far end as a reset.
  from.on('close', () => { if (!from.readableEnded) push({ reset: true }, 0); });
  from.on('error', () => {});
}

export interface EmulatedLink {
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port and relays every connection over the link to the server on `targetPort`. */
export async function startLink(opts: LinkOptions, host: string, port: number, targetPort: number): Promise<EmulatedLink> {
  const up = new LinkDirection(opts.latencyMs, opts.bandwidthBitsPerSecond);
  const down = new LinkDirection(opts.latencyMs, opts.bandwidthBitsPerSecond);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const relay: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    // A new connection costs a round trip (the TCP handshake) before its first byte can leave.
    const opened = performance.now() + 2 * opts.latencyMs;
    const server = connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
    for (const s of [client, server]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    carry(client, server, up, opened, timers);
    carry(server, client, down, 0, timers);
  });
  await new Promise<void>((ok, fail) => {
    relay.once('error', fail);
    relay.listen(port, host, () => {
      relay.off('error', fail);
      ok();
    });
  });
  return {
    port: (relay.address() as { port: number }).port,
    async close() {
      const closed = new Promise<void>((ok) => relay.close(() => ok()));
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
