/**
 * The stamp of a published suite: the SHA-256 of its signed metadata (apt Release, else
 * InRelease; yum repodata/repomd.xml). Every change to a suite rewrites that file, so equal
 * stamps mean the page's stored rows of the suite still hold. A publish takes the stamp before
 * and after its change, so the page can apply just that change (services/site/model-sync.ts).
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `repoRoot`: the apt or yum repository folder (<output>/apt, <output>/yum). Undefined: no metadata. */
export function suiteStamp(repoRoot: string, kind: 'apt' | 'yum', suite: string): string | undefined {
  const files =
    kind === 'apt'
      ? [join(repoRoot, 'dists', suite, 'Release'), join(repoRoot, 'dists', suite, 'InRelease')]
      : [join(repoRoot, suite, 'repodata', 'repomd.xml')];
  for (const f of files) {
    try {
      return hash('sha256', readFileSync(f), 'hex');
    } catch {
      // the next form, or none
    }
  }
  return undefined;
}
