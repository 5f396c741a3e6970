/**
 * Contents-<arch>.gz of a suite (what apt-file searches): opt-in, because it means reading
 * every package's whole data.tar once. On when the repository sets `contents: true`, when a
 * publish asks (`--contents`), and from then on for a suite whose Release already lists them.
 *
 * The file lists are kept beside the repository (contents-lists.ts), with the hash of the text
 * they rendered, so that a publish lists only packages new to the suite and changes only the
 * changed packages' lines of the published index (spliceContents), where it would otherwise
 * sort every line of the suite again. A missing or damaged list is rebuilt from the pool files.
 */
import { hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mapLimit } from '../../core/concurrency.js';
import type { Progress } from '../../core/progress.js';
import {
  type ContentsOwner,
  contentsLocation,
  debDataFiles,
  renderContents,
  spliceable,
  spliceContents,
  type TextEdit,
} from '../../formats/deb-contents.js';
import { KeptContentsLists, type Paths, type Placement } from './contents-lists.js';
import { DebReadPool } from './deb-read-pool.js';
import { suiteDir } from './layout.js';
import type { PublishedIndex } from './compress.js';
import type { ParsedRelease } from './release.js';
import { fieldOf, type SuiteContents } from './suite-contents.js';

export { contentsListsPath } from './contents-lists.js';

/** Index name inside the component dir, as apt's Contents-deb target asks for it. */
export const contentsIndexName = (arch: string) => `Contents-${arch}`;

/** True when a published Release already lists Contents indexes (they then stay on). */
export function releaseHasContents(release: ParsedRelease | undefined): boolean {
  return !!release && [...release.files.keys()].some((p) => /(^|\/)Contents-[^/]+$/.test(p.replace(/\.(gz|xz)$/, '')));
}

export interface ContentsResult {
  /**
   * Index text (UTF-8) per component and architecture, with its SHA-256; when it was spliced
   * from the published text, where it changed (the rest is cut and compressed as before) and the
   * published .gz it came from (read and checked against the Release once).
   */
  indexes: Array<{ component: string; arch: string; text: Buffer; sha256: string; edits?: TextEdit[]; previous?: PublishedIndex }>;
  /** The file lists' files to write (repository-relative), when they changed. */
  listFiles: Array<{ path: string; data: Uint8Array }>;
}

/** A binary as Contents sees it. */
interface Listed extends Placement {
  filename: string;
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
  const kept = await KeptContentsLists.read(o.root, o.suite, o.progress);
  const byComponent = o.components.map((component) => ({
    component,
    binaries: [...(o.contents.components.get(component)?.binaries.values() ?? [])].map(
      (e): Listed => ({ filename: e.filename, component, arch: e.arch, location: contentsLocation(e.name, fieldOf(e, 'Section')) }),
    ),
  }));
  const all = byComponent.flatMap((c) => c.binaries);

  // Paths of current packages, as needed: kept, listed as they were read, else read again.
  const known = new Map<string, Paths>();
  const pathsOf = async (filenames: readonly string[]): Promise<Map<string, Paths>> => {
    const want = filenames.filter((f) => !known.has(f));
    for (const [f, p] of await kept.paths(want)) known.set(f, p);
    const missing: string[] = [];
    for (const f of want) {
      if (known.has(f)) continue;
      const l = o.listed?.get(f);
      if (l) known.set(f, l);
      else missing.push(f);
    }
    if (missing.length) await listFromPool(o, missing, known);
    return new Map(filenames.map((f) => [f, known.get(f)!]));
  };
  const ownerOf = (b: Listed): ContentsOwner => ({ location: b.location, files: known.get(b.filename)! });

  const fresh = all.filter((b) => !kept.sameAs(b.filename, b));
  await pathsOf(fresh.map((b) => b.filename));
  // Kept lists whose every path splices say so; others (or none) are checked whole.
  const checkAll = !kept.trusted || !kept.spliceable;
  const checked = checkAll ? all : fresh;
  if (checkAll) await pathsOf(all.map((b) => b.filename));
  const canSplice = checked.every((b) => spliceable(ownerOf(b)));

