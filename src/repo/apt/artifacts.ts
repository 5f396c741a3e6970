/**
 * Reading the artifacts handed to an apt publish (.deb, .dsc with its files, .changes) into
 * index entries, through the index cache: a file whose (path, size, ctime, inode) is cached
 * is not read again, so adding one package to a big repository reads one package.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError, integrityError, notFound } from '../../core/errors.js';
import { ctimeUs, readFileWithStatAsync } from '../../core/fsutil.js';
import { type Field, getField, parseSingleStanza } from '../../formats/deb822.js';
import { debDataFiles } from '../../formats/deb-contents.js';
import { cleartextBody, type DscFile, packagesStanza, parseDsc, readCheckedDeb, sourcesStanza } from '../../formats/deb-control.js';
import type { FileKey, IndexCache } from '../format.js';
import type { DebReadPool, DebStage } from './deb-read-pool.js';
import { checkPackageName, debPoolPath, poolDir } from './layout.js';
import type { BinaryEntry, SourceEntry } from './suite-contents.js';

/** Bump when the cached value's shape changes: old entries are then simply misses. */
const CACHE_KIND_DEB = 'apt-deb-v2';
const CACHE_KIND_FILE = 'apt-file-v1';

interface CachedDeb {
  control: Field[];
  size: number;
  sha256: string;
}

const missing = (path: string) =>
  notFound('ARTIFACT_NOT_FOUND', `${path} does not exist`, 'Check the path (build first?).', { file: path });

/** `e`, or the typed error for a file that is not there. */
function whenMissing(path: string, e: unknown): unknown {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? missing(path) : e;
}

async function fileKey(path: string): Promise<FileKey> {
  try {
    // Through the thread pool, several at once: a stat is microseconds when the inode is
    // cached, but a disk read when not, and this thread must keep the readers fed meanwhile.
    const s = await stat(path);
    return { path, size: s.size, ctimeUs: ctimeUs(s), ino: s.ino };
  } catch (e) {
    throw whenMissing(path, e);
  }
}

export interface ReadOptions {
  cache: IndexCache;
  rebuild: boolean;
  /** Reads cache misses on worker threads (many .debs); in-process without it. */
  pool?: DebReadPool | undefined;
  /**
   * With `pool`: have the workers write each package they read into the pool directory it
   * belongs in, as a temporary of this transaction (`tag`), under the repository `root`.
   */
  stage?: DebStage | undefined;
  /** Told of each pool directory a worker created, and the first it created (PublishTransaction.madeDir). */
  madeDir?: ((dir: string, from: string) => void) | undefined;
  /** List the files of each .deb read (Contents), in the same read; not for cache hits. */
  listFiles?: boolean | undefined;
}

/** What readDeb read beyond the cached value: the staged pool copy, the files (ReadOptions.listFiles). */
interface DebExtras {
  staged?: string;
  files?: string[];
}

