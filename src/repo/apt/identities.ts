/**
 * One (package, version, architecture) names one set of bytes in an apt repository, forever:
 * across suites and components (whose pool paths differ, so the pool's own immutability does not
 * see it) and after `repo remove` (which deletes the pool file). A client that cached one .deb
 * under that name would otherwise install another one under the same name and version.
 *
 * The record (`<repo>/.pkgtrack/apt-identities.json`: "name version arch" → SHA-256) only
 * grows: removed packages stay in it as tombstones. It is one JSON object, sorted when written
 * whole; a publish that adds a few packages looks them up in the text and appends them. A repository published before the record
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
  /** Entries this change adds. */
  private readonly fresh = new Map<string, string>();
  private lookups = 0;
  /** Made from the suites just now (no record on disk yet): written even with nothing fresh. */
  private seeded = false;

  /**
   * `text`: the record as read, searched by key while few are asked (adding one package to a
   * record of 100,000 looks up one key: no parse of the whole file, no rewrite of it);
   * `known`: the record parsed, once many are asked, or seeded from the suites.
   */
  private constructor(
    private text: string | undefined,
    private known: Map<string, string> | undefined,
  ) {}

  /** The record of the repository at `root`; seeded from its suites when there is none yet (`current`: the suite being published, as read). */
  static async load(root: string, current: { suite: string; contents: SuiteContents }): Promise<PackageIdentities> {
    try {
      return new PackageIdentities(await readFile(join(root, IDENTITIES_REL), 'utf8'), undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const known = new Map<string, string>();
    for (const s of await listSuites(root)) {
      const contents = s === current.suite ? current.contents : await readSuite(root, s);
      for (const c of contents.components.values()) for (const b of c.binaries.values()) known.set(keyOf(b), b.sha256);
    }
    const out = new PackageIdentities(undefined, known);
    if (known.size > 0) out.seeded = true;
    return out;
  }

  /** The SHA-256 recorded for `key`, if any. */
  private recorded(key: string): string | undefined {
    const fresh = this.fresh.get(key);
    if (fresh !== undefined) return fresh;
    if (!this.known && this.text !== undefined && ++this.lookups > 64) {
      // Many packages (a cold publish): one parse beats a search of the text per package.
      this.known = new Map(Object.entries(JSON.parse(this.text) as Record<string, string>));
    }
    if (this.known) return this.known.get(key);
    // `"<name> <version> <arch>":"<sha256>"`: a key starts after { or , and cannot occur inside
    // a value (hex) or inside another key (it starts with the quote).
    const needle = `${JSON.stringify(key)}:"`;
    const at = this.text?.indexOf(needle) ?? -1;
    if (at < 0) return undefined;
    const from = at + needle.length;
    return this.text!.slice(from, this.text!.indexOf('"', from));
  }

  /** Refuse `e` (read from `file`) when its name, version and architecture were published with other bytes. */
  claim(e: { name: string; version: string; arch: string; sha256: string }, file: string): void {
    const k = keyOf(e);
    const had = this.recorded(k);
    if (had === undefined) {
      this.fresh.set(k, e.sha256);
    } else if (had !== e.sha256) {
      throw conflictError(
        'APT_VERSION_REUSED',
        `${e.name} ${e.version} (${e.arch}) was already published in this repository with other contents (SHA-256 ${had.slice(0, 16)}..., ${file} has ${e.sha256.slice(0, 16)}...)`,
        'A name, version and architecture mean one set of bytes forever, also in another component or after `repo remove`. Bump the version (e.g. -2, or a +bookworm2 suffix) and rebuild.',
        { file, field: 'Version' },
      );
    }
  }

  /**
   * Stage the record when it gained entries (before the switch: a kill after it only makes the
   * record stricter). Written whole and sorted when it was parsed or seeded; otherwise the new
   * entries are added at the end of the text as read (still one JSON object).
   */
  async save(tx: PublishTransaction): Promise<void> {
    if (this.fresh.size === 0 && !this.seeded) return;
    if (this.known || this.text === undefined || !(this.text.startsWith('{') && this.text.trimEnd().endsWith('}'))) {
      const all = new Map([
        ...(this.known ?? (this.text ? Object.entries(JSON.parse(this.text) as Record<string, string>) : [])),
        ...this.fresh,
      ]);
      const sorted = Object.fromEntries([...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      await tx.stage(IDENTITIES_REL, `${JSON.stringify(sorted, null, 0)}\n`);
      return;
    }
    const body = this.text.trimEnd().slice(0, -1); // without the closing brace
    const more = [...this.fresh].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    await tx.stage(IDENTITIES_REL, `${body}${body.trimEnd() === '{' ? '' : ','}${more}}\n`);
  }
}
