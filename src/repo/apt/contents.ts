/**
 * Contents-<arch>.gz of a suite (what apt-file searches): opt-in, because it means reading
 * every package's whole data.tar once. On when the repository sets `contents: true`, when a
 * publish asks (`--contents`), and from then on for a suite whose Release already lists them.
 *
 * File lists are kept beside the repository, in `.pkgtrack/contents/<suite>.json.gz` (pool
 * path → paths), written in the same transaction as the indexes: a publish lists only packages
 * new to the suite, also on a CI runner that starts without pkgtrack's state store. A missing
 * or damaged list is rebuilt from the pool files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Progress } from '../../core/progress.js';
import { gzip } from '../../formats/compress.js';
import { contentsLocation, debDataFiles, renderContents } from '../../formats/deb-contents.js';
import { REPO_META_DIR } from '../lock.js';
import { mapLimit } from '../../core/concurrency.js';
import { DebReadPool } from './deb-read-pool.js';
import type { ParsedRelease } from './release.js';
import { fieldOf, type SuiteContents } from './suite-contents.js';

/** Where a suite's file lists are kept (repository-relative). */
export const contentsListsPath = (suite: string) => `${REPO_META_DIR}/contents/${suite}.json.gz`;

/** Index name inside the component dir, as apt's Contents-deb target asks for it. */
export const contentsIndexName = (arch: string) => `Contents-${arch}`;

/** True when a published Release already lists Contents indexes (they then stay on). */
export function releaseHasContents(release: ParsedRelease | undefined): boolean {
  return !!release && [...release.files.keys()].some((p) => /(^|\/)Contents-[^/]+$/.test(p.replace(/\.(gz|xz)$/, '')));
}

interface ListsFile {
  version: 1;
  files: Record<string, string[]>;
}

async function readLists(root: string, suite: string, progress: Progress): Promise<Map<string, string[]>> {
  const path = join(root, contentsListsPath(suite));
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  try {
    const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as ListsFile;
    if (parsed.version !== 1 || typeof parsed.files !== 'object') throw new Error('unknown layout');
    return new Map(Object.entries(parsed.files).filter(([, v]) => Array.isArray(v)));
  } catch (e) {
    progress.warn(`${path} is damaged (${(e as Error).message}): listing every package of ${suite} again`);
    return new Map();
  }
}

export interface ContentsResult {
  /** Index text per component and architecture. */
  indexes: Array<{ component: string; arch: string; text: string }>;
  /** Whether the file lists differ from what is kept, and then the lists to keep (gzip'd JSON). */
  listsChanged: boolean;
  lists?: Uint8Array;
}

/**
 * Contents text for every component × architecture of `contents` (an `Architecture: all`
 * package counts in every architecture, as in Packages). `unpublished` maps pool paths added by
 * this publish, not linked into the pool yet, to the file holding their bytes; those in `listed`
 * were listed as they were read.
 */
export async function suiteContentsIndexes(o: {
  root: string;
  suite: string;
  contents: SuiteContents;
  components: string[];
  architectures: string[];
  unpublished: ReadonlyMap<string, string>;
  /** Pool path → files, of packages the publish listed as it read them (not read again here). */
  listed?: ReadonlyMap<string, string[]>;
  progress: Progress;
}): Promise<ContentsResult> {
  const kept = await readLists(o.root, o.suite, o.progress);
  const lists = new Map<string, string[]>();
  const missing: string[] = [];
  for (const c of o.contents.components.values()) {
    for (const e of c.binaries.values()) {
      const known = kept.get(e.filename) ?? o.listed?.get(e.filename);
      if (known) lists.set(e.filename, known);
      else missing.push(e.filename);
    }
  }
  if (missing.length) {
    o.progress.step(`listing the files of ${missing.length} package(s) for Contents`);
    const pool = DebReadPool.forMany(missing.length);
    try {
      await mapLimit(missing, pool ? 16 : 4, async (filename) => {
        const file = o.unpublished.get(filename) ?? join(o.root, filename);
        lists.set(filename, pool ? await pool.listFiles(file) : await debDataFiles(await readFile(file), file));
      });
    } finally {
      await pool?.close();
    }
  }

  const indexes: ContentsResult['indexes'] = [];
  for (const component of o.components) {
    const binaries = [...(o.contents.components.get(component)?.binaries.values() ?? [])];
    for (const arch of o.architectures) {
      const text = renderContents(
        binaries
          .filter((e) => e.arch === arch || e.arch === 'all')
          .map((e) => ({ location: contentsLocation(e.name, fieldOf(e, 'Section')), files: lists.get(e.filename)! })),
      );
      indexes.push({ component, arch, text });
    }
  }
  const listsChanged = lists.size !== kept.size || [...lists.keys()].some((k) => !kept.has(k));
  if (!listsChanged) return { indexes, listsChanged };
  const sorted = Object.fromEntries([...lists].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { indexes, lists: gzip(Buffer.from(JSON.stringify({ version: 1, files: sorted } satisfies ListsFile)), 6), listsChanged };
}
