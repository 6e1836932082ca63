// Jobs: InitiateJob (archive and inventory retrieval), DescribeJob, ListJobs and GetJobOutput.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { rangeTreeHash, readArchiveRange } from '../archive-io.js';
import type { Handler, Reply, RequestContext } from '../context.js';
import { GlacierHttpError, invalidParameter, missingParameter, notFound } from '../errors.js';
import { MiB } from '../hash.js';
import { outputRange } from '../headers.js';
import { decodeMarker, encodeMarker, isTreeHashAligned, parseLimit } from '../http-util.js';
import { jobKey } from '../job-index.js';
import { BODY_FAULTS, withBodyFault } from '../job-output-faults.js';
import { getJob, getVault, isJobDone, isJobExpired, jobNotFound } from '../lookups.js';
import { ID_RE, newId, type ArchiveJobRecord, type InventoryJobRecord, type JobRecord, type Vault } from '../store.js';
import { inventoryParameters, inventoryPieces, selectArchives } from '../inventory.js';
import { jobView, vaultPath } from '../views.js';

function jobParameters(body: Buffer | undefined): Record<string, unknown> {
  const raw = body ?? Buffer.alloc(0);
  try {
    const params = raw.length ? JSON.parse(raw.toString('utf8')) as unknown : {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('not an object');
    return params as Record<string, unknown>;
  } catch {
    throw invalidParameter('The job parameters must be a JSON object such as {"Type":"archive-retrieval","ArchiveId":"..."}.');
  }
}

/** RetrievalByteRange: "FIRST-LAST", megabyte aligned (LAST+1 a multiple of 1 MiB or the archive's end). */
function retrievalRange(rangeRaw: unknown, archiveSize: number): { first: number; last: number } {
  if (rangeRaw === undefined) return { first: 0, last: archiveSize - 1 };
  const m = typeof rangeRaw === 'string' ? /^(\d{1,16})-(\d{1,16})$/.exec(rangeRaw) : null;
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!m || last < first || last >= archiveSize || first % MiB !== 0 || ((last + 1) % MiB !== 0 && last !== archiveSize - 1)) {
    throw invalidParameter(
      `Invalid RetrievalByteRange: ${String(rangeRaw)}. It must be "FIRST-LAST" within the archive's ${archiveSize} bytes, FIRST a multiple of 1048576 and LAST+1 a multiple of 1048576 or the archive size.`);
  }
  return { first, last };
}

/** Expedited retrievals in progress, across the account, against the configured capacity. */
function checkExpeditedCapacity(ctx: RequestContext): void {
  const running = ctx.store.expeditedInProgress();
  if (running >= ctx.config.expeditedCapacity) {
    // 400, as botocore sees the real service answer (not the 503 of some pages).
    throw new GlacierHttpError(400, 'InsufficientCapacityException',
      `There is not enough capacity to process this Expedited retrieval (${running} in progress, capacity ${ctx.config.expeditedCapacity}). Retry later, or use the Standard tier.`);
  }
}

type JobCommon = Pick<ArchiveJobRecord, 'jobId' | 'vaultName' | 'creationDate' | 'readyAt' | 'description' | 'snsTopic'>;

async function startInventoryJob(ctx: RequestContext, vault: Vault, params: Record<string, unknown>, common: JobCommon): Promise<string> {
  const format = params['Format'] ?? 'JSON';
  if (format !== 'JSON' && format !== 'CSV') throw invalidParameter(`Invalid Format: ${String(format)}. Use JSON or CSV.`);
  const parameters = inventoryParameters(params['InventoryRetrievalParameters']);
  // The job's output is a fresh inventory, which also becomes what DescribeVault reports.
  const snapshot = await ctx.store.takeInventory(vault);
  const { archives, next } = selectArchives(vault, parameters);
  const job: InventoryJobRecord = {
    ...common, action: 'InventoryRetrieval', format, inventorySize: 0, nextMarker: next,
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
  };
  await ctx.store.saveInventoryJob(vault, job, inventoryPieces(vault, snapshot.date, format, archives));
  return job.jobId;
}

