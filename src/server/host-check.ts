// DNS-rebinding guard: without credentials, only requests addressed to a loopback name (or to the
// configured host) are served, so a web page whose name was rebound to 127.0.0.1 gets nothing.
import type { ServerConfig } from './context.js';
import { GlacierHttpError } from './errors.js';

const BIND_ALL = new Set(['0.0.0.0', '::', '[::]']);

/** The host name of a Host header, lowercased, without port or IPv6 brackets. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return colon < 0 || h.indexOf(':', colon + 1) >= 0 ? h : h.slice(0, colon);
}

export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1'
    || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Refuses a request whose Host is neither loopback nor the configured host (unless allowed). */
export function checkHost(hostHeader: string | undefined, config: ServerConfig): void {
  if (config.allowAnyHost || config.credentials) return; // a signature covers the Host already
  const name = hostHeader === undefined ? '' : hostName(hostHeader);
  const configured = hostName(config.host);
  if (name !== '' && (isLoopbackName(name) || (name === configured && !BIND_ALL.has(config.host)))) return;
  throw new GlacierHttpError(403, 'AccessDeniedException',
    `Host "${hostHeader ?? ''}" is not served: without credentials the local Glacier server answers only requests to localhost, 127.0.0.1, [::1] or its own host ${config.host} (a guard against DNS rebinding). `
    + 'Address it by one of those, give it credentials (an access key id and secret), or start it with allowAnyHost.');
}
