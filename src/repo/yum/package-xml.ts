/**
 * One package's entries in primary.xml, filelists.xml and other.xml, following createrepo_c's
 * rules exactly (parsehdr.c + xml_dump_*.c): which requires are dropped (rpmlib(), primary files
 * the package itself ships, requires it provides itself, repeats), how `pre` is computed, the
 * libc.so.6 filtering, which files go to primary, the changelog limit and its timestamp nudge.
 * Pure: an RpmPackage plus file facts in, XML text out. The fragments are cached per file so an
 * incremental publish never re-reads unchanged packages.
 */
import { rpmvercmp } from '../../formats/version-rpm.js';
import type { RpmChangelog, RpmDependency, RpmPackage } from '../../formats/rpm/package.js';
import { Sense } from '../../formats/rpm/tags.js';

export interface PackageFileFacts {
  /** sha256 of the whole .rpm: the pkgid. */
  sha256: string;
  size: number;
  /** File mtime in seconds (createrepo_c's `time file=`). */
  mtime: number;
  /** Location relative to the repository directory, e.g. `Packages/f/foo-1-1.noarch.rpm`. */
  href: string;
}

export interface PackageXml {
  primary: string;
  filelists: string;
  other: string;
}

/** createrepo_c's default `--changelog-limit`. */
export const DEFAULT_CHANGELOG_LIMIT = 10;

// Characters XML 1.0 cannot carry at all; libxml2 would refuse them, so they are dropped.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escText(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function escAttr(s: string): string {
  return escText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

const FLAG_NAMES: Record<number, string> = { 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' };

interface Evr {
  epoch: string | undefined;
  version: string | undefined;
  release: string | undefined;
  badEpoch: boolean;
}

/** cr_str_to_evr: `[E:]V[-R]`, epoch "0" when absent, the FIRST dash after the epoch splits V and R. */
export function parseEvr(s: string): Evr {
  if (!s) return { epoch: undefined, version: undefined, release: undefined, badEpoch: false };
  let rest = s;
  let epoch: string | undefined;
  let badEpoch = false;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    // strtol semantics: optional leading whitespace and sign, then digits, must end at the colon.
    const prefix = s.slice(0, colon);
    if (prefix === '') epoch = undefined;
    else if (/^\s*[+-]?\d+$/.test(prefix)) epoch = prefix;
    else badEpoch = true;
    rest = s.slice(colon + 1);
  }
  if (!epoch && !badEpoch) epoch = '0';
  const dash = rest.indexOf('-');
  if (dash < 0) return { epoch, version: rest, release: undefined, badEpoch };
  const release = rest.slice(dash + 1);
  return { epoch, version: rest.slice(0, dash), release: release || undefined, badEpoch };
}

/** cr_is_primary: the files yum expects in primary.xml. */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path === '/usr/lib/sendmail' || path.includes('bin/');
}

interface Dep {
  name: string;
  flags: string | undefined;
  evr: Evr;
  pre: boolean;
}

const depKey = (d: RpmDependency, flags: string | undefined) => `${d.name}${flags ?? ''}${d.version}`;

/** libc.so.6(GLIBC_2.x) ordering from createrepo_c: 2 when b is the newer one. */
function compareLibc(a: string, b: string): number {
  const va = a.match(/\(([^)]*)\)/);
  const vb = b.match(/\(([^)]*)\)/);
  if (!va && !vb) return 0;
  if (!va) return 2;
  if (!vb) return 1;
  const na = va[1]!.replace(/^\D*/, '');
  const nb = vb[1]!.replace(/^\D*/, '');
  if (!na && !nb) return 0;
  if (!na) return 2;
  if (!nb) return 1;
  return rpmvercmp(na, nb) < 0 ? 2 : rpmvercmp(na, nb) > 0 ? 1 : 0;
}

function convertDeps(pkg: RpmPackage): Record<string, Dep[]> {
  const files = new Set(pkg.files.map((f) => f.path));
  const provided = new Set<string>();
  const out: Record<string, Dep[]> = {};
  const kinds = ['provides', 'conflicts', 'obsoletes', 'requires', 'suggests', 'enhances', 'recommends', 'supplements'] as const;
  for (const kind of kinds) {
    const list: Dep[] = [];
    const seen = new Map<string, { flags: string | undefined; version: string; pre: boolean }>();
    let libc: Dep | undefined;
    for (const d of pkg[kind]) {
      const flags = FLAG_NAMES[d.flags & 0xf];
      let pre = false;
      if (kind === 'requires') {
        if (d.name.startsWith('rpmlib(')) continue;
        if (d.name.startsWith('/') && files.has(d.name) && isPrimaryFile(d.name)) continue;
        if (provided.has(depKey(d, flags))) continue;
        pre = (d.flags & (Sense.PREREQ | Sense.SCRIPT_PRE | Sense.SCRIPT_POST)) !== 0;
        const prev = seen.get(d.name);
        if (prev && prev.flags === flags && prev.version === d.version && prev.pre === pre) continue;
      }
      const evr = parseEvr(d.version);
      if (d.version && evr.badEpoch) continue; // createrepo_c warns and skips it
      const dep: Dep = { name: d.name, flags, evr, pre };
      if (kind === 'provides') provided.add(depKey(d, flags));
      if (kind === 'requires') {
        if (d.name.startsWith('libc.so.6')) {
          if (!libc || compareLibc(libc.name, d.name) === 2) libc = dep;
          continue;
        }
        seen.set(d.name, { flags, version: d.version, pre });
      }
      list.push(dep);
    }
    // createrepo_c prepends the chosen libc requirement to its reversed list: it ends up last.
    if (libc) list.push(libc);
    out[kind] = list;
  }
  return out;
}

