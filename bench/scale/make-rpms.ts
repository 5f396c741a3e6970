/**
 * N small valid .rpms for `npm run bench -- scale`: rpmbuild builds ONE package, `scale-000000`
 * (noarch, one file /usr/share/scale-000000/README, uncompressed cpio payload); every other
 * package is that one with its name (same length: `scale-<6 digits>`) written over the
 * template's in the lead, the header and the payload, and its digests made again: the payload
 * digests in the main header, then the SHA-1/SHA-256 header digests and the MD5 in the
 * signature header (formats/rpm's reader finds them; rpmDigestProblems checks every one, and
 * the bench checks a sample with `rpm -K` and `rpm -qp`). ~0.1 ms per package instead of
 * rpmbuild's ~35 ms of CPU. Cached under .cache/scale/rpms-<n> (a stamp file says it is whole).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getNumber, getString, getStrings, type RpmHeader } from '../../src/formats/rpm/header.js';
import { readRpmHeaders } from '../../src/formats/rpm/package.js';
import { rpmDigestProblems } from '../../src/formats/rpm/digests.js';
import { SigTag, Tag } from '../../src/formats/rpm/tags.js';

export const rpmName = (i: number) => `scale-${String(i).padStart(6, '0')}`;
const TEMPLATE = rpmName(0);

const SPEC = [
  `Name: ${TEMPLATE}`,
  'Version: 1.0',
  'Release: 1',
  `Summary: scale bench package ${TEMPLATE}`,
  'License: MIT',
  'BuildArch: noarch',
  // No dependency generators, no debuginfo, no brp scripts.
  'AutoReqProv: no',
  '%global debug_package %{nil}',
  '%global __os_install_post %{nil}',
  '%description',
  `Package ${TEMPLATE}, generated to measure publishing at scale.`,
  '%install',
  `mkdir -p %{buildroot}/usr/share/${TEMPLATE}; echo bench > %{buildroot}/usr/share/${TEMPLATE}/README`,
  `%files`,
  `/usr/share/${TEMPLATE}/README`,
  '',
].join('\n');

function template(top: string): Buffer {
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const spec = join(top, 'SPECS', 'scale.spec');
  writeFileSync(spec, SPEC);
  const r = spawnSync(
    'rpmbuild',
    ['--define', `_topdir ${top}`, '--define', '_binary_payload w.ufdio', '--define', '_build_id_links none', '--quiet', '-bb', spec],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`rpmbuild ${spec} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return readFileSync(join(top, 'RPMS', 'noarch', `${TEMPLATE}-1.0-1.noarch.rpm`));
}

/** Offset in `rpm` of the data of `tag` in header `h` (a string: its first byte). */
const dataAt = (rpm: Buffer, h: RpmHeader, tag: number) => {
  const e = h.byTag.get(tag);
  if (!e) throw new Error(`template rpm has no tag ${tag}`);
  return h.data.byteOffset - rpm.byteOffset + e.offset;
};

/** The template with every `scale-000000` renamed to `name`, its digests made again. */
function renamed(rpm: Buffer, name: string): Buffer {
  const out = Buffer.from(rpm);
  const from = Buffer.from(TEMPLATE);
  for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + from.length)) out.write(name, at, 'latin1');
  const { signature: sig, main, layout } = readRpmHeaders(out);
  const hex = (algo: string, b: Uint8Array) => createHash(algo).update(b).digest('hex');
  const payload = out.subarray(layout.headerEnd);
  if (getNumber(main, Tag.PAYLOADDIGESTALGO) !== 8) throw new Error('template rpm: payload digest is not SHA-256');
  // PAYLOADDIGEST and its ALT twin (the uncompressed payload: the same bytes, uncompressed).
  for (const tag of [Tag.PAYLOADDIGEST, 5097]) if (main.byTag.has(tag)) out.write(hex('sha256', payload), dataAt(out, main, tag), 'latin1');
  const header = out.subarray(layout.headerStart, layout.headerEnd);
  out.write(hex('sha256', header), dataAt(out, sig, SigTag.SHA256), 'latin1');
  if (sig.byTag.has(SigTag.SHA1)) out.write(hex('sha1', header), dataAt(out, sig, SigTag.SHA1), 'latin1');
  if (sig.byTag.has(SigTag.MD5))
    createHash('md5')
      .update(out.subarray(layout.headerStart))
      .digest()
      .copy(out, dataAt(out, sig, SigTag.MD5));
  return out;
}

/** `n` .rpms in `<cacheRoot>/rpms-<n>/` (made once); returns the directory. */
export async function makeRpms(cacheRoot: string, n: number): Promise<string> {
  const dir = join(cacheRoot, `rpms-${n}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const top = join(cacheRoot, `rpmbuild-${n}`);
  rmSync(top, { recursive: true, force: true });
  const tpl = template(top);
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (let i = 0; i < n; i++) {
    const rpm = renamed(tpl, rpmName(i));
    if (i % 997 === 0 || i === n - 1) {
      const h = readRpmHeaders(rpm);
      const problems = rpmDigestProblems(rpm, h);
      if (problems.length || getString(h.main, Tag.NAME) !== rpmName(i) || getStrings(h.main, Tag.PROVIDENAME)[0] !== rpmName(i))
        throw new Error(`generated ${rpmName(i)}: ${problems.join('; ') || 'name not rewritten'}`);
    }
    writeFileSync(join(tmp, `${rpmName(i)}-1.0-1.noarch.rpm`), rpm);
  }
  rmSync(top, { recursive: true, force: true });
  renameSync(tmp, dir);
  const count = readdirSync(dir).filter((f) => f.endsWith('.rpm')).length;
  if (count !== n) throw new Error(`made ${count} .rpms, wanted ${n}`);
  writeFileSync(join(dir, '.complete'), `${n}\n`);
  return dir;
}
