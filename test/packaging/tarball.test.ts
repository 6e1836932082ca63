// The package as users get it: `npm pack`, installed with dev dependencies omitted into an empty
// project, must run `glacier-multipart bench` (the chart and the compared hash engines are dev
// dependencies: skipped, and named) and ship no build/*.wat.
//
// No network needed: the project's lockfile is this checkout's package-lock.json without its
// dev-only entries, so `npm ci --prefer-offline` takes every tarball from the npm cache that this
// checkout's own `npm ci` filled (the registry is asked only for what the cache lacks).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface LockEntry {
  version?: string;
  dev?: boolean;
  integrity?: string;
  [k: string]: unknown;
}

/** A lockfile for a project whose only dependency is the packed tarball. */
function projectLock(tarballName: string, tarball: Buffer): object {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const spec = `file:${tarballName}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'installed-project', version: '1.0.0', dependencies: { 'glacier-multipart': spec } },
    'node_modules/glacier-multipart': {
      version: manifest.version as string,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  // The same tree as this checkout's, dev-only packages left out (their paths stay valid: npm
  // hoists the production packages to the same places).
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path !== '' && !entry.dev) packages[path] = entry;
  }
  return { name: 'installed-project', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

describe('the packed tarball, installed without dev dependencies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glacier-multipart-tarball-'));
  const project = join(dir, 'project');
  let tarballName = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    // dist/ is already built (pretest); --ignore-scripts keeps pack from rebuilding it.
    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    tarballName = (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename;
    const tarball = readFileSync(join(dir, tarballName));
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'installed-project', version: '1.0.0', private: true, dependencies: { 'glacier-multipart': `file:../${tarballName}` } }, null, 2));
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(projectLock(`../${tarballName}`, tarball), null, 2));
    await run(npm, ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
  }, 300_000);

  it('ships the compiled WebAssembly but no build/*.wat, and no dev dependency is installed', () => {
    const installed = join(project, 'node_modules', 'glacier-multipart');
    expect(readdirSync(join(installed, 'build')).sort()).toEqual(['scalar.wasm', 'simd.wasm']);
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
    // The embedded module is typed string, not a string-literal type of the whole module.
    const dts = readFileSync(join(installed, 'dist', 'src', 'hash', 'wasm-binaries.d.ts'), 'utf8');
    expect(dts).toMatch(/SIMD_WASM_BASE64: string;/);
    expect(dts.length).toBeLessThan(500);
    for (const dev of ['vega', 'vega-lite', 'hash-wasm', 'vitest', 'typescript']) {
      expect(existsSync(join(project, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('`glacier-multipart bench --quick --only hash` runs, skipping (and naming) what is not installed', async () => {
    const out = join(dir, 'results');
    const bin = join(project, 'node_modules', '.bin', 'glacier-multipart');
    const r = await run(bin, ['bench', '--quick', '--only', 'hash', '--size', '4MiB', '--out', out], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(r.stdout).toMatch(/^\| hash +\| glacier-multipart scalar: tree +\| +[\d.]+ \|/m);
    expect(r.stdout).toMatch(/^\| hash +\| node:crypto: linear +\| +[\d.]+ \|/m);
    // (@aws-crypto/sha256-js and @aws-sdk/sha256-tree-hash come with the AWS SDK: measured.)
    expect(r.stderr).toMatch(/skipped \(not installed; dev dependencies of glacier-multipart\): hash-wasm, @chainsafe\/as-sha256, @noble\/hashes \(no "vs hash-wasm" ratios\)/);
    expect(r.stderr).toContain('chart.svg skipped: vega and vega-lite are not installed');
    const latest = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    expect(latest.errors).toEqual({});
    expect(latest.suites.hash.skipped).toContain('hash-wasm');
    expect(existsSync(join(out, 'chart.svg'))).toBe(false);
  }, 300_000);
});
