// The route table: method + path shape -> operation, the way @aws-sdk/client-glacier builds requests.
import type { Route } from './context.js';
import type { GlacierOperation } from './types.js';

/**
 * Path shapes after /{accountId}/vaults: '' (ListVaults), ':vault', ':vault/<sub>', ':vault/<sub>/:id',
 * ':vault/jobs/:id/output'. Each shape maps methods onto operations.
 */
const ROUTES: Record<string, Partial<Record<string, GlacierOperation>>> = {
  '': { GET: 'ListVaults' },
  ':vault': { PUT: 'CreateVault', GET: 'DescribeVault', DELETE: 'DeleteVault' },
  ':vault/multipart-uploads': { POST: 'InitiateMultipartUpload', GET: 'ListMultipartUploads' },
  ':vault/multipart-uploads/:id': {
    PUT: 'UploadMultipartPart', GET: 'ListParts', POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload',
  },
  ':vault/archives': { POST: 'UploadArchive' },
  ':vault/archives/:id': { DELETE: 'DeleteArchive' },
  ':vault/jobs': { POST: 'InitiateJob', GET: 'ListJobs' },
  ':vault/jobs/:id': { GET: 'DescribeJob' },
  ':vault/jobs/:id/output': { GET: 'GetJobOutput' },
};

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '\u0000'; // never a valid name, so the handler refuses it
  }
}

/** The operation a request asks for, or undefined when no Glacier operation has that shape. */
export function matchRoute(method: string, rawPath: string): Route | undefined {
  const seg = rawPath.split('/').slice(1).map(decode);
  if (seg.length < 2 || seg[1] !== 'vaults' || seg.length > 6) return undefined;
  const [accountId, , vaultName, sub, id, tail] = seg as [string, string, string?, string?, string?, string?];
  const shape = [
    vaultName !== undefined ? ':vault' : '',
    sub, id !== undefined ? ':id' : undefined, tail,
  ].filter((s) => s !== undefined).join('/');
  const operation = ROUTES[shape]?.[method];
  return operation ? { operation, accountId, vaultName, id } : undefined;
}
