import { describe, expect, it } from 'vitest';
import { symlink } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MAIN, SELF, cleanEnv, runCli, tempDir, type CliResult } from './helpers.js';

/** Runs the CLI through `bin` (e.g. a symlink named glacier-multipart, as npm installs it). */
function runVia(bin: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  // This suite itself runs under npx (npm_command=exec): each case says whether npm started the CLI.
  const clean = cleanEnv(env);
  if (env.npm_command === undefined) delete clean.npm_command;
  const child = spawn(bin, args, { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// `resume` without what it needs prints a next step naming the CLI: how it names itself is the point.
const NEEDS = ['resume', '--endpoint', 'http://127.0.0.1:9'];

describe('printed commands name the CLI the way it was started', () => {
  it('node …/main.js: the same node and absolute path', async () => {
    const r = await runCli(NEEDS);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`see: ${SELF} uploads --vault <name>)`);
    expect(r.stderr).toContain(`(run '${SELF} resume --help' for usage)`);
  });

  it('glacier-multipart found on PATH (an installed bin): the bare name', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const bin = join(dir, 'glacier-multipart');
      await symlink(MAIN, bin);
      const r = await runVia(bin, NEEDS, { PATH: `${dir}:${process.env.PATH}` });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('; see: glacier-multipart uploads --vault <name>)');
    } finally {
      await cleanup();
    }
  });

  it('started by npx (npm_command=exec, its bin not on the PATH of a later shell): npx glacier-multipart', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const bin = join(dir, 'glacier-multipart');
      await symlink(MAIN, bin);
      const r = await runVia(bin, NEEDS, { npm_command: 'exec', PATH: `${dir}:${process.env.PATH}` });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('; see: npx glacier-multipart uploads --vault <name>)');
    } finally {
      await cleanup();
    }
  });

  it('a bin that is not on PATH: node and its absolute path', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const bin = join(dir, 'glacier-multipart');
      await symlink(MAIN, bin);
      const r = await runVia(bin, NEEDS, { PATH: process.env.PATH!.split(':').filter((d) => !d.includes('node_modules')).join(':') });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`; see: node ${bin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} uploads --vault <name>\\)`));
    } finally {
      await cleanup();
    }
  });
});
