/**
 * A note when a request has gone unanswered for a while: an endpoint that accepts connections and
 * never answers otherwise looks like a CLI that hangs (each try waits out the request timeout,
 * then the SDK retries).
 */
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../glacier/client.js';
import type { Context } from './output.js';

/** How long a request goes unanswered before the note. */
export const WAITING_NOTE_MS = 5000;

export async function noteWhileWaiting<T>(ctx: Context, operation: string, requestTimeout: number | undefined, work: Promise<T>): Promise<T> {
  const timer = setTimeout(() => {
    const seconds = Math.round((requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS) / 1000);
    ctx.note(`waiting for ${ctx.endpoint ?? 'the AWS endpoint'} to answer ${operation} (no answer yet; each try gives up after ${seconds} s ` +
      'without a byte, then it is retried; --request-timeout shortens it, Ctrl-C stops)');
  }, WAITING_NOTE_MS);
  timer.unref();
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}
