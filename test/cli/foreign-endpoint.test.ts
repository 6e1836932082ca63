// Foreign endpoints (child processes against small fake servers): a Glacier error body or
// x-amzn-ErrorType counts as Glacier's without x-amzn-RequestId; an endpoint that answers like
// Glacier but lacks one route is told apart from a wrong --endpoint; --no-endpoint-check.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { randomFile, runCli, tempDir } from './helpers.js';

interface Answer { status: number; headers?: Record<string, string>; body?: string }
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function fake(answer: (method: string, url: string) => Answer): Promise<string> {
  const s = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(req.method!, req.url!);
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

const json = { 'content-type': 'application/json' };

describe('foreign endpoints', () => {
  it('a Glacier JSON error body without x-amzn-RequestId is Glacier\'s error, not "did not answer like Glacier"', async () => {
    const endpoint = await fake(() => ({ status: 404, headers: json,
      body: JSON.stringify({ code: 'ResourceNotFoundException', message: 'Vault not found for ARN: arn:aws:glacier:us-east-1:012345678901:vaults/v', type: 'Client' }) }));
    const r = await runCli(['vault', 'describe', 'v', '--endpoint', endpoint]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Vault not found for ARN');
    expect(r.stderr).not.toContain('did not answer like Glacier');
  });

  it('x-amzn-ErrorType alone marks a Glacier answer', async () => {
    const endpoint = await fake(() => ({ status: 400, headers: { ...json, 'x-amzn-ErrorType': 'InvalidParameterValueException' }, body: JSON.stringify({ message: 'the limit is wrong' }) }));
    const r = await runCli(['vault', 'describe', 'v', '--endpoint', endpoint]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('InvalidParameterValueException');
    expect(r.stderr).not.toContain('did not answer like Glacier');
  });

  it('an endpoint that answers like Glacier but has no multipart routes: "does not implement InitiateMultipartUpload"', async () => {
    const endpoint = await fake((method, url) => (method === 'GET' && /\/vaults(\?|$)/.test(url)
      ? { status: 200, headers: { ...json, 'x-amzn-RequestId': 'r1' }, body: JSON.stringify({ VaultList: [] }) }
      : { status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>Not Found</h1>' }));
    const { dir, cleanup } = await tempDir();
    try {
      const { path } = await randomFile(dir, 'a.bin', 3000);
      const r = await runCli(['upload', path, '--vault', 'v', '--endpoint', endpoint, '--no-journal']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`this endpoint (${endpoint}) does not implement InitiateMultipartUpload (HTTP 404)`);
      expect(r.stderr).not.toContain('check --endpoint');
    } finally {
      await cleanup();
    }
  });

  it('a server that is not Glacier at all is still refused; --no-endpoint-check accepts it', async () => {
    const endpoint = await fake(() => ({ status: 201 }));
    const checked = await runCli(['vault', 'create', 'v', '--endpoint', endpoint]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('did not answer like Glacier');
    expect(checked.stderr).toContain('--no-endpoint-check');
    const unchecked = await runCli(['vault', 'create', 'v', '--endpoint', endpoint, '--no-endpoint-check']);
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stdout).toContain('created vault v');
  });
});
