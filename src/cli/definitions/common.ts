/** Flags several commands share, defined once. */
import { LIMITS } from '../../options.js';
import { accountIdArg, durationArg, intArg, partSizeArg } from '../flags.js';
import { PROGRESS_MODES, type ProgressMode } from '../progress.js';
import { bool, parsed, str, withDefault, type Flag, type FlagValues } from '../define.js';

export const ENGINES = ['auto', 'wasm', 'node'] as const;
export type EngineChoice = (typeof ENGINES)[number];

/** --endpoint, --region, --account-id, --max-attempts, --request-timeout: how to reach Glacier (real AWS or a local server). */
export const CONNECTION = {
  endpoint: str('--endpoint <url>', 'Glacier endpoint, e.g. a local server http://127.0.0.1:3000 (default: AWS_ENDPOINT_URL_GLACIER, else real AWS)'),
  region: str('--region <region>', 'AWS region (default: the SDK chain: AWS_REGION, ~/.aws/config)'),
  accountId: withDefault(parsed('--account-id <id>', "AWS account id owning the vault ('-' means the credentials' account)", accountIdArg), '-'),
  maxAttempts: parsed('--max-attempts <n>', `attempts per request before giving up, at most ${LIMITS.maxAttempts.max} (default ${LIMITS.maxAttempts.default})`, intArg('maxAttempts')),
  requestTimeout: parsed('--request-timeout <duration>', 'retry a request after this long with no byte moving: seconds, or 500ms, 30s, 2m (default 120s, at most 1 hour)', durationArg('requestTimeout')),
  endpointCheck: bool('--no-endpoint-check', "accept answers that do not look like Glacier's (no x-amzn-RequestId, no Glacier error body), as the SDK alone would"),
} as const;
export type ConnectionFlags = Partial<FlagValues<typeof CONNECTION>>;

export const engine = () => withDefault<EngineChoice>(
  { flags: '--engine <engine>', description: 'hash engine: wasm (WebAssembly SIMD), node (node:crypto) or auto (measure and pick)', choices: ENGINES } as Flag<EngineChoice, false>,
  'auto');
export const threads = (fallback = 'all cores') => parsed('--threads <n>', `hash worker threads, at most ${LIMITS.threads.max} (default: ${fallback})`, intArg('threads'));
export const concurrency = () => parsed('--concurrency <n>', `parts in flight at once, at most ${LIMITS.uploadConcurrency.max}`, intArg('uploadConcurrency'));
export const progress = () => withDefault<ProgressMode>(
  { flags: '--progress <mode>', description: 'progress on stderr: a bar on a terminal, plain lines elsewhere', choices: PROGRESS_MODES } as Flag<ProgressMode, false>,
  'auto');
export const json = (description: string) => bool('--json', description);
export const partSize = (description: string) => withDefault(parsed('--part-size <size>', description, partSizeArg), 'auto' as number | 'auto');
// Uploads leave one core to the main thread, which sends the requests (and encrypts TLS).
export const UPLOAD_THREADS = 'one per core but one, at least one';
