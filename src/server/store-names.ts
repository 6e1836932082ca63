// Names and ids that reach the store's paths: every one is validated (or derived) here before it
// can become a file name.
import { createHash, randomBytes } from 'node:crypto';

/** ids the server hands out are base64url; anything else is refused before it can reach a path. */
export const ID_RE = /^[A-Za-z0-9_-]{1,200}$/;
export const VAULT_NAME_RE = /^[A-Za-z0-9_.-]{1,255}$/;
export const ACCOUNT_RE = /^\d{12}$/;
/** Region names as AWS writes them (us-east-1, eu-west-1, us-gov-west-1, cn-north-1, …). */
export const REGION_RE = /^[a-z]{2}(-[a-z0-9]+){1,4}$/;
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LEGACY_REGION = 'us-east-1';
export const vaultKey = (accountId: string, region: string, name: string) => `${accountId}/${region}/${name}`;

/**
 * A vault's directory name: "v-" + the name (so "." and ".." stay plain children), or for names too
 * long for a file name (up to 255 characters are legal), "h-" + the SHA-256 of the name.
 */
export function vaultDirName(name: string): string {
  return name.length <= 200 ? `v-${name}` : `h-${createHash('sha256').update(name).digest('hex')}`;
}

export const newId = (bytes: number) => randomBytes(bytes).toString('base64url');

/** The archive's leaf digests file, inside its directory. */
export const ARCHIVE_LEAVES = 'leaves';
