/**
 * The file lists a suite's Contents indexes are made from, kept beside the repository (so a CI
 * runner without pkgtrack's state store lists only packages new to the suite), written in the
 * same transaction as the indexes:
 *  - `.pkgtrack/contents/<suite>.json.gz`, the record: per pool path where the package was
 *    listed (component, architecture, location), per component/architecture the SHA-256 of the
 *    Contents text rendered from these lists (a publish splices that text instead of rendering
 *    every line again: spliceContents), and whether every path can be spliced;
 *  - `.pkgtrack/contents/<suite>/<xx>.json.gz`, 64 shards of the paths (pool path → the
 *    package's paths), by a hash of the pool path. Adding a package to 10,000
 *    reads and writes one shard of ~160 packages, not the 20 MB of every package's paths.
 * Version 1 (one file: pool path → paths) is still read; the next publish writes version 2.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Progress } from '../../core/progress.js';
import { gzip } from '../../formats/compress.js';
import { REPO_META_DIR } from '../lock.js';

/** Where a suite's record is kept (repository-relative). */
export const contentsListsPath = (suite: string) => `${REPO_META_DIR}/contents/${suite}.json.gz`;

/** Shards of the paths: a power of two. */
const SHARDS = 64;
const shardPath = (suite: string, shard: number) => `${REPO_META_DIR}/contents/${suite}/${shard.toString(16).padStart(2, '0')}.json.gz`;
/** FNV-1a of the pool path: which shard holds its paths. */
function shardOf(filename: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < filename.length; i++) h = Math.imul(h ^ filename.charCodeAt(i), 0x01000193) >>> 0;
  return h & (SHARDS - 1);
}

/** The paths a package installs (formats/deb-contents.ts debDataFiles). */
export type Paths = readonly string[];

/** Where a package was listed. */
export interface Placement {
  component: string;
  arch: string;
  location: string;
}

interface RecordV1 {
  version: 1;
  files: Record<string, string[]>;
}
interface RecordV2 {
  version: 2;
  shards: number;
  packages: Record<string, [component: string, arch: string, location: string]>;
  /** `<component>/<arch>` → SHA-256 of the Contents text rendered from these lists. */
  rendered: Record<string, string>;
  /** Every package's paths and location are `spliceable` (formats/deb-contents.ts). */
  spliceable: boolean;
}

/** The lists as a publish leaves them: every package's placement, and the paths of those new to the record. */
export interface NextLists {
  packages: ReadonlyMap<string, Placement & { paths?: Paths | undefined }>;
  rendered: ReadonlyMap<string, string>;
  spliceable: boolean;
}

/** What a suite's kept lists say. */
export class KeptContentsLists {
  /** Version 2 read whole: its placements, hashes and shards can be trusted. */
  readonly trusted: boolean;
  private readonly shards = new Map<number, Map<string, Paths> | undefined>();

  private constructor(
    private readonly root: string,
    private readonly suite: string,
    private readonly progress: Progress,
    readonly placed: ReadonlyMap<string, Placement>,
    readonly rendered: ReadonlyMap<string, string>,
    readonly spliceable: boolean,
    /** Version 1's paths, all in memory. */
    private readonly v1?: ReadonlyMap<string, string[]>,
  ) {
    this.trusted = !v1 && placed.size > 0;
  }

  static async read(root: string, suite: string, progress: Progress): Promise<KeptContentsLists> {
    // Nothing kept: as an empty version 1 (no placements to trust, no paths to take).
    const none = () => new KeptContentsLists(root, suite, progress, new Map(), new Map(), false, new Map());
    const path = join(root, contentsListsPath(suite));
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return none();
      throw e;
    }
    try {
      const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as RecordV1 | RecordV2;
      if (parsed.version === 1 && typeof parsed.files === 'object') {
        const files = new Map(Object.entries(parsed.files).filter(([, v]) => Array.isArray(v)));
        return new KeptContentsLists(root, suite, progress, new Map(), new Map(), false, files);
      }
      if (parsed.version !== 2 || parsed.shards !== SHARDS || typeof parsed.packages !== 'object' || typeof parsed.rendered !== 'object')
        throw new Error('unknown layout');
      const placed = new Map<string, Placement>();
      for (const [file, p] of Object.entries(parsed.packages)) {
        if (!Array.isArray(p) || p.length !== 3 || p.some((x) => typeof x !== 'string')) throw new Error(`bad entry for ${file}`);
        placed.set(file, { component: p[0], arch: p[1], location: p[2] });
      }
      const rendered = new Map(Object.entries(parsed.rendered).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return new KeptContentsLists(root, suite, progress, placed, rendered, parsed.spliceable === true);
    } catch (e) {
      progress.warn(`${path} is damaged (${(e as Error).message}): listing every package of ${suite} again`);
      return none();
    }
  }

