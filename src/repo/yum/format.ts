/**
 * The yum/dnf RepoFormat. Layout of one repository (`suite`, e.g. `fedora/41/x86_64`):
 *
 *   <suite>/Packages/<l>/<file>.rpm         immutable pool (placePoolFile)
 *   <suite>/.repodata/<gen>/                 one directory per generation, content-addressed:
 *        <sha>-primary.xml.gz ...              the metadata of this generation, plus the files
 *        repomd.xml, repomd.xml.asc            of the previous kept generations (clients mid-update)
 *   <suite>/repodata -> .repodata/<gen>      THE switch: one symlink rename, so repomd.xml and its
 *                                            .asc always go live together
 *   <suite>/RPM-GPG-KEY-pkgtrack, <suite>/<id>.repo   for users
 *   <root>/.pkgtrack/yum/<suite>.json        what the suite holds (staged before the switch)
 *
 * repomd.xml.asc is verified against repomd.xml with the public key before anything is staged.
 */
import { statSync } from 'node:fs';
import { readKeys } from '../../sign/keys.js';
import { ifExists } from '../../core/fsutil.js';
import { mapLimit } from '../../core/concurrency.js';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { conflictError, inputError, PkgtrackError } from '../../core/errors.js';
import { type RpmPackage, readRpm } from '../../formats/rpm/package.js';
import {
  type ArtifactInput,
  applyRetention,
  checkDowngrades,
  findDowngrades,
  type FileKey,
  keptGenerations,
  type PackageRef,
  type PublishedPackage,
  type PublishReport,
  type RepoContext,
  type RepoFormat,
  readGenerations,
  type VerifyReport,
} from '../format.js';
import { compareEvr, evrString } from './evr.js';
import { adoptablePoolFile, sha256 } from './pool-files.js';
import { adoptRestoredRepodata, generationName } from './restored-repodata.js';
import { missingPoolFile, readPublishedFragments } from './published-fragments.js';
import {
  checkSuite,
  listYumSuites,
  type Manifest,
  manifestRel,
  readManifest,
  requestedRemovals,
  toPublished,
  type YumEntry,
} from './suite-state.js';
import { DEFAULT_CHANGELOG_LIMIT, filelistsDocument, otherDocument, packageXml, primaryDocument } from './package-xml.js';
import { type MetadataCompression, repodataFile, repomdXml } from './repomd.js';
import { ensureRpmSigned } from './rpm-signing.js';
import { nativeKeys } from './fast-verify.js';
import type { RpmRead } from './rpm-read.js';
import { type RpmReader, rpmReader } from './rpm-read-pool.js';
import { liveGenerationStands } from './live-generation.js';
import { userFiles, verifyDetached } from './userfiles.js';
import type { Signer } from '../../sign/signer.js';
import { verifyYumRepo } from './verify.js';

export interface YumFormatOptions {
  /** Compression of primary/filelists/other (default gz; zst for dnf >= 4.x clients only). */
  compression?: MetadataCompression;
  changelogLimit?: number;
  /** Armored public key(s) of the signer: repomd.xml.asc is verified with them before the switch. */
  publicKeys?: string;
  /** URL the output root is served at, for the .repo file (default file://<root>). */
  baseUrl?: string;
  /** Sign rpms not signed by the repository key as they enter the pool (default true). */
  signPackages?: boolean;
  /** pkgtrack.yaml `name` and `label`: the .repo file's id and name (default pkgtrack). */
  repositoryName?: string;
  label?: string;
}

interface CachedPackage {
  entry: YumEntry;
  primary: string;
  filelists: string;
  other: string;
}

/** The cached form of what readRpmFile found for the package published at `href`. */
function fromRead(href: string, r: RpmRead): CachedPackage {
  return { entry: { href, sha256: r.sha256, name: r.name, arch: r.arch, evr: r.evr, time: r.time }, ...r.xml };
}

