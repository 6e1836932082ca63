// S3's error answers: an XML <Error> with Code, Message, RequestId (and a few context fields), with
// the HTTP status S3 uses for that code. The SDK maps Code onto its typed exceptions (NoSuchKey …).
export class S3HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra elements of the <Error> document (Key, BucketName, UploadId, Region …). */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const noSuchBucket = (bucket: string) => new S3HttpError(404, 'NoSuchBucket',
  `The specified bucket does not exist: ${bucket}. Create it first (CreateBucket) or check the name.`, { BucketName: bucket });
export const noSuchKey = (key: string) => new S3HttpError(404, 'NoSuchKey',
  `The specified key does not exist: ${key}.`, { Key: key });
export const noSuchUpload = (uploadId: string) => new S3HttpError(404, 'NoSuchUpload',
  `The specified multipart upload does not exist: ${uploadId}. The upload ID may be invalid, or the upload may have been aborted or completed.`,
  { UploadId: uploadId });
export const invalidArgument = (message: string, name?: string, value?: string) => new S3HttpError(400, 'InvalidArgument', message,
  name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' });
export const invalidRequest = (message: string) => new S3HttpError(400, 'InvalidRequest', message);
export const badDigest = (message: string) => new S3HttpError(400, 'BadDigest', message);
export const invalidDigest = (message: string) => new S3HttpError(400, 'InvalidDigest', message);
export const malformedXml = (why: string) => new S3HttpError(400, 'MalformedXML',
  `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`);
export const internalError = (message: string) => new S3HttpError(500, 'InternalError', message);
export const notImplemented = (what: string) => new S3HttpError(501, 'NotImplemented',
  `A header or operation you provided implies functionality that is not implemented by the local S3 server: ${what}.`);
