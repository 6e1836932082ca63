// JSON views: how vaults, uploads, parts and jobs look in Glacier's answers, and the inventory output.
import type { JobRecord, UploadRecord, Vault } from './store.js';

export { LOCAL_ACCOUNT_ID } from './store.js';

export const arnFor = (accountId: string, region: string, name: string): string =>
  `arn:aws:glacier:${region}:${accountId}:vaults/${name}`;
export const vaultArn = (v: Vault): string => arnFor(v.accountId, v.region, v.name);
export const vaultPath = (v: Vault): string => `/${v.accountId}/vaults/${v.name}`;

export function vaultView(v: Vault) {
  return {
    VaultARN: vaultArn(v),
    VaultName: v.name,
    CreationDate: v.creationDate,
    // As Glacier: the counts of the vault's last inventory (see inventoryIntervalMs), not live ones.
    LastInventoryDate: v.lastInventory?.date ?? null,
    NumberOfArchives: v.lastInventory?.numberOfArchives ?? 0,
    SizeInBytes: v.lastInventory?.sizeInBytes ?? 0,
  };
}

export function uploadView(u: UploadRecord, vault: Vault) {
  return {
    ArchiveDescription: u.description ?? null,
    CreationDate: u.creationDate,
    MultipartUploadId: u.uploadId,
    PartSizeInBytes: u.partSize,
    VaultARN: vaultArn(vault),
  };
}

export function jobView(j: JobRecord, vault: Vault) {
  const done = Date.now() >= j.readyAt;
  const common = {
    JobId: j.jobId,
    JobDescription: j.description ?? null,
    Action: j.action,
    VaultARN: vaultArn(vault),
    CreationDate: j.creationDate,
    Completed: done,
    StatusCode: done ? 'Succeeded' : 'InProgress',
    StatusMessage: done ? 'Succeeded' : null,
    SNSTopic: j.snsTopic ?? null,
    CompletionDate: done ? new Date(j.readyAt).toISOString() : null,
  };
  if (j.action === 'InventoryRetrieval') {
    return {
      ...common,
      SHA256TreeHash: null,
      InventorySizeInBytes: done ? j.inventorySize : null,
      InventoryRetrievalParameters: {
        Format: j.format,
        StartDate: j.parameters?.startDate ?? null,
        EndDate: j.parameters?.endDate ?? null,
        Limit: j.parameters?.limit !== undefined ? String(j.parameters.limit) : null,
        // Where the next inventory job continues (null: this one listed everything left).
        Marker: j.nextMarker ?? null,
      },
    };
  }
  return {
    ...common,
    ArchiveId: j.archiveId,
    ArchiveSizeInBytes: j.archiveSize,
    // Like Glacier: null until the job is done, and for a range that is not tree-hash aligned.
    SHA256TreeHash: done ? j.outputTreeHash : null,
    ArchiveSHA256TreeHash: j.archiveTreeHash,
    RetrievalByteRange: `${j.first}-${j.last}`,
    Tier: j.tier,
  };
}