async function startArchiveJob(ctx: RequestContext, vault: Vault, params: Record<string, unknown>, common: JobCommon): Promise<string> {
  const archiveId = params['ArchiveId'];
  if (archiveId === undefined || archiveId === '') throw missingParameter('Job parameter ArchiveId is required for an archive-retrieval job.');
  if (typeof archiveId !== 'string' || !ID_RE.test(archiveId) || !vault.archives.has(archiveId)) {
    throw notFound(`Archive not found for ID: ${String(archiveId)}`);
  }
  const archive = vault.archives.get(archiveId)!;
  const tier = params['Tier'] ?? 'Standard';
  if (tier !== 'Expedited' && tier !== 'Standard' && tier !== 'Bulk') {
    throw invalidParameter(`Invalid Tier: ${String(tier)}. Use Expedited, Standard or Bulk.`);
  }
  const { first, last } = retrievalRange(params['RetrievalByteRange'], archive.size);
  if (tier === 'Expedited') checkExpeditedCapacity(ctx);
  let outputTreeHash: string | null = null;
  if (first === 0 && last === archive.size - 1) outputTreeHash = archive.treeHash;
  else if (isTreeHashAligned(first, last, archive.size)) outputTreeHash = await rangeTreeHash(ctx.store, vault, archive, first, last, ctx.stats);
  const job: ArchiveJobRecord = {
    ...common,
    action: 'ArchiveRetrieval',
    archiveId,
    tier,
    first,
    last,
    archiveSize: archive.size,
    archiveTreeHash: archive.treeHash,
    outputTreeHash,
    readyAt: Date.now() + ctx.config.jobDelays[tier],
  };
  await ctx.store.saveJob(vault, job);
  return job.jobId;
}

export const initiateJob: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const params = jobParameters(ctx.body);
  const type = params['Type'];
  if (type === undefined) throw missingParameter('Job parameter Type is required: "archive-retrieval" or "inventory-retrieval".');
  if (type !== 'archive-retrieval' && type !== 'inventory-retrieval') {
    throw invalidParameter(`Invalid job type: ${String(type)}. The local server runs "archive-retrieval" and "inventory-retrieval" jobs.`);
  }
  const description = params['Description'];
  if (description !== undefined && (typeof description !== 'string' || description.length > 1024 || !/^[\x20-\x7e]*$/.test(description))) {
    throw invalidParameter('Invalid job Description: at most 1024 characters of printable ASCII (0x20-0x7E).');
  }
  const snsTopic = params['SNSTopic'];
  const common: JobCommon = {
    jobId: newId(69),
    vaultName: vault.name,
    creationDate: new Date().toISOString(),
    // Inventory jobs have no tier; they take about as long as a Standard retrieval.
    readyAt: Date.now() + ctx.config.jobDelays.Standard,
    ...(typeof description === 'string' ? { description } : {}),
    ...(typeof snsTopic === 'string' ? { snsTopic } : {}),
  };
  const jobId = type === 'inventory-retrieval'
    ? await startInventoryJob(ctx, vault, params, common)
    : await startArchiveJob(ctx, vault, params, common);
  return { status: 202, headers: { location: `${vaultPath(vault)}/jobs/${jobId}`, 'x-amz-job-id': jobId } };
};

export const describeJob: Handler = async (ctx) => {
  const vault = getVault(ctx);
  return { status: 200, json: jobView(getJob(ctx, vault, ctx.route.id), vault) };
};

export const listJobs: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const q = ctx.url.searchParams;
  // Like Glacier: any positive limit is accepted; a page holds at most 50 jobs.
  const limit = parseLimit(q.get('limit'), Math.min(ctx.config.pageLimit, 50));
  const statuscode = q.get('statuscode');
  if (statuscode !== null && !['InProgress', 'Succeeded', 'Failed'].includes(statuscode)) {
    throw invalidParameter(`Invalid statuscode: ${statuscode}. Use InProgress, Succeeded or Failed.`);
  }
  const completed = q.get('completed');
  if (completed !== null && completed !== 'true' && completed !== 'false') {
    throw invalidParameter(`Invalid completed: ${completed}. Use true or false.`);
  }
  const now = Date.now();
  const markerRaw = q.get('marker');
  const { page, more } = vault.jobs.page(markerRaw === null || markerRaw === '' ? undefined : decodeMarker(markerRaw), limit, (j) =>
    !isJobExpired(ctx, j, now)
    && (statuscode === null || (isJobDone(j, now) ? 'Succeeded' : 'InProgress') === statuscode)
    && (completed === null || String(isJobDone(j, now)) === completed));
  const marker = more ? encodeMarker(jobKey(page[page.length - 1]!)) : null;
  return { status: 200, json: { JobList: page.map((j) => jobView(j, vault)), Marker: marker } };
};