  const rendered = new Map<string, string>();
  const indexes: ContentsResult['indexes'] = [];
  for (const { component, binaries } of byComponent) {
    for (const arch of o.architectures) {
      const inArch = binaries.filter((e) => e.arch === arch || e.arch === 'all');
      const spliced =
        !checkAll && canSplice ? await splicedText(o.root, o.suite, o.contents.release, component, arch, kept, inArch, ownerOf) : undefined;
      if (spliced)
        o.progress.debug(
          `${component}/${contentsIndexName(arch)}: ${spliced.added} package(s) in, ${spliced.removed} out; only their lines rewritten`,
        );
      else await pathsOf(inArch.map((b) => b.filename));
      const text = spliced?.text ?? Buffer.from(renderContents(inArch.map(ownerOf)));
      const sha256 = hash('sha256', text, 'hex');
      rendered.set(`${component}/${arch}`, sha256);
      indexes.push({ component, arch, text, sha256, ...(spliced ? { edits: spliced.edits, previous: { gz: spliced.gz } } : {}) });
    }
  }
  const listFiles = await kept.changes(
    { packages: new Map(all.map((b) => [b.filename, { ...b, paths: known.get(b.filename) }])), rendered, spliceable: canSplice },
    pathsOf,
  );
  return { indexes, listFiles };
}

/** List the files of `missing` packages from their pool files (or the files this publish is adding), into `known`. */
async function listFromPool(
  o: { root: string; unpublished: ReadonlyMap<string, string>; progress: Progress },
  missing: readonly string[],
  known: Map<string, Paths>,
): Promise<void> {
  o.progress.step(`listing the files of ${missing.length} package(s) for Contents`);
  const pool = DebReadPool.forMany(missing.length);
  try {
    await mapLimit(missing, pool ? 16 : 4, async (filename) => {
      const file = o.unpublished.get(filename) ?? join(o.root, filename);
      known.set(filename, pool ? await pool.listFiles(file) : await debDataFiles(await readFile(file), file));
    });
  } finally {
    await pool?.close();
  }
}

/**
 * The Contents text of `inArch` spliced from the published one (spliceContents), or undefined
 * when it must be rendered whole: no published text, not the one the kept lists rendered (a
 * damaged or hand-edited index, another version's rules), a removed package's paths not kept,
 * or a changed package sharing its location with an unchanged one. The paths of `inArch`'s
 * packages new to the lists are known to `ownerOf`.
 */
async function splicedText(
  root: string,
  suite: string,
  release: ParsedRelease | undefined,
  component: string,
  arch: string,
  kept: KeptContentsLists,
  inArch: readonly Listed[],
  ownerOf: (b: Listed) => ContentsOwner,
): Promise<{ text: Buffer; edits: TextEdit[]; gz: Buffer; added: number; removed: number } | undefined> {
  // The Release lists the text the kept lists rendered, and the .gz on disk is the one it lists:
  // that .gz holds that text (both were made from it), so the text need not be hashed again.
  const name = `${component}/${contentsIndexName(arch)}`;
  const plain = release?.files.get(name);
  const gz = release?.files.get(`${name}.gz`);
  if (!plain?.sha256 || plain.sha256 !== kept.rendered.get(`${component}/${arch}`) || !gz?.sha256) return undefined;
  const gone: Placement[] = [];
  const goneFiles: string[] = [];
  const before = new Set<string>();
  const now = new Map(inArch.map((b) => [b.filename, b]));
  for (const [filename, p] of kept.placed) {
    if (p.component !== component || (p.arch !== arch && p.arch !== 'all')) continue;
    const b = now.get(filename);
    if (b && kept.sameAs(filename, b)) before.add(filename);
    else {
      gone.push(p);
      goneFiles.push(filename);
    }
  }
  const goneKept = await kept.paths(goneFiles);
  if (goneKept.size !== goneFiles.length) return undefined;
  const removed = gone.map((p, i) => ({ location: p.location, files: goneKept.get(goneFiles[i]!)! }));
  const added = inArch.filter((b) => !before.has(b.filename)).map(ownerOf);
  const changed = new Set([...removed, ...added].map((x) => x.location));
  for (const b of inArch) if (before.has(b.filename) && changed.has(b.location)) return undefined;
  let bytes: Buffer;
  let previous: Buffer;
  try {
    bytes = await readFile(join(root, suiteDir(suite), `${name}.gz`));
    if (bytes.length !== gz.size || hash('sha256', bytes, 'hex') !== gz.sha256) return undefined;
    previous = gunzipSync(bytes);
  } catch {
    return undefined;
  }
  if (previous.length !== plain.size) return undefined;
  return { ...spliceContents(previous, removed, added), gz: bytes, added: added.length, removed: removed.length };
}