/** Control data + hashes of a .deb (cached); `staged`: a copy of its bytes beside its pool path, when the pool read it. */
export async function readDeb(path: string, opts: ReadOptions): Promise<CachedDeb & DebExtras> {
  if (!opts.rebuild) {
    // A path the cache has never seen is read at once: the stat a lookup needs cost the thread
    // feeding the readers ~50 us a file (1,200 new .debs: 60 ms of a cold publish).
    if (opts.cache.knows?.(CACHE_KIND_DEB, path) ?? true) {
      const hit = opts.cache.get(CACHE_KIND_DEB, await fileKey(path));
      if (hit) return JSON.parse(hit) as CachedDeb;
    } else opts.cache.countRead?.();
  }
  let value: CachedDeb;
  let key: FileKey;
  const extras: DebExtras = {};
  if (opts.pool) {
    const {
      staged,
      madeDir,
      madeFrom,
      ctimeUs: changed,
      ino,
      files,
      ...read
    } = await opts.pool.read(path, opts.stage, opts.listFiles).catch((e: unknown) => {
      throw whenMissing(path, e);
    });
    value = read;
    key = { path, size: read.size, ctimeUs: changed, ino };
    if (staged) extras.staged = staged;
    if (files) extras.files = files;
    if (madeDir) opts.madeDir?.(madeDir, madeFrom ?? madeDir);
  } else {
    const {
      bytes,
      ctimeUs: changed,
      ino,
    } = await readFileWithStatAsync(path).catch((e: unknown) => {
      throw whenMissing(path, e);
    });
    const { control } = await readCheckedDeb(bytes, path);
    value = { control: control.fields, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    key = { path, size: bytes.length, ctimeUs: changed, ino };
    if (opts.listFiles) extras.files = await debDataFiles(bytes, path);
  }
  // Keyed by the file as it was read (fstat of the open file), not by an earlier stat.
  opts.cache.put(CACHE_KIND_DEB, key, JSON.stringify(value));
  return { ...value, ...extras };
}

/** SHA-256, MD5 and size of any file (cached): .dsc members. */
export async function fileHashes(path: string, opts: ReadOptions): Promise<DscFile> {
  const key = await fileKey(path);
  if (!opts.rebuild) {
    const hit = opts.cache.get(CACHE_KIND_FILE, key);
    if (hit) return JSON.parse(hit) as DscFile;
  }
  const bytes = await readFile(path);
  const value: DscFile = {
    name: basename(path),
    size: bytes.length,
    hashes: { MD5sum: createHash('md5').update(bytes).digest('hex'), SHA256: createHash('sha256').update(bytes).digest('hex') },
  };
  opts.cache.put(CACHE_KIND_FILE, key, JSON.stringify(value));
  return value;
}

export interface PreparedBinary {
  entry: BinaryEntry;
  /** Local file to copy into the pool. */
  local: string;
  /** A copy of its bytes already written beside its pool path (ReadOptions.stage). */
  staged?: string;
  /** The paths it installs, when read with ReadOptions.listFiles. */
  files?: string[];
  source: string;
}

export async function prepareDeb(path: string, component: string, opts: ReadOptions): Promise<PreparedBinary> {
  const deb = await readDeb(path, opts);
  const { name, version, arch, source, filename } = debPoolPath(deb.control, component, path);
  const fields = packagesStanza({ fields: deb.control, line: 1 }, { filename, size: deb.size, hashes: { SHA256: deb.sha256 } });
  return {
    entry: { name, version, arch, filename, sha256: deb.sha256, size: deb.size, fields },
    local: path,
    ...(deb.staged ? { staged: deb.staged } : {}),
    ...(deb.files ? { files: deb.files } : {}),
    source,
  };
}

export interface PreparedSource {
  entry: SourceEntry;
  /** [local path, pool path, sha256] for the .dsc and every file it lists. */
  files: Array<[string, string, string]>;
}

export async function prepareDsc(path: string, component: string, opts: ReadOptions): Promise<PreparedSource> {
  const text = await readFile(path, 'utf8');
  const dsc = parseDsc(text, path);
  checkPackageName(dsc.source, path);
  const dir = poolDir(component, dsc.source);
  const self = await fileHashes(path, opts);
  const files: PreparedSource['files'] = [[path, `${dir}/${basename(path)}`, self.hashes.SHA256!]];
  for (const f of dsc.files) {
    const local = join(dirname(path), f.name);
    const actual = await fileHashes(local, opts).catch((e) => {
      throw notFound(
        'DSC_FILE_MISSING',
        `${path} lists ${f.name}, which is not next to it`,
        'Keep every file the .dsc lists in the same directory.',
        {
          file: local,
          cause: e,
        },
      );
    });
    for (const h of ['SHA256', 'MD5sum'] as const) {
      if (f.hashes[h] && f.hashes[h] !== actual.hashes[h]) {
        throw integrityError(
          'DSC_FILE_HASH_MISMATCH',
          `${local}: ${h} differs from what ${basename(path)} says`,
          'The file was changed or replaced after the .dsc was made; rebuild the source package.',
          {
            file: local,
          },
        );
      }
    }
    if (f.size !== actual.size)
      throw integrityError('DSC_FILE_SIZE_MISMATCH', `${local}: size differs from ${basename(path)}`, 'Rebuild the source package.', {
        file: local,
      });
    f.hashes = { ...f.hashes, ...actual.hashes };
    files.push([local, `${dir}/${f.name}`, actual.hashes.SHA256!]);
  }
  const fields = sourcesStanza(dsc, { ...self, name: basename(path) }, dir, ['MD5sum', 'SHA256']);
  return { entry: { name: dsc.source, version: dsc.version, files: files.map((f) => f[1]), fields }, files };
}

/** The .deb/.dsc files a .changes lists (checked against its SHA-256 list), next to it. */
export async function expandChanges(path: string, opts: ReadOptions): Promise<string[]> {
  const st = parseSingleStanza(cleartextBody(await readFile(path, 'utf8'), path), { source: path });
  const list = getField(st, 'Checksums-Sha256');
  if (!list)
    throw inputError('CHANGES_NO_CHECKSUMS', `${path} has no Checksums-Sha256`, 'Regenerate it with dpkg-genchanges.', {
      file: path,
      field: 'Checksums-Sha256',
    });
  const out: string[] = [];
  for (const line of list.split('\n').slice(1)) {
    const [sha, , name] = line.trim().split(/\s+/);
    if (!sha || !name || name.includes('/'))
      throw inputError('CHANGES_BAD_LINE', `${path}: bad Checksums-Sha256 line`, 'Regenerate the .changes.', { file: path });
    const local = join(dirname(path), name);
    const h = await fileHashes(local, opts);
    if (h.hashes.SHA256 !== sha)
      throw integrityError(
        'CHANGES_HASH_MISMATCH',
        `${local}: SHA-256 differs from ${basename(path)}`,
        'Rebuild; the file changed after the .changes was written.',
        { file: local },
      );
    if (name.endsWith('.deb') || name.endsWith('.dsc')) out.push(local);
  }
  return out;
}