function inventoryReply(ctx: RequestContext, vault: Vault, job: InventoryJobRecord): Reply {
  const { first, last, partial } = outputRange(ctx.req, job.inventorySize);
  const path = ctx.store.inventoryPath(vault, job.jobId);
  return {
    status: partial ? 206 : 200,
    closeConnection: ctx.fault?.kind === 'TruncatedBody',
    headers: {
      'content-type': job.format === 'JSON' ? 'application/json' : 'text/csv',
      'content-length': String(last - first + 1),
      'accept-ranges': 'bytes',
      ...(partial ? { 'content-range': `bytes ${first}-${last}/${job.inventorySize}` } : {}),
    },
    stream: () => faulty(ctx, createReadStream(path, { start: first, end: last }), last - first + 1),
  };
}

/** The body as planned: untouched, or with the GetJobOutput fault of this request. */
function faulty(ctx: RequestContext, source: AsyncIterable<Buffer>, length: number): Readable {
  const fault = ctx.fault;
  if (!fault || !BODY_FAULTS.includes(fault.kind)) return Readable.from(source);
  ctx.stats.bump(`GetJobOutput:${fault.kind}`);
  return Readable.from(withBodyFault(source, length, fault.kind, ctx.delays, fault.delayMs));
}

async function archiveReply(ctx: RequestContext, vault: Vault, job: ArchiveJobRecord): Promise<Reply> {
  const archive = vault.archives.get(job.archiveId);
  if (!archive) throw notFound(`Archive not found for ID: ${job.archiveId} (it was deleted after job ${job.jobId} started).`);
  const outSize = job.last - job.first + 1;
  const { first, last, partial } = outputRange(ctx.req, outSize);
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'content-length': String(last - first + 1),
    'accept-ranges': 'bytes',
  };
  if (archive.description !== undefined) headers['x-amz-archive-description'] = archive.description;
  // Only when both the job's range and the requested one are nodes of the archive's hash tree
  // (checked in archive bytes; an aligned job range starts on a node of at least its own size).
  const from = job.first + first;
  const to = job.first + last;
  if (job.outputTreeHash !== null) {
    if (first === 0 && last === outSize - 1) headers['x-amz-sha256-tree-hash'] = job.outputTreeHash;
    else if (isTreeHashAligned(from, to, archive.size)) {
      headers['x-amz-sha256-tree-hash'] = await rangeTreeHash(ctx.store, vault, archive, from, to, ctx.stats).catch((err: NodeJS.ErrnoException) => {
        // Deleted while this request ran: the same answer as a deleted archive, not an internal error.
        if (err.code === 'ENOENT') throw notFound(`Archive not found for ID: ${job.archiveId} (it was deleted after job ${job.jobId} started).`);
        throw err;
      });
    }
  }
  if (partial) headers['content-range'] = `bytes ${first}-${last}/${outSize}`;
  return {
    status: partial ? 206 : 200,
    headers,
    stream: () => faulty(ctx, readArchiveRange(ctx.store, vault, archive, from, to), last - first + 1),
    closeConnection: ctx.fault?.kind === 'TruncatedBody',
  };
}

export const getJobOutput: Handler = async (ctx) => {
  const vault = getVault(ctx);
  const job = getJob(ctx, vault, ctx.route.id);
  if (ctx.fault?.kind === 'JobOutputExpired') {
    ctx.stats.bump('GetJobOutput:JobOutputExpired');
    throw jobNotFound(job.jobId);
  }
  if (!isJobDone(job)) {
    throw invalidParameter(`The job is not currently available for download: ${job.jobId}. Wait until DescribeJob reports Completed.`);
  }
  return job.action === 'InventoryRetrieval' ? inventoryReply(ctx, vault, job) : archiveReply(ctx, vault, job);
};
