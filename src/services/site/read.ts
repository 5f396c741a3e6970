/**
 * Reading what is published, for the web page: apt suites (apt/dists/<suite>/Release and the
 * Packages indexes it lists) and yum repositories (yum/<path>/repodata/repomd.xml and its
 * primary metadata), in the layout repo/registry.ts gives the output dir. Only the published metadata is read, never the pool, so the page shows exactly
 * what clients see.
 */
import { ifExists } from '../../core/fsutil.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { compressionOf, decompress, MAX_INDEX_TEXT } from '../../formats/compress.js';
import { getField, parseSingleStanza, type Stanza } from '../../formats/deb822.js';
import { primarySummariesOf, readPrimarySummariesFast } from '../../repo/yum/primary-summary.js';
import { child, childrenNamed, parseXml } from '../../repo/yum/xml-read.js';
import { parseCleartextStrict } from '../../sign/cleartext.js';

/** One binary package as an index lists it. */
export interface IndexedBinary {
  /** Binary package name. */
  name: string;
  /** Source package name (apt `Source:`, rpm `sourcerpm`), or `name`. */
  source: string;
  /** Full version: deb `[epoch:]upstream-revision`, rpm `[epoch:]version-release`. */
  version: string;
  /** Upstream part of the version. */
  upstreamVersion: string;
  arch: string;
  summary?: string;
  /** ISO build time when the metadata carries it (rpm). */
  builtAt?: string;
}

export interface PublishedSuite {
  kind: 'apt' | 'yum';
  /** Output-relative folder of the repository this suite is in (`apt`, `yum`, or '' for a bare layout). */
  root: string;
  /** apt suite directory name under dists/, or the yum repository path (`fedora/41/x86_64`). */
  suite: string;
  components: string[];
  architectures: string[];
  updatedAt?: string;
  /** apt `NotAutomatic: yes`: clients install from it only when asked (-t SUITE). */
  notAutomatic?: boolean;
  /** Output-relative path of the signed metadata. */
  metadataPath: string;
  binaries: IndexedBinary[];
}

const readText = async (p: string) => ifExists(readFile(p, 'utf8'));

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Upstream part of a Debian version: no epoch, no revision. */
export function debUpstream(version: string): string {
  const noEpoch = version.replace(/^\d+:/, '');
  const dash = noEpoch.lastIndexOf('-');
  return dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
}

/** The fields of a Release file (InRelease is unwrapped when Release is missing). */
async function readRelease(dir: string): Promise<{ stanza: Stanza; path: string } | undefined> {
  const plain = await readText(join(dir, 'Release'));
  if (plain !== undefined) return { stanza: parseSingleStanza(plain, { source: join(dir, 'Release') }), path: 'Release' };
  const signed = await readText(join(dir, 'InRelease'));
  if (signed === undefined) return undefined;
  const parsed = parseCleartextStrict(signed);
  if (!parsed.ok) return undefined;
  return { stanza: parseSingleStanza(parsed.value.fileText, { source: join(dir, 'InRelease') }), path: 'InRelease' };
}

const WANTED = new Set(['Package', 'Version', 'Source', 'Architecture', 'Description']);
const WANTED_FIRST = new Set([...WANTED].map((n) => n.charCodeAt(0)));
type PackagesFields = Partial<Record<'Package' | 'Version' | 'Source' | 'Architecture' | 'Description', string>>;

/**
 * The five fields the page shows of each stanza of a Packages index (Description: its first
 * line only), in one pass over the lines: the page reads every package of every suite on each
 * publish, and a full deb822 parse (every field, continuation lines kept) costs several times
 * this at 10,000 packages. The publish that wrote the index already parsed it strictly.
 */
