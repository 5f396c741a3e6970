/** Start and stop the local S3-compatible server the object-storage tests publish to. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, tempDir } from './cli.js';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** Environment for a publisher: the standard AWS variables, nothing on argv. */
  env: Record<string, string>;
  /** Public HTTP URL of `prefix` (what apt reads). */
  httpUrl(prefix: string): string;
  /** Where the server keeps its objects on disk. */
  dataDir: string;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'pkgs'): Promise<S3Server> {
  const dataDir = tempDir('pkgtrack-s3data-');
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'test/helpers/s3-server-main.mjs'), dataDir, bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
    child.once('exit', (c) => reject(new Error(`s3 server exited with ${c}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    dataDir,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoint,
    },
    httpUrl: (prefix) => `${endpoint}/${bucket}/${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
