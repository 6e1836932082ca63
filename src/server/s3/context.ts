// What every S3 handler is given, and what it answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ServerContext } from '../context.js';
import type { FiredFault } from '../faults.js';
import type { S3Auth } from './auth.js';
import type { S3Route } from './operations.js';
import type { S3Store } from './store.js';

export interface S3RequestContext {
  server: ServerContext;
  s3: S3Store;
  req: IncomingMessage;
  res: ServerResponse;
  route: S3Route;
  url: URL;
  auth: S3Auth;
  fault: FiredFault | undefined;
}

export interface S3Reply {
  status: number;
  /** undefined values are left out. */
  headers?: Record<string, string | number | undefined>;
  /** An XML document (see xml.ts). */
  xml?: string;
  /** GetObject's body, produced when the answer is sent. */
  stream?: () => Readable;
  closeConnection?: boolean;
}

export type S3Handler = (ctx: S3RequestContext) => Promise<S3Reply>;
