/**
 * Changelogs for `apt changelog` (and apt-listchanges' online mode), as Debian's archive serves
 * them at metadata.ftp-master.debian.org. apt reads the Release field `Changelogs:`, a URL
 * template, and replaces `@CHANGEPATH@` with `<component>/<prefix>/<source>/<source>_<version>`
 * (the source version without its epoch; prefix as in the pool: `libf` for libfoo, else the
 * first letter). Without the field apt answers "Changelog unavailable" for any package of a
 * third-party repository, installed or not.
 *
 * The file for a source version is its `debian/changelog`, taken from the published source
 * package; it sits at `changelogs/<CHANGEPATH>_changelog` beside the pool, mirroring the .dsc's
 * pool path, so it is as immutable as the .dsc and leaves when the .dsc leaves. Pure.
 */
import { compressionOf, decompress } from '../../formats/compress.js';
import { readTar, tarHasFile } from '../../formats/tar.js';

/** Where the changelogs live, relative to the apt repository root. */
export const CHANGELOGS_DIR = 'changelogs';

/** The Release `Changelogs:` template for a repository whose apt root is served at `aptUrl`. */
export const changelogsTemplate = (aptUrl: string) => `${aptUrl.replace(/\/+$/, '')}/${CHANGELOGS_DIR}/@CHANGEPATH@_changelog`;

/**
 * The changelog's path for the .dsc at `dscPoolPath` (`pool/main/h/hello/hello_2.10-3.dsc` ->
 * `changelogs/main/h/hello/hello_2.10-3_changelog`): apt's CHANGEPATH is the pool path's.
 */
export function changelogPathFor(dscPoolPath: string): string | undefined {
  const m = /^pool\/(.+)\.dsc$/.exec(dscPoolPath);
  return m ? `${CHANGELOGS_DIR}/${m[1]}_changelog` : undefined;
}

/** The largest debian/changelog read (Debian's longest are a few MB). */
const MAX_CHANGELOG = 16 * 1024 * 1024;
/** The largest decompressed tarball searched (a native package's whole source). */
const MAX_TAR = 512 * 1024 * 1024;

/**
 * `debian/changelog` of a source package, from the files its .dsc lists: the debian.tar.* of a
 * "3.0 (quilt)" package, the one tarball of a native one (`<dir>/debian/changelog`), or the
 * diff.gz of a "1.0" one. Undefined when there is none this can read (bzip2, no changelog).
 */
export function sourceChangelog(files: ReadonlyArray<{ name: string; bytes: () => Uint8Array }>): string | undefined {
  const diff = files.find((f) => /\.diff\.gz$/.test(f.name));
  if (diff) return changelogFromDiff(Buffer.from(decompress(diff.bytes(), 'gz', diff.name, MAX_TAR)).toString('utf8'));
  const debianTar = files.find((f) => /\.debian\.tar\.[a-z0-9]+$/.test(f.name));
  const tarballs = debianTar
    ? [debianTar]
    : files.filter((f) => /\.tar\.[a-z0-9]+$/.test(f.name) && !/\.orig(-[^.]+)?\.tar\./.test(f.name));
  if (tarballs.length !== 1) return undefined;
  const tarball = tarballs[0]!;
  const kind = compressionOf(tarball.name);
  if (!kind) return undefined;
  const wanted = (name: string) => name === 'debian/changelog' || /^[^/]+\/debian\/changelog$/.test(name);
  let found: string | undefined;
  const tar = decompress(tarball.bytes(), kind, tarball.name, MAX_TAR, (out) => {
    // Stop decoding once the changelog is complete (it comes early in a debian.tar).
    found ??= findName(out, wanted);
    return found !== undefined && tarHasFile(out, found);
  });
  const entry = readTarLenient(tar, wanted);
  if (!entry || entry.size > MAX_CHANGELOG) return undefined;
  return Buffer.from(entry.data).toString('utf8');
}

/** The first regular-file name in the tar bytes so far that `wanted` accepts. */
function findName(bytes: Uint8Array, wanted: (name: string) => boolean): string | undefined {
  const e = readTarLenient(bytes, wanted);
  return e?.name;
}

/** readTar up to the first wanted regular file; a stream cut mid-archive is not an error here. */
function readTarLenient(bytes: Uint8Array, wanted: (name: string) => boolean) {
  try {
    return readTar(bytes, 'tar', (e) => e.type === '0' && wanted(e.name)).find((e) => e.type === '0' && wanted(e.name));
  } catch {
    return undefined;
  }
}

/**
 * debian/changelog from a "1.0" source's diff: the file is new there (`--- x.orig/debian/changelog`
 * against nothing, one hunk `@@ -0,0 +1,N @@`), so its text is the hunk's added lines.
 */
export function changelogFromDiff(diff: string): string | undefined {
  const lines = diff.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\+\+\+ [^/\s]+\/debian\/changelog(\s|$)/.test(lines[i]!)) continue;
    const hunk = /^@@ -0,0 \+1(?:,(\d+))? @@/.exec(lines[i + 1] ?? '');
    if (!hunk) return undefined; // a changed, not a created, changelog: not a 1.0 diff's
    const n = hunk[1] === undefined ? 1 : Number(hunk[1]);
    const body = lines.slice(i + 2, i + 2 + n);
    if (body.length !== n || body.some((l) => !l.startsWith('+'))) return undefined;
    const noEol = lines[i + 2 + n] === '\\ No newline at end of file';
    return body.map((l) => l.slice(1)).join('\n') + (noEol ? '' : '\n');
  }
  return undefined;
}
