/** `repo verify <url>` against a server that fails or is not there: a network error, never INTERNAL. Needs dist/. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../upstream/helpers.js';

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(500);
    res.end('boom');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/apt`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('repo verify http://…', () => {
  it('a server answering 500 is REPO_FETCH_FAILED (network), naming the URL', async () => {
    const r = await runCli(['repo', 'verify', url, '--suite', 'bookworm', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'REPO_FETCH_FAILED',
      kind: 'network',
      message: expect.stringContaining('HTTP 500'),
    });
  });

  it('an unreachable server is REPO_FETCH_FAILED too, with a fix, in text', async () => {
    // Port 1 on the loopback: nothing listens there.
    const r = await runCli(['repo', 'verify', 'http://127.0.0.1:1/apt', '--suite', 'bookworm']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[REPO_FETCH_FAILED\]: http:\/\/127\.0\.0\.1:1\/apt\/.*unreachable/);
    expect(r.stderr).toMatch(/fix: Check the URL/);
    expect(r.stderr).not.toMatch(/INTERNAL/);
  });
});
