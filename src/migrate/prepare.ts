/** What migrateVault and verifyMigration share: the destination's name, the names, the source, the plan. */
import { resolve as resolvePath } from 'node:path';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { Catalog } from '../catalog/catalog.js';
import { pathFilter } from '../catalog/globs.js';
import type { Shard } from '../catalog/shards.js';
import { normalizePrefix, readNameCsv, type NameOverride } from './naming.js';
import { isS3, type MigrateVaultOptions } from './options.js';
import { planMigration, type ArchiveSource, type Plan } from './plan.js';
import { catalogSource, inputSource, inventoryJobSource } from './source.js';

export interface Prepared {
  plan: Plan;
  prefix: string;
  destination: string;
  close(): Promise<void>;
}

export async function preparePlan(o: MigrateVaultOptions, shard: Shard | undefined, client: GlacierClient, statePath: string,
  signal: AbortSignal, note: (n: string) => void): Promise<Prepared> {
  const dest = o.destination;
  const prefix = isS3(dest) ? normalizePrefix(dest.prefix) : '';
  const destination = isS3(dest) ? `s3://${dest.bucket}/${prefix}` : resolvePath(dest.dir);
  const filter = o.include?.length || o.exclude?.length ? pathFilter(o.include, o.exclude) : undefined;
  let override: NameOverride | undefined;
  let namesCatalog: Catalog | undefined;
  if (o.naming && typeof o.naming === 'object' && 'csv' in o.naming) {
    const names = await readNameCsv(o.naming.csv);
    override = (id) => names.get(id);
  } else if (o.naming && typeof o.naming === 'object' && 'catalog' in o.naming) {
    namesCatalog = await Catalog.open(o.naming.catalog, { create: false });
    override = (id) => namesCatalog!.archive(id)?.path;
  }
  try {
    let source: ArchiveSource;
    if (o.inventory !== undefined) source = inputSource(o.inventory);
    else if (o.catalog !== undefined) source = catalogSource(o.catalog);
    else source = await inventoryJobSource({ client, vaultName: o.vaultName, accountId: o.accountId ?? '-', jobId: o.inventoryJobId, statePath, signal, pollInterval: o.wait?.pollInterval, onNote: note, onInventoryJob: o.onInventoryJob });
    const plan = await planMigration({ source, prefix, override, filter, shard, maxBytesPerDay: o.budget?.maxBytesPerDay, sortPrefix: `${statePath}.order` });
    return { plan, prefix, destination, close: async () => { await namesCatalog?.close(); } };
  } catch (err) {
    await namesCatalog?.close();
    throw err;
  }
}
