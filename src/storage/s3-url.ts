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
