import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalGlacier } from 'glacier-multipart';
import { SELF, lit, oracleTreeHash, randomFile, runCli, runPasted, startCli, tempDir, waitFor } from './helpers.js';

const MiB = 1024 * 1024;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function journalParts(path: string): Promise<number> {
  try {
    return (await readFile(path, 'utf8')).split('\n').slice(1).filter((l) => l.startsWith('{')).length;
  } catch {
    return 0;
  }
}

/** The command a message prints after `label` (to the end of the line). */
function printed(text: string, label: string): string {
  const m = new RegExp(`${lit(label)} (.+)$`, 'm').exec(text);
  if (!m) throw new Error(`no "${label}" in:\n${text}`);
  return m[1]!.trim();
}

describe('every printed next step works when pasted (child processes against the local server)', () => {
  let server: Awaited<ReturnType<typeof startLocalGlacier>>;
  let dir: string;
  let cleanup: () => Promise<void>;
  let ep: string[];
  beforeAll(async () => {
    server = await startLocalGlacier({});
    ({ dir, cleanup } = await tempDir());
    ep = ['--endpoint', server.endpoint];
    expect((await runCli(['vault', 'create', 'next', ...ep])).code).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });
  beforeEach(() => {
    server.setFaults([]);
    server.resetStats();
  });
  const slowParts = (delayMs = 150) => server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs }]);

  /** Starts an upload, interrupts it with Ctrl-C once `parts` parts are journaled (or sent). */
  async function interrupted(args: string[], opts: { journal?: string; parts?: number; input?: Buffer } = {}) {
    slowParts();
    const run = startCli(args);
    if (opts.input) run.child.stdin!.end(opts.input);
    else run.child.stdin!.end();
    const want = opts.parts ?? 2;
    await waitFor(async () => (opts.journal ? (await journalParts(opts.journal)) >= want : (server.stats.UploadMultipartPart ?? 0) >= want) || undefined);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    server.setFaults([]);
    return r;
  }

  it('Ctrl-C prints a resume command that runs as pasted in a clean shell: the CLI as started, with --endpoint and --region', async () => {
    const { path, data } = await randomFile(dir, 'pasted.bin', 6 * MiB);
    const journal = `${path}.glacier-journal.json`;
    const r = await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', '--region', 'us-east-1', ...ep], { journal });
    const line = printed(r.stderr, 'is left open and resumable; resume with:');
    expect(line).toBe(`${SELF} resume --journal ${journal} --endpoint ${server.endpoint} --region us-east-1`);
    // The upload-id note at the start says the same.
    expect(r.stderr).toContain(`if interrupted, resume with: ${line}`);
    const resumed = await runPasted(`${line} --json`);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ checksum: oracleTreeHash(data), archiveSize: data.length });
  });

  it('resume --journal alone reconnects the way the upload did (the journal records endpoint and region); explicit options win', async () => {
    const { path, data } = await randomFile(dir, 'reconnect.bin', 5 * MiB);
    const journal = `${path}.glacier-journal.json`;
    await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep], { journal });
    const header = JSON.parse((await readFile(journal, 'utf8')).split('\n')[0]!);
    expect(header.connection).toEqual({ endpoint: server.endpoint, region: 'us-east-1' });
    // An explicit --endpoint wins over the journal's: here a port nobody serves.
    const wrong = await runCli(['resume', '--journal', journal, '--endpoint', 'http://127.0.0.1:9']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('127.0.0.1:9');
    const r = await runCli(['resume', '--journal', journal, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).checksum).toBe(oracleTreeHash(data));
  });

  it("stdin: Ctrl-C prints '… | resume - --vault V --upload-id ID'; piping the same bytes finishes it, sending only the missing parts", async () => {
    const { path, data } = await randomFile(dir, 'stream.bin', 6 * MiB);
    const r = await interrupted(['upload', '-', '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep], { input: data, parts: 3 });
    const line = printed(r.stderr, 'pipe the same bytes in again: … |');
    expect(line).toMatch(new RegExp(`^${lit(SELF)} resume - --vault next --upload-id \\S+ --endpoint ${lit(server.endpoint)} --region us-east-1$`));
    const uploadId = /--upload-id (\S+)/.exec(line)![1]!;
    const held = JSON.parse((await runCli(['parts', '--vault', 'next', '--upload-id', uploadId, '--json', ...ep])).stdout).partCount as number;
    expect(held).toBeGreaterThanOrEqual(2);
    server.resetStats();
    const resumed = await runPasted(`cat ${path} | ${line} --json`);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out).toMatchObject({ uploadId, checksum: oracleTreeHash(data), archiveSize: data.length, skippedParts: held, uploadedParts: 6 - held });
    expect(server.stats.UploadMultipartPart).toBe(6 - held);
    // Figures: bytes sent and skipped apart, the rate over bytes sent.
    expect(out.bytesSkipped).toBe(held * MiB);
    expect(out.bytesSent).toBe(data.length - held * MiB);
    expect(out.mibPerSecond).toBeCloseTo(out.bytesSent / MiB / out.seconds, 0);
  });

  it('an aborted upload: the journal run names a wrong endpoint, region or account first, then one exact command; --restart works as pasted', async () => {
    const { path, data } = await randomFile(dir, 'gone.bin', 4 * MiB);
    const journal = `${path}.glacier-journal.json`;
    const r = await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', '--description', 'gone', ...ep], { journal });
    const uploadId = /upload (\S+) is left open/.exec(r.stderr)![1]!;
    expect((await runCli(['abort', '--vault', 'next', '--upload-id', uploadId, ...ep])).code).toBe(0);
    // Aborting it again is not an error (like aws glacier abort-multipart-upload).
    const again = await runCli(['abort', '--vault', 'next', '--upload-id', uploadId, ...ep]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`upload ${uploadId} is not open in vault next (already aborted, completed or expired): nothing to abort`);

    const failed = await runCli(['upload', path, '--vault', 'next', ...ep]);
    expect(failed.code, `signal ${failed.signal}: ${failed.stderr}`).toBe(1);
    const message = failed.stderr.trim().split('\n').filter((l) => l.startsWith('glacier-multipart:'));
    expect(message).toHaveLength(1);
    expect(message[0]).toMatch(/was not found in vault next .*wrong endpoint, region or account.*cannot be resumed: start over with: /);
    expect(message[0]!.indexOf('wrong endpoint, region or account')).toBeLessThan(message[0]!.indexOf('start over'));
    expect(message[0]).not.toMatch(/resume with|delete the journal/);
    const line = printed(failed.stderr, 'start over with:');
    expect(line).toBe(`${SELF} upload ${path} --vault next --description gone --restart --endpoint ${server.endpoint} --region us-east-1`);
    const restarted = await runPasted(`${line} --json`);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).toContain(`--restart: upload ${uploadId} was already gone`);
    expect(JSON.parse(restarted.stdout).checksum).toBe(oracleTreeHash(data));
    expect(await exists(journal)).toBe(false);
  });

  it('--restart aborts the upload a journal records when it is still open, then starts over', async () => {
    const { path, data } = await randomFile(dir, 'restart.bin', 4 * MiB);
    const journal = `${path}.glacier-journal.json`;
    const r = await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep], { journal });
    const uploadId = /upload (\S+) is left open/.exec(r.stderr)![1]!;
    const restarted = await runCli(['upload', path, '--vault', 'next', '--restart', '--json', ...ep]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).toContain(`--restart: aborted multipart upload ${uploadId}`);
    const out = JSON.parse(restarted.stdout);
    expect(out.uploadId).not.toBe(uploadId);
    expect(out.checksum).toBe(oracleTreeHash(data));
    const uploads = JSON.parse((await runCli(['uploads', '--vault', 'next', '--json', ...ep])).stdout);
    expect(uploads.map((u: { uploadId: string }) => u.uploadId)).not.toContain(uploadId);
  });

  it('a journal differing in --description or --part-size is refused the same way (exit 2, in the CLI\'s words)', async () => {
    const { path } = await randomFile(dir, 'described.bin', 4 * MiB);
    const journal = `${path}.glacier-journal.json`;
    await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', '--description', 'first', ...ep], { journal });
    server.resetStats();
    const description = await runCli(['upload', path, '--vault', 'next', '--description', 'second', ...ep]);
    expect(description.code).toBe(2);
    expect(description.stderr).toMatch(/records --description "first" for upload \S+, not "second": drop --description to resume it.*or start over with --restart/);
    const partSize = await runCli(['upload', path, '--vault', 'next', '--part-size', '2MiB', ...ep]);
    expect(partSize.code).toBe(2);
    expect(partSize.stderr).toMatch(/records --part-size 1MiB for upload \S+, not 2MiB: drop --part-size to resume it/);
    expect(`${description.stderr}${partSize.stderr}`).not.toMatch(/partSize|uploadId|leavePartsOnError/);
    expect(server.stats.UploadMultipartPart ?? 0).toBe(0);
  });

  it('an unreadable journal: one exact command that starts over (never "delete the journal" with "resume with")', async () => {
    const { path, data } = await randomFile(dir, 'damaged.bin', 2 * MiB);
    const journal = `${path}.glacier-journal.json`;
    await writeFile(journal, 'not a journal\n');
    const r = await runCli(['upload', path, '--vault', 'next', ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${journal} is not a glacier-multipart journal (its first line is not JSON): it cannot be used.`);
    expect(r.stderr).not.toMatch(/resume with|delete/i);
    const line = printed(r.stderr, 'Start over with:');
    expect(line).toBe(`${SELF} upload ${path} --vault next --restart --endpoint ${server.endpoint}`);
    const again = await runPasted(`${line} --json`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`--restart: deleted the unreadable journal ${journal}`);
    expect(JSON.parse(again.stdout).checksum).toBe(oracleTreeHash(data));
  });

  it('a file whose size changed since the interrupted run: says so, one command starts over (it aborts the stale upload)', async () => {
    const { path } = await randomFile(dir, 'grown.bin', 3 * MiB);
    const journal = `${path}.glacier-journal.json`;
    const r0 = await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep], { journal, parts: 1 });
    const uploadId = /upload (\S+) is left open/.exec(r0.stderr)![1]!;
    await appendFile(path, 'grown');
    const r = await runCli(['upload', path, '--vault', 'next', ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${lit(path)} changed since upload ${lit(uploadId)} started .*its parts are stale`));
    expect(r.stderr).not.toMatch(/resume with|delete the journal/);
    const line = printed(r.stderr, 'deletes the journal) with:');
    const again = await runPasted(`${line} --json`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`--restart: aborted multipart upload ${uploadId}`);
    expect(JSON.parse(again.stdout).archiveSize).toBe(3 * MiB + 5);
  });

  it('a journal of another file says so', async () => {
    const { path } = await randomFile(dir, 'one.bin', 3 * MiB);
    const { path: other } = await randomFile(dir, 'other.bin', 3 * MiB);
    const journal = `${path}.glacier-journal.json`;
    await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep], { journal, parts: 1 });
    const r = await runCli(['upload', other, '--vault', 'next', '--journal', journal, ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The journal ${journal} belongs to another file: it was written for ${path}, not ${other}.`);
    // Nothing to abort or resume here: that upload still belongs to (and resumes with) the other file.
    expect(r.stderr).not.toMatch(/changed while|abort it with|resume with/);
  });

  it('a file that changes during the upload: says so and prints the abort command (which works), never "resume with"', async () => {
    const { path } = await randomFile(dir, 'changing.bin', 6 * MiB);
    const journal = `${path}.glacier-journal.json`;
    slowParts();
    const run = startCli(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep]);
    run.child.stdin!.end();
    await waitFor(async () => (await journalParts(journal)) >= 1 || undefined);
    await appendFile(path, 'more');
    const r = await run.done;
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/changing\.bin changed while it was being uploaded/);
    expect(last).not.toMatch(/resume with|left open|\.\.|leavePartsOnError|uploadId/);
    const line = printed(last, 'abort it with:').replace(/ \(or start over.*$/, '');
    expect(line).toMatch(new RegExp(`^${lit(SELF)} abort --vault next --upload-id \\S+ --endpoint ${lit(server.endpoint)} --region us-east-1$`));
    server.setFaults([]);
    const aborted = await runPasted(line);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(/^aborted upload \S+ in vault next/);
  });

  it('--abort-on-error: a changed file aborts the upload and says only that', async () => {
    const { path } = await randomFile(dir, 'changing2.bin', 6 * MiB);
    const journal = `${path}.glacier-journal.json`;
    slowParts();
    const run = startCli(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', '--abort-on-error', ...ep]);
    run.child.stdin!.end();
    await waitFor(async () => (await journalParts(journal)) >= 1 || undefined);
    await appendFile(path, 'more');
    const r = await run.done;
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/changed while it was being uploaded.*multipart upload \S+ was aborted \(--abort-on-error\)/);
    expect(last).not.toMatch(/resume with|left open|abort it with/);
    expect(server.stats.AbortMultipartUpload).toBe(1);
    expect(await exists(journal)).toBe(false);
  });

  it('a ListParts failure while resuming still prints how to resume', async () => {
    const { path } = await randomFile(dir, 'listparts.bin', 3 * MiB);
    const journal = `${path}.glacier-journal.json`;
    await interrupted(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', ...ep], { journal, parts: 1 });
    server.setFaults([{ operation: 'ListParts', kind: 'ServiceUnavailable', every: 1 }]);
    const r = await runCli(['resume', '--journal', journal, '--max-attempts', '1']);
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/Service is unavailable.*upload \S+ is left open; resume with: /);
    expect(printed(last, 'resume with:')).toBe(`${SELF} resume --journal ${journal} --endpoint ${server.endpoint} --region us-east-1`);
  });

  it('--concurrency 12 prints no MaxListenersExceededWarning; one part and one thread are singular', async () => {
    const { path } = await randomFile(dir, 'wide.bin', 14 * MiB);
    const r = await runCli(['upload', path, '--vault', 'next', '--part-size', '1MiB', '--concurrency', '12', ...ep]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/MaxListenersExceeded|memory leak/);
    const { path: small } = await randomFile(dir, 'one-part.bin', 1000);
    const one = await runCli(['upload', small, '--vault', 'next', '--threads', '1', ...ep]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/in 1 part of /);
    expect(one.stdout).toMatch(/sent: +1 part, /);
    expect(one.stdout).toMatch(/hashing: \w+, 1 thread\)/);
  });

  it('the progress counts bytes as a large part is sent, before Glacier confirms it', async () => {
    // 128 MiB parts stream from the file; one 3 MiB part, held back by the server after its body.
    const { path } = await randomFile(dir, 'bigpart.bin', 3 * MiB);
    server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 1500 }]);
    const r = await runCli(['upload', path, '--vault', 'next', '--part-size', '128MiB', '--progress', 'plain', ...ep]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bigpart\.bin: 3 MiB of 3 MiB \(100%\), 0\/1 parts/);
  });

  it('Ctrl-C during a large streamed part: no SDK logger lines, and no bar drawn after "stopping"', async () => {
    const { path } = await randomFile(dir, 'bigstop.bin', 3 * MiB);
    server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 5000 }]);
    const run = startCli(['upload', path, '--vault', 'next', '--part-size', '128MiB', '--progress', 'bar', ...ep]);
    run.child.stdin!.end();
    await waitFor(() => (server.stats.UploadMultipartPart ?? 0) >= 1 || undefined);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).not.toMatch(/non-retryable streaming request/);
    const after = r.stderr.slice(r.stderr.indexOf('stopping'));
    expect(after).not.toMatch(/\| parts \d/);
    expect(after).toMatch(/interrupted: upload \S+ is left open and resumable/);
  });

  it('a stdin upload shows bytes and rate, no percentage of an unknown size', async () => {
    const { data } = await randomFile(dir, 'stdin-bar.bin', 3 * MiB);
    server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 1200 }]);
    const r = await runCli(['upload', '-', '--vault', 'next', '--part-size', '1MiB', '--concurrency', '1', '--progress', 'bar', ...ep], { input: data });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stdin [\d.]+ \w+ sent \| [\d.]+ MiB\/s \| parts \d/);
    expect(r.stderr).not.toMatch(/\/ \?|\d+%/);
  });
});

describe('an endpoint that is not Glacier', () => {
  let web: Server;
  let status = 200;
  let requests = 0;
  beforeAll(async () => {
    web = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end('<html><body>It works!</body></html>');
      });
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => web.close(resolve));
  });

  for (const code of [200, 404, 501]) {
    it(`HTTP ${code} with a web page: says the endpoint did not answer like Glacier and names --endpoint, without retrying`, async () => {
      status = code;
      requests = 0;
      const endpoint = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
      const created = await runCli(['vault', 'create', 'v', '--endpoint', endpoint, '--max-attempts', '3']);
      expect(created.code).toBe(1);
      expect(created.stdout).toBe('');
      expect(created.stderr).toContain(`the endpoint ${endpoint} did not answer like Glacier (HTTP ${code}`);
      expect(created.stderr).toContain('check --endpoint');
      expect(created.stderr).not.toMatch(/Deserialization|Unexpected token|UnknownError/);
      // Never retried; a 404 or 501 is followed by one ListVaults that asks whether the endpoint
      // answers anything like Glacier (then only the operation is missing; see foreign-endpoint.test.ts).
      expect(requests).toBe(code === 200 ? 1 : 2);
    });
  }
});
