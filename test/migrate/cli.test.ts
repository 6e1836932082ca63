// The migrate command in a child process against the local Glacier + S3: --dry-run prints the plan,
// bad flags are usage errors before any request, a run copies everything, --verify re-checks it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, runPasted } from '../cli/helpers.js';
import { credentials, getObject, listKeys, MIXED, setupMigrate, uploadAll, type MigrateEnv, type Uploaded } from './helpers.js';

let env: MigrateEnv;
let uploaded: Uploaded[];
const awsEnv = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1' };

beforeAll(async () => {
  env = await setupMigrate();
  uploaded = await uploadAll(env, MIXED);
}, 60_000);
afterAll(async () => env?.close());

const common = () => ['--vault', env.vaultName, '--endpoint', env.server.endpoint, '--poll-interval', '20', '--chunk-size', '8MiB', '--threads', '1'];

describe('migrate (CLI)', () => {
  it('refuses bad flags before any request (exit 2)', async () => {
    const before = env.server.stats['InitiateJob'] ?? 0;
    const both = await runCli(['migrate', ...common(), '--to', 's3://b/p', '--to-dir', env.dir], { env: awsEnv });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/one destination/);
    const badBucket = await runCli(['migrate', ...common(), '--to', 's3://Bad_Bucket/p', '--dry-run'], { env: awsEnv });
    expect(badBucket.code).toBe(2);
    expect(badBucket.stderr).toMatch(/not an S3 bucket name/);
    const badShard = await runCli(['migrate', ...common(), '--to', `s3://${env.bucket}`, '--shard', '3/3', '--dry-run'], { env: awsEnv });
    expect(badShard.code).toBe(2);
    expect(env.server.stats['InitiateJob'] ?? 0).toBe(before);
  }, 60_000);

  it('--dry-run prints archives, bytes, jobs per day and days; starts no retrieval', async () => {
    const bytes = MIXED.reduce((s, m) => s + m.size, 0);
    const perDay = Math.ceil(bytes / 3);
    const r = await runCli(['migrate', ...common(), '--to', `s3://${env.bucket}/x`, '--dry-run', '--max-bytes-per-day', String(perDay), '--state', join(env.dir, 'dry.jsonl')], { env: awsEnv });
    expect(r.stderr).toMatch(/inventory job \S+ started/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^archives\\t${MIXED.length} `, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^bytes\\t${bytes} `, 'm'));
    expect(r.stdout).toMatch(/^estimated days\t3$/m);
    expect(r.stdout).toMatch(/^jobs per day\t2$/m);
    expect(r.stdout).toMatch(/^duplicate names\t1 /m);
    expect(r.stdout).toMatch(/^order\toldest first /m);
    expect(await listKeys(env.s3, env.bucket)).toEqual([]);
    // The printed way to continue names the inventory job it started; pasted, it starts no other.
    const job = /inventory job (\S+) started/.exec(r.stderr)![1]!;
    const again = /stop any time and continue with: (.*)$/m.exec(r.stderr)?.[1];
    expect(again).toContain(`--inventory-job-id ${job}`);
    const jobs = env.server.stats['InitiateJob'] ?? 0;
    const pasted = await runPasted(again!, { env: awsEnv });
    expect(pasted.code, pasted.stderr).toBe(0);
    expect(pasted.stdout).toMatch(new RegExp(`^archives\\t${MIXED.length} `, 'm'));
    expect(env.server.stats['InitiateJob'] ?? 0).toBe(jobs);
  }, 60_000);

  it('without --yes and no terminal: prints the plan and starts nothing (exit 2)', async () => {
    const r = await runCli(['migrate', ...common(), '--to', `s3://${env.bucket}/x`, '--state', join(env.dir, 'noyes.jsonl')], { env: awsEnv });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect(await listKeys(env.s3, env.bucket)).toEqual([]);
  }, 60_000);

  it('--yes copies every archive; --verify re-checks them; a rerun copies nothing', async () => {
    const args = ['migrate', ...common(), '--to', `s3://${env.bucket}/cli`, '--storage-class', 'GLACIER', '--tier', 'Standard', '--state', join(env.dir, 'cli.jsonl')];
    const r = await runCli([...args, '--yes'], { env: awsEnv });
    expect(r.stderr).not.toMatch(/NodeVersion|Node\.js 20/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^migrated\\t${MIXED.length} archives`, 'm'));
    const keys = await listKeys(env.s3, env.bucket);
    expect(keys.length).toBe(MIXED.length);
    expect((await getObject(env.s3, env.bucket, 'cli/photos/2019/beach.jpg')).equals(uploaded[0]!.data)).toBe(true);
    const v = await runCli([...args, '--verify', '--verify-content'], { env: awsEnv });
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(new RegExp(`verified ${MIXED.length} of ${MIXED.length} archives`));
    const again = await runCli([...args, '--yes'], { env: awsEnv });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^migrated\\t0 archives, 0 B this run; ${MIXED.length} done earlier`, 'm'));
  }, 120_000);
});
