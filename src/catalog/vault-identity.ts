/**
 * Which vault a catalog belongs to, kept in a sidecar `<catalog>.vault` (JSON) so the catalog itself
 * stays an mt-aws-glacier journal. Without it a catalog used with vault A and then vault B would
 * call every file of B "unchanged", and a purge of B would record A's archives DELETED.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { CatalogAccessError, CatalogVaultMismatchError } from './errors.js';

export interface VaultIdentity {
  vaultName: string;
  /** '-' (the credentials' account) or 12 digits. */
  accountId: string;
  region?: string;
  /** The endpoint URL, or 'AWS' for Amazon's own. */
  endpoint?: string;
}

export function identityPath(catalogPath: string): string {
  return `${catalogPath}.vault`;
}

function describe(v: VaultIdentity): string {
  const where = [v.accountId !== '-' ? `account ${v.accountId}` : '', v.region ? `region ${v.region}` : '', v.endpoint ? `endpoint ${v.endpoint}` : ''].filter(Boolean);
  return `vault ${v.vaultName}${where.length ? ` (${where.join(', ')})` : ''}`;
}

/** Fields known on both sides must agree ('-' as account matches any account). */
function mismatch(recorded: VaultIdentity, given: VaultIdentity): boolean {
  if (recorded.vaultName !== given.vaultName) return true;
  if (recorded.accountId !== '-' && given.accountId !== '-' && recorded.accountId !== given.accountId) return true;
  if (recorded.region && given.region && recorded.region !== given.region) return true;
  const url = (e: string) => e.replace(/\/+$/, '').toLowerCase();
  return Boolean(recorded.endpoint && given.endpoint && url(recorded.endpoint) !== url(given.endpoint));
}

export async function readVaultIdentity(catalogPath: string): Promise<VaultIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(identityPath(catalogPath), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CatalogAccessError(catalogPath, `Cannot read ${identityPath(catalogPath)} (${(err as NodeJS.ErrnoException).code}): check its permissions.`, { cause: err });
  }
  try {
    const v = JSON.parse(text) as VaultIdentity;
    if (typeof v.vaultName === 'string' && typeof v.accountId === 'string') return v;
  } catch {
    // fall through
  }
  throw new CatalogAccessError(catalogPath, `${identityPath(catalogPath)} is not the vault record this tool writes: remove it (the next sync writes it again).`);
}

/**
 * Refuses a catalog recorded for another vault unless `force`; with `record`, writes the sidecar
 * when there is none yet (a catalog's first sync, or one older than the sidecar).
 */
export async function checkVaultIdentity(catalogPath: string, given: VaultIdentity, o: { force?: boolean; record?: boolean } = {}): Promise<void> {
  const recorded = await readVaultIdentity(catalogPath);
  if (recorded) {
    if (!o.force && mismatch(recorded, given)) throw new CatalogVaultMismatchError(catalogPath, describe(recorded), describe(given));
    return;
  }
  if (!o.record) return;
  const path = identityPath(catalogPath);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(given)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