/** Characters rpm NEVRAs and rpmbuild's file names use, none with a meaning in a URL. */
const SAFE_RPM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+~^-]*\.rpm$/;

export class YumRepoFormat implements RepoFormat {
  readonly kind = 'yum' as const;

  /** The public keys repomd.xml.asc was verified with in this publish (published for users). */
  private verifiedKeys: string | undefined;

  constructor(private readonly opts: YumFormatOptions = {}) {}

  /** The configured public keys, else the signer's own (OpenPgpSigner.publicKeysArmored). */
  private publicKeysFor(signer: Signer): string | undefined {
    return this.opts.publicKeys ?? (signer as { publicKeysArmored?: () => string }).publicKeysArmored?.();
  }

  accepts(file: string): boolean {
    return file.endsWith('.rpm');
  }

  private get cacheKind(): string {
    return `yum-pkg-v2-cl${this.opts.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT}`;
  }

  /** Read (or take from the index cache) one package at `abs`, published at `href`. */
  /**
   * Metadata of the package published at `href` (pool file `pool`), from the index cache or by
   * reading it. Pool files are immutable, so the cache key is (pool path, size): it holds before
   * the transaction links a new file in. `time file` is the artifact's mtime when first
   * published (kept in the manifest), stable across republishing and `--rebuild`.
   */
  private async describe(
    ctx: RepoContext,
    pool: string,
    href: string,
    fileTime: number | undefined,
    known?: { bytes: Uint8Array; sha: string; rpm: RpmPackage },
  ): Promise<CachedPackage> {
    // Synchronous: one stat per kept package of a 10,000-package repository, where the promise
    // round trip through the thread pool cost ~10x the call.
    const size = known ? known.bytes.length : statSync(pool).size;
    const key: FileKey = { path: pool, size, ctimeUs: 0, ino: 0 };
    if (!ctx.options.rebuild) {
      const hit = ctx.cache.get(this.cacheKind, key);
      if (hit) return JSON.parse(hit) as CachedPackage;
    }
    const bytes = known?.bytes ?? (await readFile(pool));
    const sha = known?.sha ?? sha256(bytes);
    const rpm = known?.rpm ?? readRpm(bytes, pool);
    const time = fileTime ?? Math.floor((await stat(pool)).mtimeMs / 1000);
    const xml = packageXml(rpm, { sha256: sha, size, mtime: time, href }, this.opts.changelogLimit);
    const value: CachedPackage = {
      entry: { href, sha256: sha, name: rpm.name, arch: rpm.arch, evr: evrString(rpm.epoch, rpm.version, rpm.release), time },
      ...xml,
    };
    if (!ctx.tx.dryRun) ctx.cache.put(this.cacheKind, key, JSON.stringify(value));
    return value;
  }

  /** Fragments published for each package, per suite, read once per publish (describeKept). */
  private published = new Map<string, ReturnType<typeof readPublishedFragments>>();

  /**
   * Metadata of a package already in the repository: `describe` of its pool file, or — when the
   * file lives only where the repository is published (object storage) — the fragments its
   * live metadata has for it, matched by the checksum both the manifest and the bucket record.
   */
  private async describeKept(ctx: RepoContext, suite: string, e: YumEntry, reader?: RpmReader): Promise<CachedPackage> {
    const pool = join(ctx.root, suite, e.href);
    const remote = ctx.tx.remotePool?.sha256Of(`${suite}/${e.href}`);
    if (remote === undefined || (await ifExists(stat(pool)))) {
      if (reader && ctx.options.rebuild) {
        // Read again on the reader threads with the inputs: one after the other on this thread,
        // a --rebuild of 10,000 packages spent ~0.8 s here.
        const { read } = await reader.read({ path: pool, href: e.href, time: e.time, verify: false });
        return this.remember(ctx, pool, read.size, fromRead(e.href, read));
      }
      return this.describe(ctx, pool, e.href, e.time);
    }
    const key = `${ctx.root}\0${suite}`;
    if (!this.published.has(key)) this.published.set(key, readPublishedFragments(ctx.root, suite));
    const f = (await this.published.get(key))?.get(e.sha256);
    if (remote !== e.sha256 || !f || f.href !== e.href) throw missingPoolFile(suite, e.href);
    return { entry: e, primary: f.primary, filelists: f.filelists, other: f.other };
  }

