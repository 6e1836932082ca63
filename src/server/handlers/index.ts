// The handler of each of the 16 operations, by name.
import type { Handler } from '../context.js';
import type { GlacierOperation } from '../types.js';
import { deleteArchive, uploadArchive } from './archives.js';
import { describeJob, getJobOutput, initiateJob, listJobs } from './jobs.js';
import {
  abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, listMultipartUploads, listParts, uploadMultipartPart,
} from './uploads.js';
import { createVault, deleteVault, describeVault, listVaults } from './vaults.js';

export const HANDLERS: Record<GlacierOperation, Handler> = {
  CreateVault: createVault,
  DescribeVault: describeVault,
  ListVaults: listVaults,
  DeleteVault: deleteVault,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadMultipartPart: uploadMultipartPart,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  UploadArchive: uploadArchive,
  DeleteArchive: deleteArchive,
  InitiateJob: initiateJob,
  DescribeJob: describeJob,
  ListJobs: listJobs,
  GetJobOutput: getJobOutput,
};
