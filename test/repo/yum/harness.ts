/** Publishing a yum repository the way the publish service does: lock, transaction, format, commit. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Progress, silentProgress } from '../../../src/core/progress.js';
import { type IndexCache, PublishTransaction, type PublishReport, withRepoLock } from '../../../src/repo/format.js';
import { YumRepoFormat, type YumFormatOptions } from '../../../src/repo/yum/format.js';
import type { Signer } from '../../../src/sign/signer.js';

/** In-memory index cache that counts what it answers (the port's contract, no state store). */
export class CountingCache implements IndexCache {
  readonly map = new Map<string, string>();
  hits = 0;
  misses = 0;
  get(kind: string, key: { path: string; size: number; ctimeUs: number; ino: number }): string | undefined {
    const v = this.map.get(`${kind}|${key.path}|${key.size}|${key.ctimeUs}|${key.ino}`);
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }
  put(kind: string, key: { path: string; size: number; ctimeUs: number; ino: number }, value: string): void {
    this.map.set(`${kind}|${key.path}|${key.size}|${key.ctimeUs}|${key.ino}`, value);
  }
}

const quiet: Progress = silentProgress;

export interface PublishArgs {
  root: string;
  suite: string;
  add?: string[];
  remove?: Array<{ name: string; version?: string; arch?: string }>;
  signer?: Signer;
  publicKeyFile?: string;
  keep?: number;
  rebuild?: boolean;
  cache?: IndexCache;
  now?: () => Date;
  format?: YumFormatOptions;
  allowUnsigned?: boolean;
  /** Publish below the newest published version (tests that add versions out of order). */
  allowDowngrade?: boolean;
}

export async function publishYum(a: PublishArgs): Promise<PublishReport> {
  const publicKeys = a.publicKeyFile ? await readFile(a.publicKeyFile, 'utf8') : undefined;
  const format = new YumRepoFormat({ ...(publicKeys ? { publicKeys } : {}), ...a.format });
  const generations = { keep: 3, minAgeDays: 0 };
  return withRepoLock(a.root, { what: `publish ${a.suite}` }, async () => {
    const tx = new PublishTransaction(a.root, false, generations);
    const report = await format.publish(
      {
        root: a.root,
        tx,
        signer: a.signer,
        cache: a.cache ?? new CountingCache(),
        progress: quiet,
        now: a.now ?? (() => new Date()),
        options: {
          suite: a.suite,
          rebuild: a.rebuild ?? false,
          keepVersions: a.keep ?? 0,
          generations,
          validDays: 7,
          ...(a.allowUnsigned ? { allowUnsigned: true } : {}),
          ...(a.allowDowngrade ? { allowDowngrade: true } : {}),
        },
      },
      { add: (a.add ?? []).map((path) => ({ path })), remove: a.remove ?? [] },
    );
    report.commit = await tx.commit();
    return report;
  });
}

/** Build tiny `retained` packages of the given [E:]V-R with rpmbuild. */
export function buildVersions(dir: string, evrs: string[], text = 'x', name = 'retained'): string[] {
  const out: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const evr of evrs) {
    const m = /^(?:(\d+):)?([^-]+)-(.+)$/.exec(evr)!;
    const spec = join(dir, `${name}-${evr.replace(':', '_')}.spec`);
    writeFileSync(
      spec,
      [
        `Name: ${name}`,
        ...(m[1] ? [`Epoch: ${m[1]}`] : []),
        `Version: ${m[2]}`,
        `Release: ${m[3]}`,
        'Summary: retention test',
        'License: MIT',
        'BuildArch: noarch',
        '%description',
        'retention test',
        '%install',
        `mkdir -p %{buildroot}/usr/share/${name} && echo '${text}' > %{buildroot}/usr/share/${name}/f`,
        '%files',
        `/usr/share/${name}/f`,
        '',
      ].join('\n'),
    );
    execFileSync('rpmbuild', [
      '-bb',
      '--quiet',
      '--define',
      `_topdir ${join(dir, 'top')}`,
      '--define',
      `_rpmdir ${join(dir, 'out', evr.replace(':', '_'))}`,
      spec,
    ]);
    const d = join(dir, 'out', evr.replace(':', '_'), 'noarch');
    out.push(join(d, readdirSync(d).find((f) => f.startsWith(`${name}-${m[2]}-`))!));
  }
  return out;
}

export const REPO_ROOT_DIR = join(import.meta.dirname, '..', '..', '..');

/**
 * dnf's argv against exactly the repo files in `reposd`, installing into `root` with its own
 * cache dir: nothing of the host's dnf configuration is read.
 */
export function dnfArgs(o: { root: string; reposd: string; cache: string }, args: string[]): string[] {
  return [
    '-y',
    '--installroot',
    o.root,
    '--setopt',
    `reposdir=${o.reposd}`,
    '--setopt',
    `cachedir=${o.cache}`,
    '--releasever',
    '41',
    '--setopt',
    'install_weak_deps=0',
    '--setopt',
    'skip_if_unavailable=False',
    ...args,
  ];
}
