/** Change objects behind pkgtrack's back, through the S3 API (works on whichever server s3-server.ts starts). */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Server } from './s3-server.js';

export async function overwriteObject(s3: S3Server, key: string, body: Buffer): Promise<void> {
  const client = new S3Client({
    region: s3.env.AWS_REGION!,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

/** `bytes` with one byte flipped near the end (inside the payload, past any header). */
export function flipByte(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out[out.length - 10]! ^= 0xff;
  return out;
}
