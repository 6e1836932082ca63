// Validation of startLocalGlacier's options and their defaults.
import type { ServerConfig } from './context.js';
import { InvalidOptionError, LIMITS, checkLimit } from '../options.js';
import { validateFaultPlan } from './faults.js';
import { LOCAL_ACCOUNT_ID } from './store.js';
import type { LocalGlacierOptions } from './types.js';


function checkJobDelay(v: LocalGlacierOptions['jobDelayMs']): void {
  if (v === undefined || typeof v === 'number') {
    checkLimit('jobDelayMs', v);
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidOptionError('jobDelayMs', 'jobDelayMs must be milliseconds, or { expedited?, standard?, bulk? } in milliseconds per tier.');
  }
  for (const key of Object.keys(v)) {
    if (!['expedited', 'standard', 'bulk'].includes(key)) {
      throw new InvalidOptionError('jobDelayMs', `jobDelayMs.${key} is not a retrieval tier; use expedited, standard or bulk.`);
    }
    checkLimit('jobDelayMs', (v as Record<string, unknown>)[key], `jobDelayMs.${key}`);
  }
}

function jobDelays(v: LocalGlacierOptions['jobDelayMs']): ServerConfig['jobDelays'] {
  if (v === undefined || typeof v === 'number') return { Expedited: v ?? 0, Standard: v ?? 0, Bulk: v ?? 0 };
  return { Expedited: v.expedited ?? 0, Standard: v.standard ?? 0, Bulk: v.bulk ?? 0 };
}

/** The numeric options, checked against the one table (src/options.ts). */
const NUMERIC = ['port', 'pageLimit', 'uploadTtlMs', 'jobOutputTtlMs', 'expeditedCapacity', 'maxVaults', 'inventoryIntervalMs',
  'headersTimeoutMs', 'bodyIdleTimeoutMs', 'maxConnections', 'latencyMs', 'bandwidthBitsPerSecond'] as const;

export function checkOptions(opts: LocalGlacierOptions): void {
  if (opts === null || typeof opts !== 'object') throw new InvalidOptionError('options', 'startLocalGlacier takes an options object (or none).');
  for (const key of NUMERIC) checkLimit(key, opts[key]);
  checkJobDelay(opts.jobDelayMs);
  if (opts.accountId !== undefined && !(typeof opts.accountId === 'string' && /^\d{12}$/.test(opts.accountId))) {
    throw new InvalidOptionError('accountId', `accountId must be 12 digits, e.g. "123456789012"; got ${String(opts.accountId)}.`);
  }
  if (opts.allowAnyHost !== undefined && typeof opts.allowAnyHost !== 'boolean') {
    throw new InvalidOptionError('allowAnyHost', 'allowAnyHost must be true or false.');
  }
  if (opts.host !== undefined && (typeof opts.host !== 'string' || opts.host === '')) {
    throw new InvalidOptionError('host', 'host must be a non-empty string such as "127.0.0.1".');
  }
  if (opts.dataDir !== undefined && (typeof opts.dataDir !== 'string' || opts.dataDir === '')) {
    throw new InvalidOptionError('dataDir', 'dataDir must be a non-empty path string.');
  }
  const c = opts.credentials;
  if (c !== undefined && !(c && typeof c.accessKeyId === 'string' && c.accessKeyId && typeof c.secretAccessKey === 'string' && c.secretAccessKey)) {
    throw new InvalidOptionError('credentials', 'credentials must be { accessKeyId, secretAccessKey } with two non-empty strings.');
  }
  if (opts.faults !== undefined) validateFaultPlan(opts.faults);
}

/** Checked options with their defaults. */
export function serverConfig(opts: LocalGlacierOptions): ServerConfig {
  checkOptions(opts);
  return {
    host: opts.host ?? '127.0.0.1',
    pageLimit: opts.pageLimit ?? LIMITS.pageLimit.default,
    uploadTtlMs: opts.uploadTtlMs ?? LIMITS.uploadTtlMs.default,
    jobDelays: jobDelays(opts.jobDelayMs),
    jobOutputTtlMs: opts.jobOutputTtlMs ?? LIMITS.jobOutputTtlMs.default,
    expeditedCapacity: opts.expeditedCapacity ?? LIMITS.expeditedCapacity.default,
    maxVaults: opts.maxVaults ?? LIMITS.maxVaults.default,
    accountId: opts.accountId ?? LOCAL_ACCOUNT_ID,
    inventoryIntervalMs: opts.inventoryIntervalMs ?? LIMITS.inventoryIntervalMs.default,
    headersTimeoutMs: opts.headersTimeoutMs ?? LIMITS.headersTimeoutMs.default,
    bodyIdleTimeoutMs: opts.bodyIdleTimeoutMs ?? LIMITS.bodyIdleTimeoutMs.default,
    maxConnections: opts.maxConnections ?? LIMITS.maxConnections.default,
    latencyMs: opts.latencyMs ?? LIMITS.latencyMs.default,
    bandwidthBitsPerSecond: opts.bandwidthBitsPerSecond,
    allowAnyHost: opts.allowAnyHost ?? false,
    credentials: opts.credentials,
  };
}
