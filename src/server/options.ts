// Validation of startLocalGlacier's options and their defaults.
import type { ServerConfig } from './context.js';
import { LocalGlacierOptionsError } from './errors.js';
import { validateFaultPlan } from './faults.js';
import { LOCAL_ACCOUNT_ID } from './store.js';
import type { LocalGlacierOptions } from './types.js';

const DAY = 24 * 60 * 60 * 1000;

function checkInt(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) {
    throw new LocalGlacierOptionsError(`${name} must be an integer from ${min} to ${max}; got ${String(v)}.`);
  }
}

function checkJobDelay(v: LocalGlacierOptions['jobDelayMs']): void {
  if (v === undefined || typeof v === 'number') {
    checkInt(v, 'jobDelayMs', 0);
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new LocalGlacierOptionsError('jobDelayMs must be milliseconds, or { expedited?, standard?, bulk? } in milliseconds per tier.');
  }
  for (const key of Object.keys(v)) {
    if (!['expedited', 'standard', 'bulk'].includes(key)) {
      throw new LocalGlacierOptionsError(`jobDelayMs.${key} is not a retrieval tier; use expedited, standard or bulk.`);
    }
    checkInt((v as Record<string, unknown>)[key], `jobDelayMs.${key}`, 0);
  }
}

function jobDelays(v: LocalGlacierOptions['jobDelayMs']): ServerConfig['jobDelays'] {
  if (v === undefined || typeof v === 'number') return { Expedited: v ?? 0, Standard: v ?? 0, Bulk: v ?? 0 };
  return { Expedited: v.expedited ?? 0, Standard: v.standard ?? 0, Bulk: v.bulk ?? 0 };
}

export function checkOptions(opts: LocalGlacierOptions): void {
  checkInt(opts.port, 'port', 0, 65535);
  checkInt(opts.pageLimit, 'pageLimit', 1);
  checkInt(opts.uploadTtlMs, 'uploadTtlMs', 1);
  checkJobDelay(opts.jobDelayMs);
  checkInt(opts.jobOutputTtlMs, 'jobOutputTtlMs', 1);
  checkInt(opts.expeditedCapacity, 'expeditedCapacity', 0);
  checkInt(opts.maxVaults, 'maxVaults', 1);
  checkInt(opts.inventoryIntervalMs, 'inventoryIntervalMs', 0);
  if (opts.accountId !== undefined && !(typeof opts.accountId === 'string' && /^\d{12}$/.test(opts.accountId))) {
    throw new LocalGlacierOptionsError(`accountId must be 12 digits, e.g. "123456789012"; got ${String(opts.accountId)}.`);
  }
  checkInt(opts.headersTimeoutMs, 'headersTimeoutMs', 1);
  checkInt(opts.bodyIdleTimeoutMs, 'bodyIdleTimeoutMs', 1);
  checkInt(opts.maxConnections, 'maxConnections', 1);
  checkInt(opts.latencyMs, 'latencyMs', 0, 60_000);
  checkInt(opts.bandwidthBitsPerSecond, 'bandwidthBitsPerSecond', 8_000);
  if (opts.allowAnyHost !== undefined && typeof opts.allowAnyHost !== 'boolean') {
    throw new LocalGlacierOptionsError('allowAnyHost must be true or false.');
  }
  if (opts.host !== undefined && (typeof opts.host !== 'string' || opts.host === '')) {
    throw new LocalGlacierOptionsError('host must be a non-empty string such as "127.0.0.1".');
  }
  if (opts.dataDir !== undefined && (typeof opts.dataDir !== 'string' || opts.dataDir === '')) {
    throw new LocalGlacierOptionsError('dataDir must be a non-empty path string.');
  }
  const c = opts.credentials;
  if (c !== undefined && !(c && typeof c.accessKeyId === 'string' && c.accessKeyId && typeof c.secretAccessKey === 'string' && c.secretAccessKey)) {
    throw new LocalGlacierOptionsError('credentials must be { accessKeyId, secretAccessKey } with two non-empty strings.');
  }
  if (opts.faults !== undefined) validateFaultPlan(opts.faults);
}

/** Checked options with their defaults. */
export function serverConfig(opts: LocalGlacierOptions): ServerConfig {
  checkOptions(opts);
  return {
    host: opts.host ?? '127.0.0.1',
    pageLimit: opts.pageLimit ?? 50,
    uploadTtlMs: opts.uploadTtlMs ?? DAY,
    jobDelays: jobDelays(opts.jobDelayMs),
    jobOutputTtlMs: opts.jobOutputTtlMs ?? DAY,
    expeditedCapacity: opts.expeditedCapacity ?? Number.POSITIVE_INFINITY,
    maxVaults: opts.maxVaults ?? 1000,
    accountId: opts.accountId ?? LOCAL_ACCOUNT_ID,
    inventoryIntervalMs: opts.inventoryIntervalMs ?? DAY,
    headersTimeoutMs: opts.headersTimeoutMs ?? 10_000,
    bodyIdleTimeoutMs: opts.bodyIdleTimeoutMs ?? 30_000,
    maxConnections: opts.maxConnections ?? 512,
    latencyMs: opts.latencyMs ?? 0,
    bandwidthBitsPerSecond: opts.bandwidthBitsPerSecond,
    allowAnyHost: opts.allowAnyHost ?? false,
    credentials: opts.credentials,
  };
}
