/** The one-line account of a change against a bucket (publish, repo remove, repo refresh). No SDK import. */
import type { S3SyncReport } from './s3.js';

export function s3SyncSummary(r: S3SyncReport): string {
  return (
    `${r.url}: uploaded ${r.uploaded.length} file(s) (${(r.uploadedBytes / 1e6).toFixed(1)} MB sent${r.copied ? `, ${r.copied} copied inside the store` : ''}), read ${r.downloadedFiles} metadata file(s); ` +
    `${r.scheduledDeletes.length} file(s) to delete after the grace period, ${r.deleted.length} deleted`
  );
}