  /** Keep `value` in the index cache (as `describe` does) and return it. */
  private remember(ctx: RepoContext, pool: string, size: number, value: CachedPackage): CachedPackage {
    const key: FileKey = { path: pool, size, ctimeUs: 0, ino: 0 };
    if (!ctx.tx.dryRun) ctx.cache.put(this.cacheKind, key, JSON.stringify(value));
    return value;
  }

  /** `resign`: write a new signed generation even when nothing changed (repo refresh). */
  async publish(ctx: RepoContext, change: { add: ArtifactInput[]; remove: PackageRef[] }, resign = false): Promise<PublishReport> {
    const suite = ctx.options.suite;
    checkSuite(suite);
    const root = ctx.root;
    const manifest = await readManifest(root, suite);
    this.published.clear(); // what the live metadata said before this publish, read afresh
    const byHref = new Map(manifest.packages.map((e) => [e.href, e]));
    const described = new Map<string, CachedPackage>();
    const added: YumEntry[] = [];
    const unchanged: YumEntry[] = [];

    // 1. New files into the pool, each read once: hashed on worker threads, header parsed here.
    for (const a of change.add) {
      const name = basename(a.path);
      // The name becomes the pool path and a URL path in primary's href: '#', '?', '%', spaces
      // and the like would be read by dnf as a fragment, a query, an escape or a broken URL.
      if (this.accepts(a.path) && !SAFE_RPM_NAME.test(name)) {
        throw inputError(
          'YUM_BAD_FILE_NAME',
          `${a.path}: the file name ${JSON.stringify(name)} has characters that are not safe in a repository URL`,
          'Rename the file to its canonical name-version-release.arch.rpm (letters, digits and . _ + ~ ^ - only), as rpmbuild names it.',
          { file: a.path },
        );
      }
      if (!this.accepts(a.path)) {
        throw inputError(
          'YUM_NOT_RPM',
          `${a.path} is not an .rpm file`,
          'Publish .rpm files to yum repositories and .deb files to apt ones.',
          {
            file: a.path,
          },
        );
      }
    }
    await ctx.signer?.ready?.(); // its public keys check what is already signed
    const keyText = ctx.signer && this.opts.signPackages !== false ? this.publicKeysFor(ctx.signer) : undefined;
    const rpmKeys = keyText ? await readKeys(keyText, 'the repository public key') : undefined;
    const reader = rpmReader({ files: change.add.length, keys: rpmKeys && nativeKeys(rpmKeys), changelogLimit: this.opts.changelogLimit });
    const staging = !ctx.tx.dryRun && change.add.length > 8;
    try {
      await mapLimit(change.add, 16, async (a) => {
        const file = basename(a.path);
        const href = `Packages/${file[0]!.toLowerCase()}/${file}`;
        const prev = byHref.get(href);
        const pool = join(root, suite, href);
        // Parsed before anything is placed: a broken rpm is refused naming the file given.
        const stageTo = staging && !prev ? await ctx.tx.poolTempFor(`${suite}/${href}`) : undefined;
        // Already in our pool: its signature was checked (or made) when it entered.
        const got = await reader.read({ path: a.path, href, time: prev?.time, stageTo, verify: !prev });
        if (!prev) ctx.cache.countRead?.();
        const { read } = got;
        const unstage = async () => {
          if (got.staged) await rm(stageTo!, { force: true });
        };
        // Identity of a package regardless of its signature: the main header (it holds the
        // payload digest), so re-publishing the unsigned artifact is "unchanged", not a conflict.
        if (prev && prev.sha256 !== read.sha256 && (prev.content ?? prev.sha256) !== read.content) {
          await unstage();
          throw conflictError(
            'POOL_IMMUTABLE',
            `${suite}/${href} is already published with different contents than ${a.path}`,
            'A published file never changes. Bump the Release and rebuild.',
            { file: a.path },
          );
        }
        let desc: CachedPackage;
        if (prev) {
          // Our manifest records what the pool holds: no copy (the pool is immutable). Same bytes
          // as the pool file: its metadata is what was just read.
          desc =
            prev.sha256 === read.sha256
              ? this.remember(ctx, pool, read.size, fromRead(href, read))
              : await this.describeKept(ctx, suite, prev, reader);
        } else {
          const orphan = await adoptablePoolFile(pool, read.content);
          if (orphan) {
            // Left in the pool by a publish killed before its switch: the same package (we signed
            // it then); take it as it is instead of signing anew into a conflict.
            await unstage();
            desc = await this.describe(ctx, pool, href, read.time, {
              bytes: orphan.bytes,
              sha: orphan.sha256,
              rpm: readRpm(orphan.bytes, pool),
            });
          } else if (got.staged) {
            await ctx.tx.adoptPoolFile(`${suite}/${href}`, stageTo!, read.sha256, a.path);
            desc = this.remember(ctx, pool, read.size, fromRead(href, read));
          } else if (rpmKeys && ctx.signer && !read.signedByKey) {
            // Not signed by a repository key (as far as the native check knows): openpgp.js decides, and signs.
            const bytes = got.bytes ?? (await readFile(a.path));
            const signed = await ensureRpmSigned(bytes, ctx.signer, rpmKeys, a.path);
            if (signed.signedNow) {
              const sha = sha256(signed.bytes);
              if (ctx.tx.dryRun) await ctx.tx.placePoolFile(`${suite}/${href}`, a.path, sha);
              else {
                // The signed bytes go beside the pool path (swept after a kill), linked at commit.
                const tmp = await ctx.tx.poolTempFor(`${suite}/${href}`);
                await writeFile(tmp, signed.bytes, { flag: 'wx' });
                await ctx.tx.adoptPoolFile(`${suite}/${href}`, tmp, sha, a.path);
              }
              desc = await this.describe(ctx, pool, href, read.time, { bytes: signed.bytes, sha, rpm: readRpm(signed.bytes, a.path) });
            } else {
              await ctx.tx.placePoolFile(`${suite}/${href}`, a.path, read.sha256);
              desc = this.remember(ctx, pool, read.size, fromRead(href, read));
            }
          } else {
            await ctx.tx.placePoolFile(`${suite}/${href}`, a.path, read.sha256);
            desc = this.remember(ctx, pool, read.size, fromRead(href, read));
          }
        }
        described.set(href, desc);
        const entry = { ...desc.entry, content: read.content };
        if (prev) unchanged.push(entry);
        else added.push(entry);
        byHref.set(href, entry);
      });
    } finally {
      await reader.close();
    }

    checkDowngrades(
      ctx,
      findDowngrades(
        manifest.packages.map((e) => ({ name: e.name, arch: e.arch, version: e.evr })),
        added.map((e) => ({ name: e.name, arch: e.arch, version: e.evr })),
        compareEvr,
      ),
    );
    ctx.tx.startDataSync(); // pool bytes reach the disk while the metadata is made

    // 2. Removals by request, then retention (newest N per name+arch).
    let entries = [...byHref.values()];
    const removedByRequest = requestedRemovals(entries, change.remove, suite);
    entries = entries.filter((e) => !removedByRequest.has(e));
    const retention = applyRetention(
      entries.map((e) => ({ ...e, version: e.evr, files: [`${suite}/${e.href}`] })),
      ctx.options.keepVersions,
      compareEvr,
    );
    const dropped = new Set(retention.drop.map((d) => d.href));
    entries = entries.filter((e) => !dropped.has(e.href));
    const removed = [
      ...removedByRequest,
      ...manifest.packages.filter((e) => dropped.has(e.href)),
      ...added.filter((e) => dropped.has(e.href)),
    ];
    entries.sort((a, b) => (a.href < b.href ? -1 : a.href > b.href ? 1 : 0));

    // 3. Metadata of the kept packages (cache hits for everything already published). A package
    //    whose file lives only where the repository is published (object storage) keeps the
    //    fragments its live metadata has for it, matched by the checksum the bucket records.
    const frags = new Map<string, CachedPackage>();
    await mapLimit(entries, 4, async (e) => {
      frags.set(e.href, described.get(e.href) ?? (await this.describeKept(ctx, suite, e)));
    });
    const ordered = entries.map((e) => frags.get(e.href)!);
    const manifestText = `${JSON.stringify({ packages: entries } satisfies Manifest)}\n`;
    const written = await this.writeRepodata(ctx, suite, ordered, resign ? undefined : manifestText);
    if (written === 'no-change') {
      return {
        kind: 'yum',
        suite,
        added: [],
        unchanged: unchanged.map((e) => toPublished(suite, e)),
        removed: [],
        indexes: [],
        noChange: true,
      };
    }
    const indexes = written;

    // 4. The manifest (phase 1), pool files nothing references any more (after the switch).
    await ctx.tx.stage(manifestRel(suite), manifestText);
    const stillUsed = new Set(entries.map((e) => e.href));
    for (const e of removed) if (!stillUsed.has(e.href)) ctx.tx.removeAfterCommit(`${suite}/${e.href}`);

    return {
      kind: 'yum',
      suite,
      added: added.filter((e) => !dropped.has(e.href)).map((e) => toPublished(suite, e)),
      unchanged: unchanged.map((e) => toPublished(suite, e)),
      removed: removed.map((e) => toPublished(suite, e)),
      indexes,
    };
  }

