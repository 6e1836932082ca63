// The S3 operation table.
import type { S3Handler } from '../context.js';
import type { S3Operation } from '../operations.js';
import { createBucket, deleteBucket, headBucket, listBuckets } from './buckets.js';
import { completeMultipartUpload } from './complete.js';
import { getObjectAttributes, listMultipartUploads, listObjectsV2, listParts } from './listing.js';
import { abortMultipartUpload, createMultipartUpload, uploadPart } from './multipart.js';
import { deleteObject, getObject, headObject, putObject } from './objects.js';

export const S3_HANDLERS: Record<S3Operation, S3Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  PutObject: putObject,
  HeadObject: headObject,
  GetObject: getObject,
  GetObjectAttributes: getObjectAttributes,
  DeleteObject: deleteObject,
  ListObjectsV2: listObjectsV2,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  ListParts: listParts,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListMultipartUploads: listMultipartUploads,
};
