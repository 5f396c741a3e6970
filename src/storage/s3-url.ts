/** `s3://bucket/prefix` targets. */
import { PkgtrackError } from '../core/errors.js';

export interface S3Target {
  bucket: string;
  /** Key prefix without leading slash, with a trailing slash unless empty. */
  prefix: string;
  url: string;
}

export const isS3Url = (s: string | undefined): s is string => !!s && s.startsWith('s3://');

export function parseS3Url(s: string): S3Target {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(s);
  if (!m || (m[2] ?? '').split('/').some((p, i, all) => p === '..' || p === '.' || (p === '' && i < all.length - 1))) {
    throw new PkgtrackError({
      code: 'S3_BAD_URL',
      kind: 'usage',
      message: `${s}: not an s3://bucket/prefix URL`,
      fix: 'Write s3://BUCKET or s3://BUCKET/some/prefix (bucket: 3-63 lowercase letters, digits, dots, hyphens). The endpoint comes from AWS_ENDPOINT_URL_S3, never the URL.',
    });
  }
  const raw = (m[2] ?? '').replace(/\/+$/, '');
  const prefix = raw ? `${raw}/` : '';
  return { bucket: m[1]!, prefix, url: `s3://${m[1]}/${prefix}` };
}

/**
 * The bucket's own HTTP(S) address of `target`'s prefix, from the same environment the client
 * uses: with a custom endpoint (MinIO, Ceph RGW) path-style `<endpoint>/<bucket>/<prefix>` (or
 * `<bucket>.<endpoint host>` when AWS_S3_FORCE_PATH_STYLE=false); on AWS the virtual-hosted
 * `https://<bucket>.s3.<region>.amazonaws.com/<prefix>` (path-style for a bucket with dots, which
 * TLS names cannot cover). What readers use when nothing in front of the bucket (a CDN, R2's
 * public domain) is configured as `url:`. No trailing slash. Pure.
 */
export function bucketAddress(target: S3Target, env: NodeJS.ProcessEnv = process.env): string {
  const key = target.prefix.replace(/\/+$/, '');
  const tail = key ? `/${key.split('/').map(encodeURIComponent).join('/')}` : '';
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpoint) {
    const base = endpoint.replace(/\/+$/, '');
    if (env.AWS_S3_FORCE_PATH_STYLE !== 'false') return `${base}/${target.bucket}${tail}`;
    const u = new URL(base);
    u.host = `${target.bucket}.${u.host}`;
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}${tail}`;
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return target.bucket.includes('.')
    ? `https://s3.${region}.amazonaws.com/${target.bucket}${tail}`
    : `https://${target.bucket}.s3.${region}.amazonaws.com${tail}`;
}
