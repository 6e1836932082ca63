import { describe, expect, it } from 'vitest';
import { parseSize, formatSize } from '../../dist/src/cli/size.js';
import { InvalidSizeError, CliUsageError } from '../../dist/src/cli/errors.js';
import { GlacierMultipartError } from 'glacier-multipart';
import { randomFile, runCli, tempDir } from './helpers.js';

describe('size parser', () => {
  it('accepts bytes and binary units', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('8MiB')).toBe(8 * 1024 * 1024);
    expect(parseSize('8mb')).toBe(8 * 1024 * 1024);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize(' 3 MiB ')).toBe(3 * 1024 * 1024);
    expect(parseSize('0')).toBe(0);
  });

  it('rejects malformed sizes with a typed error naming the fix', () => {
    for (const bad of ['', 'abc', '8XB', '-1', '1.5', '0.1KiB', '1e3', '99999999TiB']) {
      let err: unknown;
      try {
        parseSize(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(InvalidSizeError);
      expect(err).toBeInstanceOf(CliUsageError);
      expect(err).toBeInstanceOf(GlacierMultipartError);
      expect((err as InvalidSizeError).code).toBe('INVALID_SIZE');
      expect((err as Error).message).toContain(`"${bad}"`);
      expect((err as Error).message).toMatch(/e\.g\. 8MiB/);
    }
  });

  it('formats sizes for people', () => {
    expect(formatSize(1)).toBe('1 byte');
    expect(formatSize(1023)).toBe('1023 bytes');
    expect(formatSize(256 * 1024 * 1024)).toBe('256 MiB');
    expect(formatSize(3.5 * 1024 * 1024)).toBe('3.50 MiB');
  });
});

describe('command line usage (child processes)', () => {
  it('--help and --version exit 0; the SDK Node 20 warning never shows', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['hash', 'upload', 'resume', 'uploads', 'parts', 'abort', 'vault', 'serve', 'demo', 'bench']) {
      expect(help.stdout).toContain(cmd);
    }
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const sub = await runCli(['upload', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--part-size');
    expect(sub.stdout).toContain('--journal');
    expect(`${help.stderr}${sub.stderr}`).not.toMatch(/NodeVersion|support.*Node\.js|deprecat/i);
  });

  const cases: { args: string[]; expect: RegExp }[] = [
    { args: [], expect: /Usage: glacier-multipart/ },
    { args: ['bogus'], expect: /unknown command 'bogus'/ },
    { args: ['hash'], expect: /missing required argument 'file'[\s\S]*usage: glacier-multipart hash/ },
    { args: ['upload', 'f.bin'], expect: /required option '--vault <name>' not specified/ },
    { args: ['upload', 'f.bin', '--vault', 'v', '--part-size', '8XB'], expect: /Invalid size "8XB": unknown unit "XB"[\s\S]*e\.g\. 8MiB/ },
    { args: ['upload', 'f.bin', '--vault', 'v', '--part-size', '3MiB', '--endpoint', 'http://127.0.0.1:9'], expect: /--part-size: Invalid part size 3145728.*1 MiB x 2\^n/ },
    { args: ['upload', 'f.bin', '--vault', 'v', '--concurrency', '0'], expect: /--concurrency must be an integer from 1 to 1000/ },
    { args: ['upload', 'f.bin', '--vault', 'v', '--concurrency', '100000'], expect: /--concurrency must be an integer from 1 to 1000 \(parts in flight\)/ },
    { args: ['upload', 'f.bin', '--vault', 'v', '--threads', '1025'], expect: /--threads must be an integer from 1 to 1024 \(hashing threads\)/ },
    { args: ['hash', 'f.bin', '--threads', '1025'], expect: /--threads must be an integer from 1 to 1024/ },
    { args: ['upload', 'f.bin', '--vault', 'v', '--account-id', '123'], expect: /--account-id must be '-' \(the credentials' account\) or a 12-digit AWS account id/ },
    { args: ['abort', '--vault', 'v', '--upload-id', 'x', '--account-id', '123'], expect: /--account-id must be '-'/ },
    { args: ['hash', 'nosuch.bin'], expect: /nosuch\.bin: no such file; check the path\./ },
    { args: ['upload', 'f.bin', '--vault', 'bad name!', '--endpoint', 'http://127.0.0.1:9'], expect: /Invalid vault name "bad name!": use 1 to 255 characters/ },
    { args: ['hash', 'x', '--engine', 'gpu'], expect: /argument 'gpu' is invalid. Allowed choices are auto, wasm, node/ },
    { args: ['hash', 'x', '--part-size', '3MiB'], expect: /--part-size: Invalid part size/ },
    { args: ['resume', '--endpoint', 'http://127.0.0.1:9'], expect: /resume needs either --journal <file>, or <file> --vault <name> --upload-id <id>/ },
    { args: ['vault', 'create', 'v', '--endpoint', 'not a url'], expect: /--endpoint "not a url" is not a URL: write it as http:\/\/127\.0\.0\.1:3000/ },
    { args: ['serve', '--port', '70000'], expect: /--port must be an integer from 0 to 65535/ },
    { args: ['serve', '--access-key-id', 'AK'], expect: /--access-key-id and --secret-access-key go together/ },
    { args: ['demo', '--size', '0'], expect: /--size must be at least 1 byte/ },
  ];
  for (const c of cases) {
    it(`exit 2 with a message naming the fix: ${c.args.join(' ') || '(no arguments)'}`, async () => {
      const r = await runCli(c.args);
      expect(r.stderr).toMatch(c.expect);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }

  it('a file that does not exist is a usage error before any request', async () => {
    // Port 9 (discard) is never served here: reaching the network would fail differently.
    const r = await runCli(['upload', '/nonexistent/file.bin', '--vault', 'v', '--endpoint', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/file.bin: no such file; check the path.');
  });

  it('no region for a real AWS endpoint: one line that says how to set it', async () => {
    const r = await runCli(['vault', 'describe', 'v']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No AWS region configured: pass --region .* or set AWS_REGION/);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('no AWS credentials for a real AWS endpoint: one line naming the ways to configure them, no journal left', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { path } = await randomFile(dir, 'f.bin', 1024);
      const r = await runCli(['upload', path, '--vault', 'v', '--region', 'eu-west-1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^glacier-multipart: Could not load credentials from any providers — configure AWS credentials \(aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY\)/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(dir)).toEqual(['f.bin']);
    } finally {
      await cleanup();
    }
  });
});
