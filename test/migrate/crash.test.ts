// SIGKILL of the migrate CLI at several points (an upload just opened, parts sent, archives done),
// each followed by a rerun: in the end every archive is in the bucket once, byte-identical, no
// multipart upload is left open, and parts S3 already held were not sent again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDescription } from '../../dist/src/index.js';
import { startCli, runCli } from '../cli/helpers.js';
import { credentials, getObject, listKeys, MiB, openUploads, setupMigrate, uploadAll, type MigrateEnv, type Uploaded } from './helpers.js';

let env: MigrateEnv;
let uploaded: Uploaded[];
const awsEnv = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
const SPECS = [
  ...[0, 1, 2].map((i) => ({ description: encodeDescription(`big/${i}.bin`, 1_600_000_000), size: 40 * MiB + i, name: `big/${i}.bin` })),
  ...[0, 1, 2, 3].map((i) => ({ description: encodeDescription(`small/${i}.txt`, 1_600_000_000), size: 5000 + i, name: `small/${i}.txt` })),
];
const PARTS = 3 * 5 + 4;
const CONCURRENCY = 2;

beforeAll(async () => {
  env = await setupMigrate();
  uploaded = await uploadAll(env, SPECS);
}, 120_000);
afterAll(async () => env?.close());

function stateLines(path: string): { t: string }[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => {
      try {
        return JSON.parse(l) as { t: string };
      } catch {
        return { t: 'torn' };
      }
    });
  } catch {
    return [];
  }
}

/** Runs the CLI and SIGKILLs it as soon as `when` holds for the state file. */
async function killWhen(args: string[], state: string, when: (lines: { t: string }[]) => boolean): Promise<boolean> {
  const run = startCli(args, { env: awsEnv });
  run.child.stdin!.end();
  let killed = false;
  const timer = setInterval(() => {
    if (!killed && when(stateLines(state))) {
      killed = true;
      run.child.kill('SIGKILL');
    }
  }, 2);
  const r = await run.done;
  clearInterval(timer);
  return killed && r.signal === 'SIGKILL';
}

describe('migrate after SIGKILL', () => {
  it('reruns finish the migration with no duplicate, no loss, no leftover upload', async () => {
    const state = join(env.dir, 'crash.jsonl');
    const args = ['migrate', '--vault', env.vaultName, '--endpoint', env.server.endpoint, '--to', `s3://${env.bucket}/c`, '--storage-class', 'GLACIER',
      '--tier', 'Standard', '--poll-interval', '20', '--chunk-size', '8MiB', '--concurrency', String(CONCURRENCY), '--threads', '1', '--state', state, '--yes'];
    // Slow parts so the kills land mid-copy.
    env.server.setFaults([{ operation: 's3:UploadPart', kind: 'Slow', delayMs: 60 }]);
    const count = (t: string) => (lines: { t: string }[]) => lines.filter((l) => l.t === t).length;
    let kills = 0;
    if (await killWhen(args, state, (l) => count('copying')(l) >= 1)) kills++;
    if (await killWhen(args, state, (l) => count('part')(l) >= 4)) kills++;
    if (await killWhen(args, state, (l) => count('done')(l) >= 3)) kills++;
    if (await killWhen(args, state, (l) => count('part')(l) >= 11)) kills++;
    expect(kills).toBeGreaterThanOrEqual(3);
    env.server.setFaults([]);
    const r = await runCli(args, { env: awsEnv });
    expect(r.code, r.stderr).toBe(0);
    const keys = await listKeys(env.s3, env.bucket);
    expect(keys).toEqual(uploaded.map((u) => `c/${u.name}`).sort());
    for (const u of uploaded) expect((await getObject(env.s3, env.bucket, `c/${u.name}`)).equals(u.data)).toBe(true);
    expect(await openUploads(env.s3, env.bucket)).toBe(0);
    // Parts in flight at a kill may be sent again; none that S3 held and the state recorded.
    const sent = (env.server.stats['s3:UploadPart'] ?? 0) + (env.server.stats['s3:PutObject'] ?? 0);
    expect(sent).toBeLessThanOrEqual(PARTS + kills * CONCURRENCY);
    const done = stateLines(state).filter((l) => l.t === 'done').length;
    expect(done).toBe(SPECS.length);
  }, 240_000);
});
