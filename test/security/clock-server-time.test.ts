/**
 * serverTime (services/publish/clock.ts) resolves the serving host's name itself, before loading
 * TLS, and hands the connection every address it got: a name whose first address does not
 * answer (an IPv6 address for a server listening on IPv4 only) still gives the server's Date,
 * as node's own connection would, trying the next. Names that do not resolve give nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const answers = vi.hoisted(() => new Map<string, Array<{ address: string; family: number }>>());
vi.mock('node:dns/promises', async (real) => ({
  ...(await real<typeof import('node:dns/promises')>()),
  lookup: async (name: string) => {
    const a = answers.get(name);
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return a;
  },
}));
const { serverTime } = await import('../../src/services/publish/clock.js');

let server: Server;
let port: number;
const THEN = new Date('2031-05-06T07:08:09Z');

beforeAll(async () => {
  server = createServer((req, res) => {
    res.sendDate = false;
    // A virtual host: the Date only for the name the client asked for (no Date: nothing to compare).
    if (req.headers.host === `pkgs.example.test:${port}`) res.writeHead(200, { Date: THEN.toUTCString() });
    else res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the clock check asks the serving host', () => {
  it('by every address its name has: the first not answering, the next does', async () => {
    answers.set('pkgs.example.test', [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ]);
    expect(await serverTime(`http://pkgs.example.test:${port}/repo`)).toEqual(THEN);
  });

  it('nothing for a name that does not resolve, or no answer in time', async () => {
    expect(await serverTime(`https://nowhere.example.test:${port}/`)).toBeUndefined();
    answers.set('silent.example.test', [{ address: '192.0.2.1', family: 4 }]); // TEST-NET-1: never answers
    expect(await serverTime('http://silent.example.test/', 300)).toBeUndefined();
  });
});
