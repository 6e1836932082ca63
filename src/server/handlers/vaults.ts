// CreateVault, DescribeVault, ListVaults, DeleteVault. Vaults belong to (account, region).
import type { Handler, RequestContext } from '../context.js';
import { invalidParameter, limitExceeded } from '../errors.js';
import { decodeMarker, parseLimit } from '../http-util.js';
import { checkVaultName, getVault, refreshInventory } from '../lookups.js';
import { VAULT_NAME_RE } from '../store.js';
import { arnFor, vaultArn, vaultPath, vaultView } from '../views.js';

export const createVault: Handler = async (ctx) => {
  const name = checkVaultName(ctx.route.vaultName);
  const { store, config, accountId, region } = ctx;
  return store.mutex.run('vaults', async () => {
    if (!store.getVault(accountId, region, name) && store.vaultsOf(accountId, region).length >= config.maxVaults) {
      throw limitExceeded(`The maximum number of vaults (${config.maxVaults}) has been reached for this account; delete an unused vault first.`);
    }
    const vault = await store.createVault(accountId, region, name);
    return { status: 201, headers: { location: vaultPath(vault) } };
  });
};

export const describeVault: Handler = async (ctx) => {
  const vault = getVault(ctx);
  await refreshInventory(ctx, vault);
  return { status: 200, json: vaultView(vault) };
};

/** Glacier's own default page of ListVaults (the other lists default to 50). */
const VAULTS_PAGE = 10;

/**
 * ListVaults' marker is, as in Glacier, the ARN of the last vault listed: the next page begins after
 * it. Markers of the earlier opaque form are still taken.
 */
function vaultsAfter(ctx: RequestContext, marker: string | null): string | undefined {
  if (marker === null || marker === '') return undefined;
  const prefix = arnFor(ctx.accountId, ctx.region, '');
  if (!marker.startsWith('arn:')) return decodeMarker(marker);
  const name = marker.slice(prefix.length);
  if (!marker.startsWith(prefix) || !VAULT_NAME_RE.test(name)) {
    throw invalidParameter(`Invalid marker: ${marker}. Pass the Marker of the previous page unchanged (a vault ARN of this account and region, ${prefix}NAME).`);
  }
  return name;
}

export const listVaults: Handler = async (ctx) => {
  const raw = ctx.url.searchParams.get('limit');
  const limit = raw === null || raw === '' ? Math.min(VAULTS_PAGE, ctx.config.pageLimit) : parseLimit(raw, ctx.config.pageLimit);
  const after = vaultsAfter(ctx, ctx.url.searchParams.get('marker'));
  const all = ctx.store.vaultsOf(ctx.accountId, ctx.region).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const start = after === undefined ? 0 : all.findIndex((v) => v.name > after);
  const page = start < 0 ? [] : all.slice(start, start + limit);
  const more = start >= 0 && start + limit < all.length;
  for (const v of page) await refreshInventory(ctx, v);
  return { status: 200, json: { VaultList: page.map((v) => vaultView(v)), Marker: more ? vaultArn(page[page.length - 1]!) : null } };
};

export const deleteVault: Handler = async (ctx) => {
  const name = checkVaultName(ctx.route.vaultName);
  const { store } = ctx;
  return store.mutex.run('vaults', async () => {
    const vault = getVault(ctx);
    // Glacier's rule: empty as of the last inventory, and no archive added or deleted since.
    const emptyAtInventory = (vault.lastInventory?.numberOfArchives ?? 0) === 0 && !vault.writtenSinceInventory;
    if (vault.archives.size > 0 || !emptyAtInventory) throw invalidParameter(`Vault not empty or recently written to: ${arnFor(ctx.accountId, ctx.region, name)}`);
    await store.deleteVault(vault);
    return { status: 204 };
  });
};
