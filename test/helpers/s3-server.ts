/**
 * Start and stop the local S3 server the object-storage tests and `bench/s3.ts` publish to.
 *
 * - `ceph` (the default): Ceph RGW from Debian (scripts/ceph-s3-server.sh: one monitor, one
 *   in-memory OSD, radosgw), a real S3 implementation that honours conditional writes
 *   (`If-None-Match: *`, `If-Match`). Starts in 10-30 s.
 * - `s3rver` (npm): starts in under a second and ignores conditional headers: the server for
 *   the tests of pkgtrack's lease fallback. `PKGTRACK_TEST_S3=s3rver` makes it the default.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './cli.js';

export type S3ServerKind = 'ceph' | 's3rver';

export interface S3Server {
  kind: S3ServerKind;
  endpoint: string;
  bucket: string;
  /** Environment for a publisher: the standard AWS variables, nothing on argv. */
  env: Record<string, string>;
  /** Public HTTP URL of `prefix` (what apt reads). */
  httpUrl(prefix: string): string;
  /** The server's working folder (s3rver: the objects on disk; ceph: configuration and logs). */
  dataDir: string;
  close(): Promise<void>;
}

const CEPH_KEY = { id: 'PKGTRACKTESTKEY', secret: 'pkgtrack-test-secret' };

function launch(kind: S3ServerKind, dataDir: string, bucket: string): ChildProcess {
  if (kind === 'ceph') {
    // The script wants a folder that does not exist yet, and removes it when it stops.
    return spawn('bash', [join(ROOT, 'scripts/ceph-s3-server.sh'), join(dataDir, 'ceph'), bucket, CEPH_KEY.id, CEPH_KEY.secret], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  return spawn(process.execPath, [join(ROOT, 'test/helpers/s3-server-main.mjs'), dataDir, bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startS3Server(bucket = 'pkgs', opts: { kind?: S3ServerKind } = {}): Promise<S3Server> {
  const kind = opts.kind ?? (process.env.PKGTRACK_TEST_S3 === 's3rver' ? 's3rver' : 'ceph');
  const dataDir = tempDir('pkgtrack-s3data-');
  const child = launch(kind, dataDir, bucket);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
    child.once('exit', (c) => reject(new Error(`${kind} S3 server exited with ${c}:\n${stderr}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const cred = kind === 'ceph' ? CEPH_KEY : { id: 'S3RVER', secret: 'S3RVER' };
  return {
    kind,
    endpoint,
    bucket,
    dataDir: kind === 'ceph' ? join(dataDir, 'ceph') : dataDir,
    env: {
      AWS_ACCESS_KEY_ID: cred.id,
      AWS_SECRET_ACCESS_KEY: cred.secret,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoint,
    },
    httpUrl: (prefix) => `${endpoint}/${bucket}/${prefix}`,
    close: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An SDK client on the server with the publisher's credentials: for a test's own objects. */
export async function s3Client(s3: S3Server) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The requests radosgw has served so far: one `beast:` line each in its log (flushed within a moment). */
export function rgwRequestLines(dataDir: string): string[] {
  const log = join(dataDir, 'log/client.rgw.log');
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes(' beast: '))
    : [];
}

/**
 * The same server seen across a network: a proxy (latency-proxy-main.mjs) that delays every byte
 * by `oneWayMs` each way. What a publisher meets on a real store (a CI runner to S3 or R2 is
 * 5-50 ms away), and what a server on 127.0.0.1 hides: one request at a time costs a round trip
 * each. Close it before the server.
 */
export async function withLatency(s3: S3Server, oneWayMs: number): Promise<S3Server> {
  const child = spawn(process.execPath, [join(ROOT, 'test/helpers/latency-proxy-main.mjs'), new URL(s3.endpoint).port, String(oneWayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
    child.once('exit', (c) => reject(new Error(`latency proxy exited with ${c}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    ...s3,
    endpoint,
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint },
    httpUrl: (prefix) => `${endpoint}/${s3.bucket}/${prefix}`,
    close: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
