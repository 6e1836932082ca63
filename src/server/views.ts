// JSON views: how vaults, uploads, parts and jobs look in Glacier's answers, and the inventory output.
import type { ArchiveRecord, JobRecord, UploadRecord, Vault } from './store.js';

/** The account every vault belongs to (requests may say '-' or any 12-digit id). */
export const LOCAL_ACCOUNT_ID = '000000000000';

export const vaultArn = (region: string, vault: string): string =>
  `arn:aws:glacier:${region}:${LOCAL_ACCOUNT_ID}:vaults/${vault}`;
export const vaultPath = (vault: string): string => `/${LOCAL_ACCOUNT_ID}/vaults/${vault}`;

export function vaultView(v: Vault, region: string) {
  let size = 0;
  for (const a of v.archives.values()) size += a.size;
  return {
    VaultARN: vaultArn(region, v.name),
    VaultName: v.name,
    CreationDate: v.creationDate,
    // Amazon refreshes these once a day; the local server reports them live.
    NumberOfArchives: v.archives.size,
    SizeInBytes: size,
  };
}

export function uploadView(u: UploadRecord, region: string) {
  return {
    ArchiveDescription: u.description ?? null,
    CreationDate: u.creationDate,
    MultipartUploadId: u.uploadId,
    PartSizeInBytes: u.partSize,
    VaultARN: vaultArn(region, u.vaultName),
  };
}

export function jobView(j: JobRecord, region: string) {
  const done = Date.now() >= j.readyAt;
  const common = {
    JobId: j.jobId,
    JobDescription: j.description ?? null,
    Action: j.action,
    VaultARN: vaultArn(region, j.vaultName),
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

/** The vault inventory as Amazon formats it, taken now (Amazon's is up to a day old). */
export function inventoryOutput(vault: Vault, region: string, format: 'JSON' | 'CSV'): Buffer {
  const archives = [...vault.archives.values()]
    .sort((a, b) => (a.creationDate + a.archiveId < b.creationDate + b.archiveId ? -1 : 1));
  if (format === 'JSON') {
    return Buffer.from(JSON.stringify({
      VaultARN: vaultArn(region, vault.name),
      InventoryDate: new Date().toISOString(),
      ArchiveList: archives.map((a: ArchiveRecord) => ({
        ArchiveId: a.archiveId,
        ArchiveDescription: a.description ?? '',
        CreationDate: a.creationDate,
        Size: a.size,
        SHA256TreeHash: a.treeHash,
      })),
    }));
  }
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const rows = archives.map((a) => [a.archiveId, quote(a.description ?? ''), a.creationDate, a.size, a.treeHash].join(','));
  return Buffer.from(['ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash', ...rows].join('\n') + '\n');
}
