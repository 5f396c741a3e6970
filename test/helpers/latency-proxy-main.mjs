// A TCP proxy that adds a fixed one-way delay to every byte in both directions, so a server on
// 127.0.0.1 answers as one across a network does (RTT = 2 x delay), bandwidth unlimited.
//   node latency-proxy-main.mjs TARGET_PORT ONE_WAY_MS
// Listens on 127.0.0.1, a free port, printed on stdout. Its own process: the bench times its
// tools with spawnSync, which would stall a proxy on the same event loop.
import { createConnection, createServer } from 'node:net';

const targetPort = Number(process.argv[2]);
const delayMs = Number(process.argv[3]);

/** Forward `from`'s bytes (and its end) to `to`, each `delayMs` after it arrived, in order. */
function delayed(from, to) {
  from.on('data', (chunk) => {
    // Timers with one duration fire in the order they were set: the byte order holds.
    setTimeout(() => to.destroyed || to.write(chunk), delayMs);
  });
  from.on('end', () => setTimeout(() => to.destroyed || to.end(), delayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1));
}

const server = createServer((client) => {
  client.setNoDelay(true);
  const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
