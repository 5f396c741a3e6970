// A real S3-compatible server (s3rver, from npm) on 127.0.0.1, a random port, storing objects
// under argv[2], with bucket argv[3]. Prints the port on stdout. Note: s3rver ignores
// conditional PUT headers (If-None-Match / If-Match), like many S3-compatible stores; the
// tests exercise pkgtrack's lease fallback, which needs none.
import S3rver from 's3rver';

const server = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory: process.argv[2],
  configureBuckets: [{ name: process.argv[3] }],
});
const { port } = await server.run();
process.stdout.write(`${port}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