export function scanPackages(text: string): PackagesFields[] {
  const out: PackagesFields[] = [];
  let cur: PackagesFields | undefined;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const first = text.charCodeAt(pos);
    if (end === pos || (end === pos + 1 && first === 13)) cur = undefined;
    else if (first !== 32 && first !== 9) {
      const colon = text.indexOf(':', pos);
      if (colon > pos && colon < end) {
        // No string made for the lines of the other fields (first letter and length tell).
        const len = colon - pos;
        const name = len >= 6 && len <= 12 && WANTED_FIRST.has(first) ? text.slice(pos, colon) : '';
        if (WANTED.has(name)) {
          if (!cur) out.push((cur = {}));
          cur[name as keyof PackagesFields] = text.slice(colon + 1, end).trim();
        } else if (!cur) out.push((cur = {}));
      }
    }
    pos = end + 1;
  }
  return out;
}

/** The text of one Packages index: plain, or the first compressed form present. */
async function readPackagesIndex(dir: string): Promise<{ text: string; file: string } | undefined> {
  for (const name of ['Packages', 'Packages.xz', 'Packages.gz', 'Packages.zst']) {
    const file = join(dir, name);
    const bytes = await ifExists(readFile(file));
    if (!bytes) continue;
    const kind = compressionOf(name) ?? 'none';
    return { text: Buffer.from(decompress(bytes, kind, file, MAX_INDEX_TEXT)).toString('utf8'), file };
  }
  return undefined;
}

function dateIso(rfc2822: string | undefined): string | undefined {
  if (!rfc2822) return undefined;
  const t = Date.parse(rfc2822);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

const under = (root: string, path: string) => (root ? `${root}/${path}` : path);

/** The apt suites of the repository at `<outputDir>/<root>` (`root` '' = the output dir itself). */
export async function readAptSuites(outputDir: string, root = 'apt'): Promise<PublishedSuite[]> {
  const out: PublishedSuite[] = [];
  for (const suite of await aptSuiteNames(outputDir, root)) {
    const s = await readAptSuite(outputDir, root, suite);
    if (s) out.push(s);
  }
  return out;
}

/** The folders under `<outputDir>/<root>/dists` that may be suites, sorted. */
export async function aptSuiteNames(outputDir: string, root: string): Promise<string[]> {
  const dists = join(outputDir, root, 'dists');
  const names = await readdir(dists).catch(() => [] as string[]);
  const out: string[] = [];
  for (const suite of names.sort()) if (!suite.startsWith('.') && (await isDir(join(dists, suite)))) out.push(suite);
  return out;
}

/** One apt suite, with its packages unless `headerOnly`; undefined without a readable Release. */
export async function readAptSuite(
  outputDir: string,
  root: string,
  suite: string,
  headerOnly = false,
): Promise<PublishedSuite | undefined> {
  const dir = join(outputDir, root, 'dists', suite);
  const release = await readRelease(dir);
  if (!release) return undefined;
  const components = (getField(release.stanza, 'Components') ?? 'main').split(/\s+/).filter(Boolean);
  const architectures = (getField(release.stanza, 'Architectures') ?? '').split(/\s+/).filter((a) => a && a !== 'source');
  const binaries: IndexedBinary[] = [];
  for (const comp of headerOnly ? [] : components) {
    for (const arch of architectures) {
      const idx = await readPackagesIndex(join(dir, comp, `binary-${arch}`));
      if (idx) for (const f of scanPackages(idx.text)) pushBinary(binaries, f, arch);
    }
  }
  const updatedAt = dateIso(getField(release.stanza, 'Date'));
  return {
    kind: 'apt',
    root,
    suite,
    components,
    architectures,
    ...(updatedAt ? { updatedAt } : {}),
    ...(getField(release.stanza, 'NotAutomatic') === 'yes' ? { notAutomatic: true } : {}),
    metadataPath: under(root, `dists/${suite}/${release.path}`),
    binaries,
  };
}

/** The page's row of one Packages stanza (none without Package and Version). */
function pushBinary(out: IndexedBinary[], f: PackagesFields, arch: string): void {
  const name = f.Package;
  const version = f.Version;
  if (!name || !version) return;
  // "Source: name" or "Source: name (version)" when the binary version differs.
  const src = /^(\S+)(?:\s+\((\S+)\))?/.exec(f.Source ?? '');
  const summary = f.Description?.trim();
  out.push({
    name,
    source: src?.[1] ?? name,
    version: src?.[2] ?? version,
    upstreamVersion: debUpstream(src?.[2] ?? version),
    arch: f.Architecture ?? arch,
    ...(summary ? { summary } : {}),
  });
}

/**
 * The rows of the binaries called `names` in one apt suite, found in its plain Packages files
 * by their `Package:` lines instead of reading every stanza: what a publish that changed a few
 * names asks of a suite of 100,000. Undefined when a Packages file is only there compressed.
 */
export async function readAptNames(
  outputDir: string,
  header: PublishedSuite,
  names: readonly string[],
): Promise<IndexedBinary[] | undefined> {
  const dir = join(outputDir, header.root, 'dists', header.suite);
  const out: IndexedBinary[] = [];
  for (const comp of header.components) {
    for (const arch of header.architectures) {
      const base = join(dir, comp, `binary-${arch}`);
      const bytes = await ifExists(readFile(join(base, 'Packages')));
      if (bytes === undefined) {
        if ((await readdir(base).catch(() => [] as string[])).some((n) => n.startsWith('Packages'))) return undefined;
        continue;
      }
      for (const stanza of stanzasNamed(bytes, names)) for (const f of scanPackages(stanza)) pushBinary(out, f, arch);
    }
  }
  return out;
}

/** Past this many names, one pass over every `Package:` line beats a search of the whole file per name. */
const ONE_PASS_NAMES = 4;

/**
 * The stanzas of a Packages file whose Package field is one of `names`, name by name (searched
 * as bytes: only they are decoded). A few names: a search of the file for each; more, one pass
 * over its `Package:` lines (`repo remove` of 500 names from 10,000 searched 3.8 MB 500 times,
 * 0.5 s; at 100,000, 5 s).
 */
function stanzasNamed(bytes: Buffer, names: readonly string[]): string[] {
  const starts = new Map<string, number[]>(names.map((n) => [n, []]));
  const lineStart = (at: number) => at === 0 || bytes[at - 1] === 10;
  if (names.length <= ONE_PASS_NAMES) {
    for (const name of starts.keys()) {
      const needle = Buffer.from(`Package: ${name}\n`);
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length))
        if (lineStart(at)) starts.get(name)!.push(at);
    }
  } else {
    const needle = Buffer.from('Package: ');
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) {
      if (!lineStart(at)) continue;
      const eol = bytes.indexOf(10, at);
      starts.get(bytes.toString('utf8', at + needle.length, eol < 0 ? bytes.length : eol))?.push(at);
    }
  }
  return [...starts.values()].flatMap((ats) =>
    ats.map((at) => {
      const end = bytes.indexOf('\n\n', at);
      const start = at === 0 ? -2 : bytes.lastIndexOf('\n\n', at - 1);
      return bytes.toString('utf8', start < 0 ? 0 : start + 2, end < 0 ? bytes.length : end + 1);
    }),
  );
}

