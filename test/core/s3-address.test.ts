/** The bucket's own address (storage/s3-url.ts bucketAddress): what .repo files name when pkgtrack.yaml has no `url:`. Pure. */
import { describe, expect, it } from 'vitest';
import { bucketAddress, parseS3Url } from '../../src/storage/s3-url.js';

describe('bucketAddress', () => {
  it('a custom endpoint (MinIO, Ceph RGW): path-style, as the client addresses it', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7480/' };
    expect(bucketAddress(parseS3Url('s3://pkgs/team/repo'), env)).toBe('http://127.0.0.1:7480/pkgs/team/repo');
    expect(bucketAddress(parseS3Url('s3://pkgs'), env)).toBe('http://127.0.0.1:7480/pkgs');
    expect(bucketAddress(parseS3Url('s3://pkgs/a b/c'), { AWS_ENDPOINT_URL: 'https://minio.example.org' })).toBe(
      'https://minio.example.org/pkgs/a%20b/c',
    );
  });

  it('a custom endpoint with path-style turned off: the bucket in the host name', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'https://minio.example.org', AWS_S3_FORCE_PATH_STYLE: 'false' };
    expect(bucketAddress(parseS3Url('s3://pkgs/team/'), env)).toBe('https://pkgs.minio.example.org/team');
  });

  it('AWS: virtual-hosted in the region, path-style for a bucket with dots (TLS names cannot cover them)', () => {
    expect(bucketAddress(parseS3Url('s3://pkgs/apt'), { AWS_REGION: 'eu-west-1' })).toBe('https://pkgs.s3.eu-west-1.amazonaws.com/apt');
    expect(bucketAddress(parseS3Url('s3://pkgs'), {})).toBe('https://pkgs.s3.us-east-1.amazonaws.com');
    expect(bucketAddress(parseS3Url('s3://repo.example.org/x'), { AWS_DEFAULT_REGION: 'us-west-2' })).toBe(
      'https://s3.us-west-2.amazonaws.com/repo.example.org/x',
    );
  });
});
