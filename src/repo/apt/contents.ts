/**
 * Contents-<arch>.gz of a suite (what apt-file searches): opt-in, because it means reading
 * every package's whole data.tar once. On when the repository sets `contents: true`, when a
 * publish asks (`--contents`), and from then on for a suite whose Release already lists them.
 *
 * File lists are kept beside the repository, in `.pkgtrack/contents/<suite>.json.gz` (pool
 * path → paths), written in the same transaction as the indexes: a publish lists only packages
 * new to the suite, also on a CI runner that starts without pkgtrack's state store. A missing
 * or damaged list is rebuilt from the pool files. With the lists is kept the hash of the text
 * they rendered, so that a publish changes only the changed packages' lines of the published
 * index (spliceContents) where it would otherwise sort every line of the suite again.
 */
import { hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Progress } from '../../core/progress.js';
import { gzip } from '../../formats/compress.js';
import {
  type ContentsOwner,
  contentsLocation,
  debDataFiles,
  renderContents,
  spliceable,
  spliceContents,
} from '../../formats/deb-contents.js';
import { REPO_META_DIR } from '../lock.js';
import { mapLimit } from '../../core/concurrency.js';
import { DebReadPool } from './deb-read-pool.js';
import { suiteDir } from './layout.js';
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

/**
 * The kept file lists (gzip'd JSON). Version 2 keeps, per pool path, where the package was
 * listed (component, architecture, location) and its paths as one string (parsing 10,000
 * strings, not 260,000), and per component/architecture the SHA-256 of the Contents text these
 * lists rendered: a publish then splices the published text (spliceContents) instead of
 * rendering every line again. Version 1 (path → paths) is still read; it renders once.
 */
interface ListsFileV1 {
  version: 1;
  files: Record<string, string[]>;
}
type KeptPackage = [component: string, arch: string, location: string, files: string];
interface ListsFileV2 {
  version: 2;
  packages: Record<string, KeptPackage>;
  /** `<component>/<arch>` → SHA-256 of the Contents text rendered from these lists. */
  rendered: Record<string, string>;
  /** Every package's paths and location are `spliceable`. */
  spliceable: boolean;
}

/** A package's paths: a list, or as kept (one string, split when needed). */
type Paths = readonly string[] | string;
const FILES_SEPARATOR = '\n';
const pathList = (p: Paths): readonly string[] => (typeof p !== 'string' ? p : p === '' ? [] : p.split(FILES_SEPARATOR));
const pathText = (p: Paths): string => (typeof p === 'string' ? p : p.join(FILES_SEPARATOR));

/** What a suite's kept lists say (see ListsFileV2). */
interface KeptLists {
  files: Map<string, Paths>;
  /** Where each package was listed (version 2 only). */
  placed: Map<string, { component: string; arch: string; location: string }>;
  rendered: Map<string, string>;
  spliceable: boolean;
}

const NO_LISTS = (): KeptLists => ({ files: new Map(), placed: new Map(), rendered: new Map(), spliceable: false });

async function readLists(root: string, suite: string, progress: Progress): Promise<KeptLists> {
  const path = join(root, contentsListsPath(suite));
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return NO_LISTS();
    throw e;
  }
  try {
    const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as ListsFileV1 | ListsFileV2;
    if (parsed.version === 1 && typeof parsed.files === 'object')
      return { ...NO_LISTS(), files: new Map(Object.entries(parsed.files).filter(([, v]) => Array.isArray(v))) };
    if (parsed.version !== 2 || typeof parsed.packages !== 'object' || typeof parsed.rendered !== 'object')
      throw new Error('unknown layout');
    const kept = NO_LISTS();
    for (const [file, p] of Object.entries(parsed.packages)) {
      if (!Array.isArray(p) || p.length !== 4 || p.some((x) => typeof x !== 'string')) throw new Error(`bad entry for ${file}`);
      const [component, arch, location, files] = p;
      kept.files.set(file, files);
      kept.placed.set(file, { component, arch, location });
    }
    for (const [k, v] of Object.entries(parsed.rendered)) if (typeof v === 'string') kept.rendered.set(k, v);
    kept.spliceable = parsed.spliceable === true;
    return kept;
  } catch (e) {
    progress.warn(`${path} is damaged (${(e as Error).message}): listing every package of ${suite} again`);
    return NO_LISTS();
  }
}

export interface ContentsResult {
  /** Index text per component and architecture. */
  indexes: Array<{ component: string; arch: string; text: string }>;
  /** Whether the file lists differ from what is kept, and then the lists to keep (gzip'd JSON). */
  listsChanged: boolean;
  lists?: Uint8Array;
}

