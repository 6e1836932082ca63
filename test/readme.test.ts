// The README's library examples run as written, so they cannot rot.
//
// Convention (also in the README's Development section): every ```ts (or ```js) block under the
// "## Library" heading, up to the next "## " heading, is a complete program. This test
//   1. type-checks all of them with strict TypeScript, importing 'glacier-multipart' as a user
//      would (the package is linked into a scratch project's node_modules, so its "exports" and
//      .d.ts files are what resolve), then
//   2. runs each one on its own, with Node, in an empty temporary directory that holds a 10 MiB
//      `backup.tar`, with AWS_ENDPOINT_URL_GLACIER and test credentials pointing the SDK at a local
//      server (startLocalGlacier, SigV4 checked) where the vault `backups` exists. An example must
//      exit 0.
// Blocks of other languages (```sh, ```text) and blocks outside "## Library" are not run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand } from '@aws-sdk/client-glacier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlacierClient } from '../dist/src/glacier/index.js';
import { startLocalGlacier, type LocalGlacier } from '../dist/src/server/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Example {
  /** e.g. 'Hashing: `sha256`, …' (the ### heading above it). */
  heading: string;
  /** 1-based line of the opening fence in README.md. */
  line: number;
  lang: 'ts' | 'js';
  code: string;
  file: string;
}

/** The runnable blocks: ```ts / ```js fences between "## Library" and the next "## " heading. */
function readmeExamples(): Example[] {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^## Library\s*$/.test(l));
  if (start < 0) throw new Error('README.md has no "## Library" section');
  const examples: Example[] = [];
  let heading = 'Library';
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^## /.test(l)) break;
    if (/^### /.test(l)) heading = l.slice(4).trim();
    const fence = /^```(\w+)?/.exec(l);
    if (!fence) continue;
    const end = lines.findIndex((x, j) => j > i && /^```\s*$/.test(x));
    if (end < 0) throw new Error(`README.md: the code block at line ${i + 1} is not closed`);
    const info = (fence[1] ?? '').toLowerCase();
    const lang = info === 'ts' || info === 'typescript' ? 'ts' : info === 'js' || info === 'javascript' ? 'js' : null;
    if (lang !== null) {
      const n = String(examples.length + 1).padStart(2, '0');
      examples.push({ heading, line: i + 1, lang, code: lines.slice(i + 1, end).join('\n') + '\n', file: `example-${n}.${lang}` });
    }
    i = end;
  }
  return examples;
}

const examples = readmeExamples();

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A hung example fails the test with its output, rather than waiting for vitest's timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The environment of an example: no AWS configuration of this machine, the local server's endpoint. */
function exampleEnv(endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    AWS_ENDPOINT_URL_GLACIER: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

describe('README library examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glacier-multipart-readme-'));
  const project = join(dir, 'project');
  let server: LocalGlacier;
  let compiled: { code: number | null; out: string };

  beforeAll(async () => {
    // A scratch project that depends on glacier-multipart (linked) and sees the SDK and Node's types.
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    mkdirSync(join(project, 'src'));
    symlinkSync(ROOT, join(project, 'node_modules', 'glacier-multipart'), 'dir');
    for (const scope of ['@aws-sdk', '@types']) symlinkSync(join(ROOT, 'node_modules', scope), join(project, 'node_modules', scope), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'],
        strict: true, allowJs: true, skipLibCheck: true, rootDir: 'src', outDir: 'out',
      },
      include: ['src'],
    }));
    for (const ex of examples) writeFileSync(join(project, 'src', ex.file), ex.code);
    compiled = await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, timeoutMs: 240_000 });

    server = await startLocalGlacier({ credentials });
    const client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
    await client.send(new CreateVaultCommand({ accountId: '-', vaultName: 'backups' }));
    client.destroy();
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the examples (every ```ts block under "## Library")', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples.map((e) => e.heading)).toEqual(expect.arrayContaining([expect.stringMatching(/^Uploading/), expect.stringMatching(/^The five Glacier calls/)]));
  });

  it('all of them compile under strict TypeScript', () => {
    // tsc names src/example-NN.ts; the map says which README block that is.
    const where = examples.map((e) => `${e.file} = README.md line ${e.line} (${e.heading})`).join('\n');
    expect(compiled.code, `${compiled.out}\n${where}`).toBe(0);
  });

  for (const ex of examples) {
    it(`runs: README.md line ${ex.line}, ${ex.heading}`, async () => {
      const cwd = mkdtempSync(join(dir, 'run-'));
      writeFileSync(join(cwd, 'backup.tar'), randomBytes(10 * 1024 * 1024 + 5));
      const js = join(project, 'out', ex.file.replace(/\.ts$/, '.js'));
      const r = await exec(process.execPath, [js], { cwd, env: exampleEnv(server.endpoint), timeoutMs: 120_000 });
      expect(r.code, `README.md line ${ex.line} (${ex.heading}) exited ${r.code}:\n${r.out}`).toBe(0);
    }, 180_000);
  }
});
