// CreateVault, DescribeVault, ListVaults, DeleteVault. Vaults belong to (account, region).
import type { Handler } from '../context.js';
import { invalidParameter, limitExceeded } from '../errors.js';
import { paginate, parseLimit } from '../http-util.js';
import { checkVaultName, getVault, refreshInventory } from '../lookups.js';
import { arnFor, vaultPath, vaultView } from '../views.js';

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

export const listVaults: Handler = async (ctx) => {
  const limit = parseLimit(ctx.url.searchParams.get('limit'), ctx.config.pageLimit);
  const all = ctx.store.vaultsOf(ctx.accountId, ctx.region).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, marker } = paginate(all, (v) => v.name, ctx.url.searchParams.get('marker'), limit);
  for (const v of page) await refreshInventory(ctx, v);
  return { status: 200, json: { VaultList: page.map((v) => vaultView(v)), Marker: marker } };
};

export const deleteVault: Handler = async (ctx) => {
  const name = checkVaultName(ctx.route.vaultName);
  const { store } = ctx;
  return store.mutex.run('vaults', async () => {
    const vault = getVault(ctx);
    // Stricter than Glacier's rule (empty at the last inventory, nothing written since): empty now.
    if (vault.archives.size > 0) throw invalidParameter(`Vault not empty or recently written to: ${arnFor(ctx.accountId, ctx.region, name)}`);
    await store.deleteVault(vault);
    return { status: 204 };
  });
};