/** A binary as Contents sees it. */
interface Listed {
  filename: string;
  arch: string;
  location: string;
  paths: Paths;
}
const owner = (b: { location: string; paths: Paths }): ContentsOwner => ({ location: b.location, files: pathList(b.paths) });

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
  const lists = new Map<string, Paths>();
  const missing: string[] = [];
  for (const c of o.contents.components.values()) {
    for (const e of c.binaries.values()) {
      const known = kept.files.get(e.filename) ?? o.listed?.get(e.filename);
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

  // Kept lists whose every path splices say so; others (or none) are checked whole, once.
  const checkAll = kept.placed.size === 0 || !kept.spliceable;
  const record: ListsFileV2 = { version: 2, packages: {}, rendered: {}, spliceable: true };
  const byComponent = o.components.map((component) => {
    const binaries: Listed[] = [...(o.contents.components.get(component)?.binaries.values() ?? [])].map((e) => ({
      filename: e.filename,
      arch: e.arch,
      location: contentsLocation(e.name, fieldOf(e, 'Section')),
      paths: lists.get(e.filename)!,
    }));
    for (const b of binaries) {
      const isNew = kept.placed.get(b.filename)?.location !== b.location;
      if (record.spliceable && (checkAll || isNew) && !spliceable(owner(b))) record.spliceable = false;
      record.packages[b.filename] = [component, b.arch, b.location, pathText(b.paths)];
    }
    return { component, binaries };
  });
  const indexes: ContentsResult['indexes'] = [];
  for (const { component, binaries } of byComponent) {
    for (const arch of o.architectures) {
      const inArch = binaries.filter((e) => e.arch === arch || e.arch === 'all');
      const spliced =
        !checkAll && record.spliceable ? await splicedText(o.root, o.suite, o.contents.release, component, arch, kept, inArch) : undefined;
      if (spliced)
        o.progress.debug(
          `${component}/${contentsIndexName(arch)}: ${spliced.added} package(s) in, ${spliced.removed} out; only their lines rewritten`,
        );
      const text = spliced?.text ?? renderContents(inArch.map(owner));
      record.rendered[`${component}/${arch}`] = hash('sha256', text, 'hex');
      indexes.push({ component, arch, text });
    }
  }
  const listsChanged =
    lists.size !== kept.files.size ||
    [...lists.keys()].some((k) => !kept.files.has(k)) ||
    kept.placed.size === 0 ||
    Object.entries(record.rendered).some(([k, v]) => kept.rendered.get(k) !== v);
  if (!listsChanged) return { indexes, listsChanged };
  return { indexes, lists: gzip(Buffer.from(JSON.stringify(record)), 1), listsChanged };
}

/**
 * The Contents text of `inArch` spliced from the published one (spliceContents), or undefined
 * when it must be rendered whole: no published text, not the one the kept lists rendered (a
 * damaged or hand-edited index, another version's rules), or a changed package sharing its
 * location with an unchanged one.
 */
async function splicedText(
  root: string,
  suite: string,
  release: ParsedRelease | undefined,
  component: string,
  arch: string,
  kept: KeptLists,
  inArch: readonly Listed[],
): Promise<{ text: string; added: number; removed: number } | undefined> {
  // The Release lists the text the kept lists rendered, and the .gz on disk is the one it lists:
  // that .gz holds that text (both were made from it), so the text need not be hashed again.
  const name = `${component}/${contentsIndexName(arch)}`;
  const plain = release?.files.get(name);
  const gz = release?.files.get(`${name}.gz`);
  if (!plain?.sha256 || plain.sha256 !== kept.rendered.get(`${component}/${arch}`) || !gz?.sha256) return undefined;
  let previous: string;
  try {
    const bytes = await readFile(join(root, suiteDir(suite), `${name}.gz`));
    if (bytes.length !== gz.size || hash('sha256', bytes, 'hex') !== gz.sha256) return undefined;
    previous = gunzipSync(bytes).toString('utf8');
  } catch {
    return undefined;
  }
  if (Buffer.byteLength(previous) !== plain.size) return undefined;
  const now = new Map(inArch.map((b) => [b.filename, b]));
  const removed: ContentsOwner[] = [];
  const before = new Set<string>();
  for (const [filename, p] of kept.placed) {
    if (p.component !== component || (p.arch !== arch && p.arch !== 'all')) continue;
    if (now.get(filename)?.location === p.location) before.add(filename);
    else removed.push(owner({ location: p.location, paths: kept.files.get(filename)! }));
  }
  const added = inArch.filter((b) => !before.has(b.filename)).map(owner);
  const changed = new Set([...removed, ...added].map((x) => x.location));
  for (const b of inArch) if (before.has(b.filename) && changed.has(b.location)) return undefined;
  const text = removed.length === 0 && added.length === 0 ? previous : spliceContents(previous, removed, added);
  return { text, added: added.length, removed: removed.length };
}
