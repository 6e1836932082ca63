// JSON views: how vaults, uploads, parts and jobs look in Glacier's answers, and the inventory output.
import type { ArchiveRecord, JobRecord, UploadRecord, Vault } from './store.js';

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
      InventoryRetrievalParameters: { Format: j.format },
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

/** The vault inventory as Amazon formats it, as of `date`. */
export function inventoryOutput(vault: Vault, date: string, format: 'JSON' | 'CSV'): Buffer {
  const archives = [...vault.archives.values()]
    .sort((a, b) => (a.creationDate + a.archiveId < b.creationDate + b.archiveId ? -1 : 1));
  if (format === 'JSON') {
    return Buffer.from(JSON.stringify({
      VaultARN: vaultArn(vault),
      InventoryDate: date,
      ArchiveList: archives.map((a: ArchiveRecord) => ({
        ArchiveId: a.archiveId,
        ArchiveDescription: a.description ?? '',
        CreationDate: a.creationDate,
        Size: a.size,
        SHA256TreeHash: a.treeHash,
      })),
    }));
  }
  const rows = archives.map((a) => [a.archiveId, csvDescription(a.description ?? ''), a.creationDate, a.size, a.treeHash].join(','));
  return Buffer.from(['ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash', ...rows].join('\n') + '\n');
}

/**
 * The description field as Glacier writes its CSV inventory: in double quotes, a quote inside escaped
 * with a BACKSLASH (\"), backslashes left as they are. Not RFC 4180 (which doubles quotes), so
 * readers must parse it as Glacier writes it.
 */
export function csvDescription(description: string): string {
  return `"${description.replace(/"/g, '\\"')}"`;
}
