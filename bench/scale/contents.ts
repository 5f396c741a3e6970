/**
 * The `contents` part of `npm run bench -- scale`: apt with Contents-<arch>.gz (what apt-file
 * searches) for N .debs of 26 files each (make-debs.ts), cold publish and add one, side by
 * side, every tool writing Contents:
 *   pkgtrack  inside a recipes repository with `contents: true` (the web page on, as users run it)
 *   reprepro  `Contents: .gz` (and Packages .gz + .xz, like the apt part)
 *   aptly     repo add + publish (aptly writes Contents unless told -skip-contents)
 * Each tool's Contents is checked: every package's files, the added one's too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { debFile, makeDeb, makeDebs } from './make-debs.js';
import { benchSideBySide, recipesRepo, row, sh } from './harness.js';
import { aptly, reprepro } from './peers.js';

/** Files in each package beside its README. */
const FILES = 25;

export interface BenchKey {
  home: string;
  fpr: string;
  secret: string;
}

export function contentsAt(n: number, work: string, key: BenchKey, cache: string, cli: string): void {
  const debs = makeDebs(cache, n, FILES);
  execFileSync('dpkg-deb', ['--contents', join(debs, debFile('scale-000000'))], { stdio: 'ignore' });
  const extra = join(work, debFile('bench-added'));
  writeFileSync(extra, makeDeb('bench-added', '1.0-1', undefined, { files: FILES }));
  const env = { ...process.env, GNUPGHOME: key.home, PKGTRACK_KEY_PASSPHRASE: '' };
  let serial = 0;
  const fresh = (name: string) => join(work, `${name}-contents-${n}-${++serial}`);

  let repo = '';
  const pk = (args: string[]) => sh(process.execPath, [cli, 'publish', '-q', '--suite', 'bookworm', ...args], { cwd: repo, env });
  const pkCold = {
    name: 'pkgtrack',
    setup: () => void (repo = recipesRepo(fresh('pk'), key.secret, ['contents: true'])),
    run: () => pk([debs]),
  };
  const pkAdd = {
    name: 'pkgtrack',
    setup: (i: number) => {
      if (i > 0) sh(process.execPath, [cli, 'repo', 'remove', '-q', 'bench-added', '--suite', 'bookworm'], { cwd: repo, env });
    },
    run: () => pk([extra]),
  };

  const peer = { fresh, key, env, extra, contents: true };
  const rr = reprepro({ ...peer, debs: execFileSync('find', [debs, '-name', '*.deb']).toString().trim().split('\n') });
  const ap = aptly({ ...peer, debsDir: debs });

  const [pkColdS, rrColdS, aptlyColdS] = benchSideBySide([pkCold, rr.cold, ap.cold]);
  const [pkAddS, rrAddS, aptlyAddS] = benchSideBySide([pkAdd, rr.add, ap.add]);
  // Every tool's Contents lists every package's files, the added one's too.
  for (const [tool, dists] of [
    ['pkgtrack', join(repo, 'public/apt/dists')],
    ['reprepro', join(rr.published(), 'dists')],
    ['aptly', join(ap.published(), 'dists')],
  ] as const) {
    const file = join(dists, 'bookworm/main/Contents-amd64.gz');
    const text = gunzipSync(readFileSync(file)).toString();
    const owners = (text.match(/^usr\/lib\/[^/]+\/module-0\.py\s/gm) ?? []).length;
    if (owners !== n + 1 || !/^usr\/lib\/bench-added\/module-24\.py\s+\S*bench-added$/m.test(text))
      throw new Error(`${tool}: ${file} lists module-0.py for ${owners} packages (wanted ${n + 1}), or not bench-added's files`);
  }
  row([`apt cold with Contents, ${n} .debs of ${FILES + 1} files`, pkColdS, 'reprepro includedeb (Contents: .gz)', rrColdS]);
  row([`apt cold with Contents, ${n} .debs of ${FILES + 1} files`, pkColdS, 'aptly repo add + publish repo', aptlyColdS]);
  row([`apt add one with Contents to ${n}`, pkAddS, 'reprepro includedeb (Contents: .gz)', rrAddS]);
  row([`apt add one with Contents to ${n}`, pkAddS, 'aptly repo add + publish update', aptlyAddS]);
}
