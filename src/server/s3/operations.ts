// The S3 operations the local server speaks (names as in @aws-sdk/client-s3), and how a path-style
// request maps onto one: /<bucket> for bucket operations, /<bucket>/<key> for objects and uploads.
export type S3Operation = 'ListBuckets' | 'CreateBucket' | 'HeadBucket' | 'DeleteBucket'
  | 'PutObject' | 'HeadObject' | 'GetObject' | 'GetObjectAttributes' | 'DeleteObject' | 'ListObjectsV2'
  | 'CreateMultipartUpload' | 'UploadPart' | 'ListParts' | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload' | 'ListMultipartUploads';

export const S3_OPERATIONS: readonly S3Operation[] = [
  'ListBuckets', 'CreateBucket', 'HeadBucket', 'DeleteBucket',
  'PutObject', 'HeadObject', 'GetObject', 'GetObjectAttributes', 'DeleteObject', 'ListObjectsV2',
  'CreateMultipartUpload', 'UploadPart', 'ListParts', 'CompleteMultipartUpload',
  'AbortMultipartUpload', 'ListMultipartUploads',
];

export interface S3Route {
  operation: S3Operation;
  bucket?: string;
  key?: string;
}

/** Query parameters that select a subresource S3 has but this server does not (refused, not ignored). */
const UNSUPPORTED = ['acl', 'policy', 'cors', 'lifecycle', 'versioning', 'tagging', 'website', 'logging', 'notification',
  'replication', 'encryption', 'restore', 'select', 'torrent', 'legal-hold', 'retention', 'object-lock', 'versions',
  'delete', 'location', 'inventory', 'metrics', 'analytics', 'accelerate', 'requestPayment', 'ownershipControls',
  'publicAccessBlock', 'intelligent-tiering', 'policyStatus', 'uploadPartCopy'];

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The operation a path-style request asks for; a string says why none matches. */
export function matchS3Route(method: string, rawPath: string, query: URLSearchParams): S3Route | string {
  const unsupported = UNSUPPORTED.find((q) => query.has(q));
  if (unsupported) return `the ?${unsupported} subresource`;
  const slash = rawPath.indexOf('/', 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
  const key = decode(rawKey);
  if (bucket === undefined || key === undefined) return 'a path that is not valid percent-encoding';
  if (bucket === '') return method === 'GET' ? { operation: 'ListBuckets' } : `${method} /`;
  if (rawKey === '') {
    const op = ({
      PUT: 'CreateBucket', HEAD: 'HeadBucket', DELETE: 'DeleteBucket',
      GET: query.has('uploads') ? 'ListMultipartUploads' : query.get('list-type') === '2' ? 'ListObjectsV2' : undefined,
    } as Record<string, S3Operation | undefined>)[method];
    return op ? { operation: op, bucket } : `${method} on a bucket${method === 'GET' ? ' without list-type=2 (ListObjects v1; use ListObjectsV2)' : ''}`;
  }
  const uploadId = query.has('uploadId');
  const op = ({
    PUT: uploadId || query.has('partNumber') ? 'UploadPart' : 'PutObject',
    POST: query.has('uploads') ? 'CreateMultipartUpload' : uploadId ? 'CompleteMultipartUpload' : undefined,
    DELETE: uploadId ? 'AbortMultipartUpload' : 'DeleteObject',
    GET: uploadId ? 'ListParts' : query.has('attributes') ? 'GetObjectAttributes' : 'GetObject',
    HEAD: 'HeadObject',
  } as Record<string, S3Operation | undefined>)[method];
  return op ? { operation: op, bucket, key } : `${method} on an object${method === 'POST' ? ' without ?uploads or ?uploadId' : ''}`;
}
