/** A static file server on 127.0.0.1 for tests: a request log, and per-path overrides (a body, or an HTTP status). */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface StaticServer {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Path → fixed body (tampering, replay) or status code (a failing server). */
  overrides: Map<string, Buffer | number>;
  /** Path → statuses answered, one per request, before the file is served (a flaky mirror). */
  flaky: Map<string, number[]>;
  close(): Promise<void>;
}

export async function serveDir(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const overrides = new Map<string, Buffer | number>();
  const flaky = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(path);
    const o = flaky.get(path)?.shift() ?? overrides.get(path);
    if (typeof o === 'number') {
      res.writeHead(o).end();
      return;
    }
    const send = (b: Buffer) => {
      res.writeHead(200, { 'content-length': b.length });
      res.end(req.method === 'HEAD' ? undefined : b);
    };
    if (o) return send(o);
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(send, () => res.writeHead(404).end('not found'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, overrides, flaky, close: () => new Promise((r) => server.close(() => r())) };
}
