/**
 * The stamp of a published suite: the SHA-256 of its signed metadata (apt Release, else
 * InRelease; yum repodata/repomd.xml). Every change to a suite rewrites that file, so equal
 * stamps mean the page's stored rows of the suite still hold. A publish takes the stamp before
 * and after its change, so the page can apply just that change (services/site/model-sync.ts).
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PublishReport } from '../../repo/format.js';
import type { SuiteChange } from './model-sync.js';

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

/**
 * What the page's stored model needs to take one suite's change: the binary names it added or
 * removed, and the suite's stamp from before it (`before`) and now. `root` is the repository
 * folder, `output` the folder it is in.
 */
export function suiteChangeOf(output: string, root: string, report: PublishReport, before: string | undefined): SuiteChange {
  const names = [...report.added, ...report.removed].filter((p) => p.arch !== 'source').map((p) => p.name);
  return {
    kind: report.kind,
    root: relative(output, root),
    suite: report.suite,
    names: [...new Set(names)],
    before,
    after: suiteStamp(root, report.kind, report.suite),
  };
}
