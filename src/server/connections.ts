// A bound on concurrent connections that idle connections cannot use to lock legitimate clients out.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Tracked {
  /** Requests in progress on this connection. */
  busy: number;
  /** Closes the connection when no complete request headers arrive in time. */
  deadline: NodeJS.Timeout | undefined;
  /** ms since epoch when it last became idle (or connected). */
  idleSince: number;
}

/**
 * Tracks every connection. At maxConnections, a new connection replaces the one idle the longest
 * (unfinished headers, or a keep-alive connection between requests); when all are busy, the newcomer
 * is closed. Node's own server.maxConnections would instead refuse every newcomer while idle
 * connections hold the slots, which lets 1,000 half-open connections lock out every real client.
 */
export class ConnectionGuard {
  private readonly sockets = new Map<Socket, Tracked>();

  /** `count` is told 'evicted' (an idle connection closed to make room) or 'refused' (all busy). */
  constructor(
    private readonly max: number,
    /** Complete headers must arrive this long after connecting or after the previous answer. */
    private readonly headersTimeoutMs: number,
    private readonly count: (what: 'evicted' | 'refused' | 'headersTimeout') => void,
  ) {}

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Kept here: req.socket is null once the socket was detached (an answer sent before the body ended).
      const socket = req.socket;
      const t = this.sockets.get(socket);
      if (!t) return;
      t.busy++;
      clearTimeout(t.deadline);
      res.once('close', () => {
        t.busy--;
        if (t.busy === 0 && !socket.destroyed) {
          t.idleSince = Date.now();
          this.arm(socket, t);
        }
      });
    });
  }

  get size(): number {
    return this.sockets.size;
  }

  private admit(socket: Socket): void {
    if (this.sockets.size >= this.max && !this.evictIdlest()) {
      this.count('refused');
      socket.destroy();
      return;
    }
    const t: Tracked = { busy: 0, idleSince: Date.now(), deadline: undefined };
    this.sockets.set(socket, t);
    this.arm(socket, t);
    socket.once('close', () => {
      clearTimeout(t.deadline);
      this.sockets.delete(socket);
    });
  }

  /**
   * Node's own headersTimeout does nothing while requestTimeout is 0 (which a 4 GiB body needs), so
   * the deadline for the next request's headers is kept here.
   */
  private arm(socket: Socket, t: Tracked): void {
    clearTimeout(t.deadline);
    t.deadline = setTimeout(() => {
      if (t.busy > 0) return;
      this.count('headersTimeout');
      socket.destroy();
    }, this.headersTimeoutMs);
    t.deadline.unref();
  }

  private evictIdlest(): boolean {
    let oldest: [Socket, Tracked] | undefined;
    for (const entry of this.sockets) {
      if (entry[1].busy === 0 && (!oldest || entry[1].idleSince < oldest[1].idleSince)) oldest = entry;
    }
    if (!oldest) return false;
    clearTimeout(oldest[1].deadline);
    this.sockets.delete(oldest[0]);
    oldest[0].destroy();
    this.count('evicted');
    return true;
  }

  destroyAll(): void {
    for (const s of this.sockets.keys()) s.destroy();
  }
}
