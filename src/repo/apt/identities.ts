/**
 * One (package, version, architecture) names one set of bytes in an apt repository, forever:
 * across suites and components (whose pool paths differ, so the pool's own immutability does not
 * see it) and after `repo remove` (which deletes the pool file). A client that cached one .deb
 * under that name would otherwise install another one under the same name and version.
 *
 * The record (`<repo>/.pkgtrack/apt-identities.json`: "name version arch" → SHA-256) only
 * grows: removed packages stay in it as tombstones. A repository published before the record
 * existed is seeded from every suite's indexes on its first publish.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError } from '../../core/errors.js';
import { REPO_META_DIR } from '../lock.js';
import type { PublishTransaction } from '../transaction.js';
import { listSuites, readSuite, type SuiteContents } from './suite-contents.js';

export const IDENTITIES_REL = `${REPO_META_DIR}/apt-identities.json`;

const keyOf = (e: { name: string; version: string; arch: string }) => `${e.name} ${e.version} ${e.arch}`;

export class PackageIdentities {
  private added = false;

  private constructor(private readonly known: Map<string, string>) {}

  /** The record of the repository at `root`; seeded from its suites when there is none yet (`current`: the suite being published, as read). */
  static async load(root: string, current: { suite: string; contents: SuiteContents }): Promise<PackageIdentities> {
    try {
      const record = JSON.parse(await readFile(join(root, IDENTITIES_REL), 'utf8')) as Record<string, string>;
      return new PackageIdentities(new Map(Object.entries(record)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const known = new Map<string, string>();
    for (const s of await listSuites(root)) {
      const contents = s === current.suite ? current.contents : await readSuite(root, s);
      for (const c of contents.components.values()) for (const b of c.binaries.values()) known.set(keyOf(b), b.sha256);
    }
    const out = new PackageIdentities(known);
    out.added = known.size > 0;
    return out;
  }

  /** Refuse `e` (read from `file`) when its name, version and architecture were published with other bytes. */
  claim(e: { name: string; version: string; arch: string; sha256: string }, file: string): void {
    const k = keyOf(e);
    const had = this.known.get(k);
    if (had === undefined) {
      this.known.set(k, e.sha256);
      this.added = true;
    } else if (had !== e.sha256) {
      throw conflictError(
        'APT_VERSION_REUSED',
        `${e.name} ${e.version} (${e.arch}) was already published in this repository with other contents (SHA-256 ${had.slice(0, 16)}..., ${file} has ${e.sha256.slice(0, 16)}...)`,
        'A name, version and architecture mean one set of bytes forever, also in another component or after `repo remove`. Bump the version (e.g. -2, or a +bookworm2 suffix) and rebuild.',
        { file, field: 'Version' },
      );
    }
  }

  /** Stage the record when it gained entries (before the switch: a kill after it only makes the record stricter). */
  async save(tx: PublishTransaction): Promise<void> {
    if (!this.added) return;
    const sorted = Object.fromEntries([...this.known.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await tx.stage(IDENTITIES_REL, `${JSON.stringify(sorted, null, 0)}\n`);
  }
}