  /** The kept paths of these packages; a package whose shard cannot be read is left out (the caller lists it again). */
  async paths(filenames: Iterable<string>): Promise<Map<string, Paths>> {
    const out = new Map<string, Paths>();
    for (const f of filenames) {
      const p = this.v1 ? this.v1.get(f) : this.trusted && this.placed.has(f) ? (await this.shard(shardOf(f)))?.get(f) : undefined;
      if (p !== undefined) out.set(f, p);
    }
    return out;
  }

  private async shard(n: number): Promise<Map<string, Paths> | undefined> {
    if (this.shards.has(n)) return this.shards.get(n);
    const path = join(this.root, shardPath(this.suite, n));
    let shard: Map<string, Paths> | undefined;
    try {
      const parsed = JSON.parse(gunzipSync(await readFile(path)).toString('utf8')) as Record<string, unknown>;
      shard = new Map(
        Object.entries(parsed).filter((e): e is [string, string[]] => Array.isArray(e[1]) && e[1].every((x) => typeof x === 'string')),
      );
    } catch (e) {
      // Missing or damaged: its packages are listed again from their pool files.
      this.progress.warn(
        `${path} is ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'damaged'}: listing its packages again`,
      );
    }
    this.shards.set(n, shard);
    return shard;
  }

  /**
   * The files to write for `next` (repository-relative path, gzip'd JSON): the record when it
   * changed, and the shards whose packages changed (every shard when the kept lists were not
   * trusted). `pathsOf` gives the paths of packages whose kept shard could not be read.
   */
  async changes(
    next: NextLists,
    pathsOf: (filenames: string[]) => Promise<Map<string, Paths>>,
  ): Promise<Array<{ path: string; data: Uint8Array }>> {
    const dirty = new Set<number>();
    if (!this.trusted) for (let n = 0; n < SHARDS; n++) dirty.add(n);
    for (const [f, p] of next.packages) if (!this.sameAs(f, p)) dirty.add(shardOf(f));
    for (const f of this.placed.keys()) if (!next.packages.has(f)) dirty.add(shardOf(f));
    // A shard found damaged is written again whole, whether or not its packages changed.
    for (const [n, shard] of this.shards) if (!shard) dirty.add(n);
    const recordChanged =
      dirty.size > 0 || next.spliceable !== this.spliceable || [...next.rendered].some(([k, v]) => this.rendered.get(k) !== v);
    if (!recordChanged) return [];

    const members = new Map<number, string[]>();
    for (const f of next.packages.keys()) {
      const n = shardOf(f);
      if (!dirty.has(n)) continue;
      const list = members.get(n);
      if (list) list.push(f);
      else members.set(n, [f]);
    }
    const needed = [...members.values()].flat().filter((f) => next.packages.get(f)!.paths === undefined);
    const kept = await this.paths(needed);
    const lost = needed.filter((f) => !kept.has(f));
    const found = lost.length ? await pathsOf(lost) : new Map<string, Paths>();
    const out: Array<{ path: string; data: Uint8Array }> = [];
    for (const n of [...dirty].sort((a, b) => a - b)) {
      const shard: Record<string, Paths> = {};
      for (const f of members.get(n) ?? []) shard[f] = next.packages.get(f)!.paths ?? kept.get(f) ?? found.get(f)!;
      out.push({ path: shardPath(this.suite, n), data: gzip(Buffer.from(JSON.stringify(shard)), 1) });
    }
    const record: RecordV2 = {
      version: 2,
      shards: SHARDS,
      packages: Object.fromEntries([...next.packages].map(([f, p]) => [f, [p.component, p.arch, p.location]])),
      rendered: Object.fromEntries(next.rendered),
      spliceable: next.spliceable,
    };
    out.push({ path: contentsListsPath(this.suite), data: gzip(Buffer.from(JSON.stringify(record)), 1) });
    return out;
  }

  /** Whether `f` is kept as `p` says (same placement). */
  sameAs(f: string, p: Placement): boolean {
    const k = this.trusted ? this.placed.get(f) : undefined;
    return !!k && k.component === p.component && k.arch === p.arch && k.location === p.location;
  }
}