function entryXml(d: Dep, withPre: boolean): string {
  let s = `      <rpm:entry name="${escAttr(d.name)}"`;
  if (d.flags) {
    s += ` flags="${d.flags}"`;
    if (d.evr.epoch) s += ` epoch="${escAttr(d.evr.epoch)}"`;
    if (d.evr.version) s += ` ver="${escAttr(d.evr.version)}"`;
    if (d.evr.release) s += ` rel="${escAttr(d.evr.release)}"`;
  }
  if (withPre && d.pre) s += ' pre="1"';
  return `${s}/>\n`;
}

function fileXml(path: string, type: string, indent: string): string {
  return `${indent}<file${type === 'file' ? '' : ` type="${type}"`}>${escText(path)}</file>\n`;
}

/** The changelog entries createrepo_c keeps, oldest first, with its same-second nudge. */
export function selectChangelogs(entries: readonly RpmChangelog[], limit = DEFAULT_CHANGELOG_LIMIT): RpmChangelog[] {
  const list: RpmChangelog[] = [];
  let lastTime = 0;
  for (const e of entries) {
    if (!(limit > 0 || limit === -1)) break;
    const author = e.author.length > 1 ? e.author.replace(/(?<=.) +$/, '') : e.author;
    list.unshift({ author, time: e.time, text: e.text });
    if (limit !== -1) limit--;
    if (lastTime === e.time) {
      let t = e.time;
      for (let i = 1; i < list.length && list[i]!.time === t; i++) {
        list[i]!.time++;
        t++;
      }
    } else lastTime = e.time;
  }
  return list;
}

function versionXml(pkg: RpmPackage, indent: string): string {
  return `${indent}<version epoch="${pkg.epoch ?? 0}" ver="${escAttr(pkg.version)}" rel="${escAttr(pkg.release)}"/>\n`;
}

export function packageXml(pkg: RpmPackage, file: PackageFileFacts, changelogLimit = DEFAULT_CHANGELOG_LIMIT): PackageXml {
  const deps = convertDeps(pkg);
  let p = '<package type="rpm">\n';
  p += `  <name>${escText(pkg.name)}</name>\n`;
  p += `  <arch>${escText(pkg.arch)}</arch>\n`;
  p += versionXml(pkg, '  ');
  p += `  <checksum type="sha256" pkgid="YES">${file.sha256}</checksum>\n`;
  p += `  <summary>${escText(pkg.summary)}</summary>\n`;
  p += `  <description>${escText(pkg.description)}</description>\n`;
  p += `  <packager>${escText(pkg.packager)}</packager>\n`;
  p += `  <url>${escText(pkg.url)}</url>\n`;
  p += `  <time file="${file.mtime}" build="${pkg.buildTime}"/>\n`;
  p += `  <size package="${file.size}" installed="${pkg.installedSize}" archive="${pkg.archiveSize}"/>\n`;
  p += `  <location href="${escAttr(file.href)}"/>\n`;
  p += '  <format>\n';
  p += `    <rpm:license>${escText(pkg.license)}</rpm:license>\n`;
  p += `    <rpm:vendor>${escText(pkg.vendor)}</rpm:vendor>\n`;
  p += `    <rpm:group>${escText(pkg.group)}</rpm:group>\n`;
  p += `    <rpm:buildhost>${escText(pkg.buildHost)}</rpm:buildhost>\n`;
  p += `    <rpm:sourcerpm>${escText(pkg.sourceRpm)}</rpm:sourcerpm>\n`;
  p += `    <rpm:header-range start="${pkg.layout.headerStart}" end="${pkg.layout.headerEnd}"/>\n`;
  for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements']) {
    const list = deps[kind]!;
    if (!list.length) continue;
    p += `    <rpm:${kind}>\n`;
    for (const d of list) p += entryXml(d, kind === 'requires');
    p += `    </rpm:${kind}>\n`;
  }
  for (const f of pkg.files) if (isPrimaryFile(f.path)) p += fileXml(f.path, f.type, '    ');
  p += '  </format>\n</package>\n';

  const head = `<package pkgid="${file.sha256}" name="${escAttr(pkg.name)}" arch="${escAttr(pkg.arch)}">\n${versionXml(pkg, '  ')}`;
  let fl = head;
  for (const f of pkg.files) fl += fileXml(f.path, f.type, '  ');
  fl += '</package>\n';
  let o = head;
  for (const c of selectChangelogs(pkg.changelogs, changelogLimit)) {
    o += `  <changelog author="${escAttr(c.author)}" date="${c.time}">${escText(c.text)}</changelog>\n`;
  }
  o += '</package>\n';
  return { primary: p, filelists: fl, other: o };
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Whole documents from per-package fragments (in the order given). */
export function primaryDocument(fragments: readonly string[]): string {
  return `${XML_DECL}<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${fragments.length}">\n${fragments.join('')}</metadata>`;
}

export function filelistsDocument(fragments: readonly string[]): string {
  return `${XML_DECL}<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${fragments.length}">\n${fragments.join('')}</filelists>`;
}

export function otherDocument(fragments: readonly string[]): string {
  return `${XML_DECL}<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${fragments.length}">\n${fragments.join('')}</otherdata>`;
}
