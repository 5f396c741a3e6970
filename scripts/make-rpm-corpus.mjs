#!/usr/bin/env node
/**
 * Builds the RPM test corpus used by test/formats/rpm* and test/repo/yum* and bench/yum.ts:
 * generated spec files (varied epochs, dependencies of every kind with flags, rich deps,
 * Requires(pre) with scriptlets, files, dirs, ghosts, configs, changelogs of various lengths,
 * noarch and arch packages), built with `rpmbuild -bb`. Each spec has many subpackages so one
 * rpmbuild run yields many RPMs (fast on 2 cores).
 *
 * Output: .cache/rpm-corpus/rpms/*.rpm (cached: rerun is a no-op when the stamp matches).
 * Usage: node scripts/make-rpm-corpus.mjs [--specs N] [--subs M] [--payload-kb K] [--out DIR]
 * --payload-kb adds K KiB of random (incompressible) data to every package, stored with fast
 * gzip: the benchmark corpus (bench/yum.ts) is sized like a real repository that way.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SPECS = Number(opt('specs', '24'));
const SUBS = Number(opt('subs', '13'));
const OUT = resolve(opt('out', join(import.meta.dirname, '..', '.cache', 'rpm-corpus')));
const PAYLOAD_KB = Number(opt('payload-kb', '0'));
const VERSION_STAMP = `v3 specs=${SPECS} subs=${SUBS}${PAYLOAD_KB ? ` payload=${PAYLOAD_KB}` : ''}`;

const stampFile = join(OUT, 'stamp');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === VERSION_STAMP) {
  console.log(`rpm corpus up to date: ${OUT}/rpms`);
  process.exit(0);
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'specs'), { recursive: true });
mkdirSync(join(OUT, 'rpms'), { recursive: true });

const LICENSES = ['MIT', 'GPL-2.0-or-later', 'Apache-2.0', 'BSD-3-Clause', 'LGPL-2.1-only AND MIT'];
const FLAGS = ['>=', '=', '<', '<=', '>'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function changelog(s) {
  // 0..14 entries, newest first, dates strictly decreasing.
  const n = s % 15;
  const out = [];
  let t = Date.UTC(2025, 10, 1) - s * 86400000;
  for (let i = 0; i < n; i++) {
    const d = new Date(t);
    const day = DAYS[(d.getUTCDay() + 6) % 7];
    out.push(
      `* ${day} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()} Packager ${s} <p${s}@example.org> - ${s}.${n - i}-1`,
      `- change ${i} of spec ${s}: fixes & <improvements> "quoted"`,
      i % 3 === 0 ? `- second line for entry ${i} — ünïcode` : '',
      '',
    );
    t -= 86400000 * (1 + (i % 4));
  }
  return out.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

function depLines(s, j, name) {
  const l = [];
  const f = (k) => FLAGS[(s + j + k) % FLAGS.length];
  l.push(`Requires: bash ${f(0)} ${4 + (j % 3)}.${j}`);
  if (j > 0) l.push(`Requires: pkgc${s}-main = %{?epoch:%{epoch}:}%{version}-%{release}`);
  if (j % 2 === 0) l.push('Requires: /bin/sh');
  if (j % 3 === 0) l.push(`Requires(pre): shadow-utils`, `Requires(pre): /usr/sbin/useradd`);
  if (j % 4 === 1) l.push(`Requires(post): coreutils >= 8`, `Requires(preun): grep`);
  if (j % 5 === 2) l.push(`Requires(postun): sed`, 'Requires: sed');
  l.push(`Provides: pkgc-virtual-${s}-${j} = ${j}.${s}`, `Provides: config(${name}-extra)`);
  if (j % 2 === 1) l.push(`Provides: libpkgc${s}_${j}.so.1()(64bit)`);
  if (j % 3 === 1) l.push(`Conflicts: oldthing${j} ${f(1)} ${s % 4}:1.${j}-2`);
  if (j % 4 === 2) l.push(`Obsoletes: ${name}-legacy < 2.0`, `Obsoletes: ${name}-ancient`);
  if (j % 3 === 2) l.push(`Recommends: weakdep${j}`, `Recommends: (pkgc-a${s} if pkgc-b${j})`);
  if (j % 4 === 3) l.push(`Suggests: suggested${s} >= 1.0`);
  if (j % 5 === 3) l.push(`Supplements: (pkgc${s}-main and langpacks-x${j})`);
  if (j % 6 === 4) l.push(`Enhances: enhanced${j} > 0.1`);
  if (j % 7 === 5) l.push(`Requires: (pkgc-rich${j} >= 1.0 or pkgc-alt${j})`);
  return l;
}

function filesSection(s, j, name) {
  const l = [`%files${j === 0 ? '' : ` -n ${name}`}`];
  const base = `/usr/share/pkgc/${name}`;
  l.push(`%dir ${base}`, `${base}/data-*.txt`);
  if (PAYLOAD_KB) l.push(`${base}/blob.bin`);
  if (j % 2 === 0) l.push(`%dir ${base}/sub`, `${base}/sub/nested.txt`);
  if (j % 3 === 0) l.push(`/usr/bin/${name}`);
  if (j % 4 === 0) l.push(`%config(noreplace) /etc/${name}.conf`);
  if (j % 5 === 1) l.push(`%ghost /var/log/${name}.log`, `%ghost %dir /var/lib/${name}`);
  if (j % 6 === 2) l.push(`/usr/sbin/${name}d`);
  if (j % 7 === 3) l.push(`"${base}/with space.txt"`, `${base}/ünï.txt`);
  if (j % 8 === 4) l.push(`${base}/link`);
  if (j % 9 === 5) l.push(`%dir /etc/${name}.d`);
  return l;
}

function installSection(s, j, name) {
  const base = `%{buildroot}/usr/share/pkgc/${name}`;
  const l = [`mkdir -p ${base}`];
  const nfiles = 1 + ((s * 7 + j * 3) % 6);
  l.push(`for i in $(seq 1 ${nfiles}); do echo "${name} file $i" > ${base}/data-$i.txt; done`);
  if (j % 2 === 0) l.push(`mkdir -p ${base}/sub && echo nested > ${base}/sub/nested.txt`);
  if (j % 3 === 0) l.push(`mkdir -p %{buildroot}/usr/bin && printf '#!/bin/sh\\necho ${name}\\n' > %{buildroot}/usr/bin/${name} && chmod 755 %{buildroot}/usr/bin/${name}`);
  if (j % 4 === 0) l.push(`mkdir -p %{buildroot}/etc && echo "key=${j}" > %{buildroot}/etc/${name}.conf`);
  if (j % 5 === 1) l.push(`mkdir -p %{buildroot}/var/log %{buildroot}/var/lib/${name}`);
  if (j % 6 === 2) l.push(`mkdir -p %{buildroot}/usr/sbin && echo d > %{buildroot}/usr/sbin/${name}d && chmod 755 %{buildroot}/usr/sbin/${name}d`);
  if (j % 7 === 3) l.push(`echo sp > "${base}/with space.txt" && echo u > ${base}/ünï.txt`);
  if (j % 8 === 4) l.push(`ln -s data-1.txt ${base}/link`);
  if (j % 9 === 5) l.push(`mkdir -p %{buildroot}/etc/${name}.d`);
  if (PAYLOAD_KB) l.push(`head -c ${PAYLOAD_KB * 1024} /dev/urandom > ${base}/blob.bin`);
  return l;
}

function spec(s) {
  const arch = s % 4 === 3 ? null : 'noarch';
  const mainName = `pkgc${s}-main`;
  const pkgs = [];
  for (let j = 0; j <= SUBS; j++) pkgs.push(j === 0 ? mainName : `pkgc${s}-sub${j}`);
  const L = [
    '%global debug_package %{nil}',
    '%global __os_install_post %{nil}',
    '%define _build_id_links none',
    ...(PAYLOAD_KB ? ['%define _binary_payload w1.gzdio'] : []),
    `Name: ${mainName}`,
    ...(s % 3 === 0 ? [`Epoch: ${s % 7}`] : []),
    `Version: ${1 + (s % 5)}.${s}.${s % 3}`,
    `Release: ${1 + (s % 4)}${s % 2 ? '.fc41' : ''}`,
    `Summary: Main package of corpus spec ${s} & friends <test>`,
    `License: ${LICENSES[s % LICENSES.length]}`,
    ...(s % 2 === 0 ? [`URL: https://example.org/pkgc/${s}?a=1&b=2`] : []),
    ...(s % 3 !== 1 ? [`Vendor: Corpus Vendor ${s % 4}`] : []),
    ...(s % 4 !== 2 ? [`Packager: Corpus Packager <corpus${s}@example.org>`] : []),
    ...(s % 2 === 1 ? [`Group: Applications/Test${s % 3}`] : []),
    ...(arch ? [`BuildArch: ${arch}`] : []),
    ...depLines(s, 0, mainName),
    '',
    '%description',
    `Main package of spec ${s}.`,
    '',
    `Second paragraph with <xml> & "entities" and ünïcode (spec ${s}).`,
    '',
  ];
  for (let j = 1; j <= SUBS; j++) {
    const name = pkgs[j];
    L.push(`%package -n ${name}`, `Summary: Subpackage ${j} of spec ${s}`);
    if (j % 5 === 4) L.push(`License: ${LICENSES[(s + j) % LICENSES.length]}`);
    if (j % 6 === 1) L.push(`Group: Development/Sub${j}`);
    if (!arch && j % 4 === 0) L.push('BuildArch: noarch');
    L.push(...depLines(s, j, name), '', `%description -n ${name}`, `Subpackage ${j} of spec ${s}.${j % 2 ? '\nMore text.' : ''}`, '');
  }
  L.push('%prep', '%build', '%install');
  for (let j = 0; j <= SUBS; j++) L.push(...installSection(s, j, pkgs[j]));
  L.push('');
  for (let j = 0; j <= SUBS; j++) {
    if (j % 3 === 0) L.push(`%pre${j === 0 ? '' : ` -n ${pkgs[j]}`}`, 'getent group pkgc >/dev/null || true', '');
    if (j % 4 === 1) L.push(`%post -n ${pkgs[j]}`, 'true', '');
    L.push(...filesSection(s, j, pkgs[j]), '');
  }
  L.push('%changelog', changelog(s), '');
  return L.join('\n');
}

function build(specPath, top) {
  return new Promise((res, rej) => {
    const p = spawn(
      'rpmbuild',
      ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${join(OUT, 'rpms')}`, '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm', specPath],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (c) => (c === 0 ? res() : rej(new Error(`rpmbuild ${specPath} failed:\n${err}`))));
  });
}

const t0 = Date.now();
const queue = [];
for (let s = 0; s < SPECS; s++) {
  const p = join(OUT, 'specs', `pkgc${s}.spec`);
  writeFileSync(p, spec(s));
  const top = join(OUT, 'top', String(s));
  // Made here, not by rpmbuild: two rpmbuilds creating the shared parent at once can fail with
  // "failed to create directory %{_topdir}: File exists".
  mkdirSync(top, { recursive: true });
  queue.push([p, top]);
}
const workers = Array.from({ length: 2 }, async () => {
  while (queue.length) {
    const [p, top] = queue.shift();
    await build(p, top);
  }
});
await Promise.all(workers);
rmSync(join(OUT, 'top'), { recursive: true, force: true });
const rpms = readdirSync(join(OUT, 'rpms')).filter((f) => f.endsWith('.rpm'));
writeFileSync(stampFile, VERSION_STAMP);
console.log(`built ${rpms.length} rpms from ${SPECS} specs in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${OUT}/rpms`);