  /**
   * Write a new generation dir, verify its signature, and stage the repodata symlink switch.
   * `manifestText` given: when the live generation already holds exactly these metadata files,
   * signed by a current key, with the same user files and manifest, write nothing ('no-change').
   */
  private async writeRepodata(
    ctx: RepoContext,
    suite: string,
    pkgs: readonly CachedPackage[],
    manifestText?: string,
  ): Promise<string[] | 'no-change'> {
    const how = this.opts.compression ?? 'gz';
    const files = [
      repodataFile('primary', primaryDocument(pkgs.map((p) => p.primary)), how),
      repodataFile('filelists', filelistsDocument(pkgs.map((p) => p.filelists)), how),
      repodataFile('other', otherDocument(pkgs.map((p) => p.other)), how),
    ];
    if (manifestText !== undefined && ctx.signer && !ctx.options.rebuild) {
      const keys = this.publicKeysFor(ctx.signer);
      const expected = userFiles(ctx.root, suite, this.opts, this.opts.publicKeys ?? keys);
      if (keys && (await liveGenerationStands(ctx.root, suite, { files, manifestText, keys, userFiles: expected }))) return 'no-change';
    }
    const now = Math.floor(ctx.now().getTime() / 1000);
    const repomd = Buffer.from(repomdXml(files, now, now), 'utf8');
    let asc: string | undefined;
    if (ctx.signer) {
      // The signer's own public keys (OpenPgpSigner) when none were configured: still an
      // independent check of the bytes the signer produced before they can go live.
      const publicKeys = this.publicKeysFor(ctx.signer);
      if (!publicKeys) {
        throw new PkgtrackError({
          code: 'YUM_NO_VERIFY_KEY',
          kind: 'environment',
          message: 'cannot verify repomd.xml.asc before publishing: no public key given to the yum repository writer',
          fix: 'Pass the signing key\u2019s public part (pkgtrack key export) to the publisher.',
        });
      }
      asc = await ctx.signer.detachSign(repomd);
      // Verified BEFORE anything is staged: a signature that does not match never goes live.
      await verifyDetached(repomd, asc, publicKeys, `${suite}/repodata/repomd.xml.asc`);
      this.verifiedKeys = publicKeys;
    } else if (!ctx.options.allowUnsigned) {
      throw new PkgtrackError({
        code: 'REPO_NO_SIGNER',
        kind: 'environment',
        message: `refusing to publish ${suite} unsigned: dnf with repo_gpgcheck=1 would reject it`,
        fix: 'Configure a signing key (pkgtrack key generate) or pass --allow-unsigned for a test repository.',
      });
    }
    const gen = generationName(repomd, asc ?? '');
    const genDir = `${suite}/.repodata/${gen}`;
    const genFiles: string[] = [];
    const put = async (name: string, data: Uint8Array) => {
      await ctx.tx.writeContentAddressed(`${genDir}/${name}`, data);
      genFiles.push(`${genDir}/${name}`);
    };
    for (const f of files) await put(f.name, f.bytes);
    // Metadata files of the generations still kept, so a client holding an older repomd.xml
    // can still fetch what it names through the (switched) repodata link.
    const scope = `yum/${suite}`;
    const policy = ctx.tx.generationPolicy;
    const names = new Set(files.map((f) => f.name));
    for (const g of keptGenerations(await readGenerations(ctx.root, scope), policy, ctx.now())) {
      for (const rel of g.files) {
        const name = basename(rel);
        if (names.has(name) || !/-(primary|filelists|other)\.xml\.(gz|zst)$/.test(name)) continue;
        // Content-addressed and immutable: present means intact (repo verify re-hashes).
        if (!(await ifExists(stat(join(ctx.root, rel))))) continue;
        names.add(name);
        await ctx.tx.linkContentAddressed(`${genDir}/${name}`, rel);
        genFiles.push(`${genDir}/${name}`);
      }
    }
    await put('repomd.xml', repomd);
    if (asc) await put('repomd.xml.asc', Buffer.from(asc, 'utf8'));
    ctx.tx.keepGeneration(scope, genFiles, [`${suite}/.repodata`]);
    await this.stageUserFiles(ctx, suite);
    // A tree restored from a static host holds `repodata` as a directory: adopted once verified.
    await adoptRestoredRepodata(ctx.root, suite, this.opts.publicKeys ?? this.verifiedKeys, ctx.tx.dryRun);
    await ctx.tx.stageSymlinkLast(`${suite}/repodata`, `.repodata/${gen}`);
    return genFiles;
  }

  private async stageUserFiles(ctx: RepoContext, suite: string): Promise<void> {
    for (const [rel, text] of userFiles(ctx.root, suite, this.opts, this.opts.publicKeys ?? this.verifiedKeys))
      await ctx.tx.stage(rel, text);
  }

  async refresh(ctx: RepoContext, suites?: string[]): Promise<PublishReport[]> {
    const out: PublishReport[] = [];
    for (const suite of suites ?? [ctx.options.suite]) {
      out.push(await this.publish({ ...ctx, options: { ...ctx.options, suite } }, { add: [], remove: [] }, true));
    }
    return out;
  }

  async list(root: string, suite?: string): Promise<PublishedPackage[]> {
    const suites = suite ? [suite] : await listYumSuites(root);
    const out: PublishedPackage[] = [];
    for (const s of suites) for (const e of (await readManifest(root, s)).packages) out.push(toPublished(s, e));
    return out;
  }

  verify(target: string, opts: { keyring?: string; fingerprints?: string[] }): Promise<VerifyReport> {
    return verifyYumRepo(target, opts);
  }
}

export { checkSuite, listYumSuites, readManifest, type YumEntry } from './suite-state.js';
