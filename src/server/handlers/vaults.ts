// CreateVault, DescribeVault, ListVaults, DeleteVault.
import type { Handler } from '../context.js';
import { invalidParameter, limitExceeded } from '../errors.js';
import { paginate, parseLimit } from '../http-util.js';
import { checkVaultName, getVault } from '../lookups.js';
import { vaultArn, vaultPath, vaultView } from '../views.js';

export const createVault: Handler = async (ctx) => {
  const name = checkVaultName(ctx.route.vaultName);
  const { store, config } = ctx;
  return store.mutex.run('vaults', async () => {
    if (!store.vaults.has(name) && store.vaults.size >= config.maxVaults) {
      throw limitExceeded(`The maximum number of vaults (${config.maxVaults}) has been reached for this account; delete an unused vault first.`);
    }
    await store.createVault(name);
    return { status: 201, headers: { location: vaultPath(name) } };
  });
};

export const describeVault: Handler = async (ctx) => ({ status: 200, json: vaultView(getVault(ctx), ctx.region) });

export const listVaults: Handler = async (ctx) => {
  const limit = parseLimit(ctx.url.searchParams.get('limit'), ctx.config.pageLimit);
  const all = [...ctx.store.vaults.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, marker } = paginate(all, (v) => v.name, ctx.url.searchParams.get('marker'), limit);
  return { status: 200, json: { VaultList: page.map((v) => vaultView(v, ctx.region)), Marker: marker } };
};

export const deleteVault: Handler = async (ctx) => {
  const name = checkVaultName(ctx.route.vaultName);
  const { store } = ctx;
  return store.mutex.run('vaults', async () => {
    const vault = store.getVaultOrThrow(name, vaultArn(ctx.region, name));
    if (vault.archives.size > 0) throw invalidParameter(`Vault not empty or recently written to: ${vaultArn(ctx.region, name)}`);
    await store.deleteVault(name);
    return { status: 204 };
  });
};
