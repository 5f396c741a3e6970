/**
 * N small valid .rpms for `npm run bench -- scale`: specs of up to 500 subpackages each
 * (`scale-<i>`, one file apiece), built by rpmbuild two specs at a time, noarch, gzip payload.
 * Cached under .cache/scale/rpms-<n> (a stamp file says it is whole).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PER_SPEC = 500;

export const rpmName = (i: number) => `scale-${String(i).padStart(6, '0')}`;

function spec(s: number, from: number, to: number): string {
  const lines = [
    `Name: scale-spec-${s}`,
    'Version: 1.0',
    'Release: 1',
    'Summary: scale bench packages',
    'License: MIT',
    'BuildArch: noarch',
    // No dependency generators, no debuginfo, no brp scripts: most of rpmbuild's time per package.
    'AutoReqProv: no',
    '%global debug_package %{nil}',
    '%global __os_install_post %{nil}',
    '%description',
    'Generated to measure publishing at scale.',
  ];
  for (let i = from; i < to; i++) {
    lines.push(`%package -n ${rpmName(i)}`, `Summary: scale bench package ${i}`, `%description -n ${rpmName(i)}`, `Package ${i}.`);
  }
  lines.push(
    '%install',
    `for i in $(seq ${from} ${to - 1}); do n=$(printf 'scale-%06d' $i); mkdir -p %{buildroot}/usr/share/$n; echo $n > %{buildroot}/usr/share/$n/README; done`,
  );
  for (let i = from; i < to; i++) lines.push(`%files -n ${rpmName(i)}`, `/usr/share/${rpmName(i)}/README`);
  return `${lines.join('\n')}\n`;
}

function rpmbuild(top: string, specFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      'rpmbuild',
      [
        '--define',
        `_topdir ${top}`,
        '--define',
        '_binary_payload w1.gzdio',
        '--define',
        '_build_id_links none',
        '--quiet',
        '-bb',
        specFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    c.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`rpmbuild ${specFile} failed (${code}): ${err.slice(-2000)}`))));
  });
}

/** `n` .rpms in `<cacheRoot>/rpms-<n>/` (built once); returns the directory. */
export async function makeRpms(cacheRoot: string, n: number): Promise<string> {
  const dir = join(cacheRoot, `rpms-${n}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const top = join(cacheRoot, `rpmbuild-${n}`);
  rmSync(top, { recursive: true, force: true });
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const specs: string[] = [];
  for (let s = 0; s * PER_SPEC < n; s++) {
    const f = join(top, 'SPECS', `scale-${s}.spec`);
    writeFileSync(f, spec(s, s * PER_SPEC, Math.min(n, (s + 1) * PER_SPEC)));
    specs.push(f);
  }
  let next = 0;
  const worker = async () => {
    while (next < specs.length) await rpmbuild(top, specs[next++]!);
  };
  await Promise.all([worker(), worker()]);
  renameSync(join(top, 'RPMS', 'noarch'), dir);
  rmSync(top, { recursive: true, force: true });
  const count = readdirSync(dir).filter((f) => f.endsWith('.rpm')).length;
  if (count !== n) throw new Error(`built ${count} .rpms, wanted ${n}`);
  writeFileSync(join(dir, '.complete'), `${n}\n`);
  return dir;
}
