// The hash pool layer: HashPool (Piscina worker threads) and its typed errors.
export { HashPool } from './pool.js';
export type {
  HashEngine,
  HashPoolOptions,
  HashPartOptions,
  HashFileOptions,
  PartHashResult,
  FilePartHash,
  FileHashResult,
  EngineCalibration,
} from './pool.js';
export {
  InvalidPoolOptionError,
  InvalidHashPartSizeError,
  InvalidPartDataError,
  FileNotFoundError,
  FileIsDirectoryError,
  FileNotReadableError,
  FileChangedError,
  HashAbortedError,
  WorkerCrashedError,
  HashWorkerError,
  WasmEngineUnavailableError,
  PoolDestroyedError,
  PoolQueueFullError,
} from './errors.js';