const SKIP_DIRS = new Set(['apt', 'dists', 'pool', 'badges', 'site-assets', 'builds', 'keys', 'reports', 'repodata', 'Packages']);

/** Every `repodata/repomd.xml` up to `depth` folders below `dir` (the yum writer's repodata is a symlink). */
async function findRepomds(root: string, dir: string, depth: number, out: string[]): Promise<void> {
  if (await readText(join(dir, 'repodata', 'repomd.xml')).then((t) => t !== undefined)) out.push(relative(root, dir));
  if (depth === 0) return;
  const entries = (await ifExists(readdir(dir, { withFileTypes: true }))) ?? [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || SKIP_DIRS.has(e.name) || !(e.isDirectory() || e.isSymbolicLink())) continue;
    if (await isDir(join(dir, e.name))) await findRepomds(root, join(dir, e.name), depth - 1, out);
  }
}

/** Source package name from an rpm's `sourcerpm` (`name-version-release.src.rpm`). */
export function sourceRpmName(sourcerpm: string): string | undefined {
  const m = /^(.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$/.exec(sourcerpm);
  return m?.[1];
}

/** A published suite, by where it is: its kind, the repository folder and its name there. */
export interface SuiteRef {
  kind: 'apt' | 'yum';
  /** Output-relative folder of the repository (`apt`, `yum`, '' for a bare apt layout). */
  root: string;
  /** apt suite, or yum repository path with `/` separators. */
  suite: string;
  /** The suite's folder under `root` as found (a yum path with the platform's separators). */
  dir: string;
}

/**
 * The suites published in an output dir, in page order: apt under <output>/apt (repo/registry.ts),
 * then a bare apt repository right in the output dir, then yum under <output>/yum.
 */
export async function listPublishedSuites(outputDir: string): Promise<SuiteRef[]> {
  const out: SuiteRef[] = [];
  for (const root of ['apt', ''])
    for (const suite of await aptSuiteNames(outputDir, root)) out.push({ kind: 'apt', root, suite, dir: suite });
  for (const rel of await yumRepoPaths(outputDir, 'yum'))
    out.push({ kind: 'yum', root: 'yum', suite: rel.split('\\').join('/'), dir: rel });
  return out;
}

/** One listed suite, read whole; undefined for an apt suite without a readable Release. */
export const readPublishedSuite = (outputDir: string, s: SuiteRef): Promise<PublishedSuite | undefined> =>
  s.kind === 'apt' ? readAptSuite(outputDir, s.root, s.suite) : readYumRepo(outputDir, s.root, s.dir);

/** The yum repositories under `<outputDir>/<root>`, named by their path there (`fedora/41/x86_64`). */
export async function readYumRepos(outputDir: string, root = 'yum'): Promise<PublishedSuite[]> {
  const out: PublishedSuite[] = [];
  for (const rel of await yumRepoPaths(outputDir, root)) out.push(await readYumRepo(outputDir, root, rel));
  return out;
}

/** The paths under `<outputDir>/<root>` that hold a repodata/repomd.xml, in page order. */
export async function yumRepoPaths(outputDir: string, root: string): Promise<string[]> {
  const top = join(outputDir, root);
  const dirs: string[] = [];
  await findRepomds(top, top, 4, dirs);
  return dirs.filter((rel) => rel !== ''); // repodata right in the root: no suite name to give it
}

/** One yum repository (its repomd.xml must exist). */
export async function readYumRepo(outputDir: string, root: string, rel: string): Promise<PublishedSuite> {
  const top = join(outputDir, root);
  const base = join(top, rel);
  const repomdFile = join(base, 'repodata', 'repomd.xml');
  const repomd = parseXml((await readText(repomdFile))!, repomdFile);
  const revision = child(repomd, 'revision')?.text.trim();
  const primary = childrenNamed(repomd, 'data').find((d) => d.attrs.type === 'primary');
  const href = primary && child(primary, 'location')?.attrs.href;
  const binaries: IndexedBinary[] = [];
  let updated = revision && /^\d+$/.test(revision) ? Number(revision) : 0;
  if (href) {
    const file = join(base, href);
    const bytes = await readFile(file);
    const text = Buffer.from(decompress(bytes, compressionOf(href) ?? 'none', file, MAX_INDEX_TEXT)).toString('utf8');
    const packages = readPrimarySummariesFast(text) ?? primarySummariesOf(parseXml(text, file));
    for (const p of packages) {
      if (p.arch === 'src' || p.arch === 'nosrc') continue;
      const epoch = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
      if (p.build > updated) updated = p.build;
      binaries.push({
        name: p.name,
        source: (p.sourcerpm && sourceRpmName(p.sourcerpm)) || p.name,
        version: `${epoch}${p.ver}-${p.rel}`,
        upstreamVersion: p.ver,
        arch: p.arch,
        ...(p.summary ? { summary: p.summary } : {}),
        ...(p.build > 0 ? { builtAt: new Date(p.build * 1000).toISOString() } : {}),
      });
    }
  }
  const arches = [...new Set(binaries.map((b) => b.arch))].sort();
  const suite = rel.split('\\').join('/');
  return {
    kind: 'yum',
    root,
    suite,
    components: [],
    architectures: arches.length ? arches : [suite.split('/').at(-1)!],
    ...(updated > 0 ? { updatedAt: new Date(updated * 1000).toISOString() } : {}),
    metadataPath: under(root, `${suite}/repodata/repomd.xml`),
    binaries,
  };
}
