/**
 * The backport corpus's pure parts: the packages, the hand edits a backport needs (each with
 * why Debian's own backporters need it too), what a changelog must show, and the markdown table
 * made from the recorded results. bench/backports.ts does the IO.
 */

/** One recipe edit after `recipe import`: what it changes, why a Debian backporter needs it too, and the change. */
export interface HandEdit {
  what: string;
  why: string;
  /** recipe.yaml in, recipe.yaml out. */
  apply?: (recipeYaml: string) => string;
  /** debian/control in, debian/control out. */
  control?: (debianControl: string) => string;
  /** Files written into the recipe, by path relative to it (e.g. a lintian override). */
  files?: Record<string, string>;
}

export interface CorpusPackage {
  /** Debian source package. */
  source: string;
  /** Suite whose packaging is imported. */
  from: 'trixie' | 'sid';
  /** Binary package `repo try` installs (one bookworm also has, for the upgrade test). */
  binary: string;
  /** Why it is in the corpus. */
  kind: string;
  /** Sources of this corpus that must be published before this one builds (chained backports). */
  after?: string[];
  edits?: HandEdit[];
}

/** The build's extra apt repositories for the bookworm target (README "Build chroot and build settings"). */
export function withExtraRepositories(recipeYaml: string, entries: string[]): string {
  const block = [
    'targets:',
    '  - id: debian:bookworm',
    '    build:',
    '      extraRepositories:',
    ...entries.map((e) => `        - ${e}`),
  ].join('\n');
  const re = /^targets:\n {2}- debian:bookworm\n/m;
  if (!re.test(recipeYaml)) throw new Error('recipe.yaml: no "targets:\\n  - debian:bookworm" list to add extraRepositories to');
  return recipeYaml.replace(re, `${block}\n`);
}

const BPO = 'url: http://deb.debian.org/debian\n          suite: bookworm-backports';

export const PUBLISHED_EDIT = (dep: string, from: string): HandEdit => ({
  what: 'build.extraRepositories: [published]',
  why: `${dep} comes from our own ${from} backport in the same suite: Debian's backports buildds build against bookworm-backports itself, so a backporter uploads ${from} first and this one builds against it`,
  apply: (y) => withExtraRepositories(y, ['published']),
});

export const CORPUS: CorpusPackage[] = [
  { source: 'pigz', from: 'trixie', binary: 'pigz', kind: 'tool, test suite (make test)' },
  { source: 'libinih', from: 'trixie', binary: 'libinih-dev', kind: 'library (meson), reverse dependencies' },
  { source: 'xxhash', from: 'trixie', binary: 'xxhash', kind: 'library + tool, many reverse dependencies (apt, rsync)' },
  {
    source: 'lz4',
    from: 'trixie',
    binary: 'lz4',
    kind: 'library used by apt/dpkg, test suite; chained: builds against our xxhash',
    after: ['xxhash'],
    edits: [PUBLISHED_EDIT('libxxhash-dev', 'xxhash')],
  },
  { source: 'libonig', from: 'trixie', binary: 'libonig-dev', kind: 'library (jq, php), test suite' },
  { source: 'cjson', from: 'trixie', binary: 'libcjson-dev', kind: 'library (cmake), test suite, security patches' },
  { source: 'miniupnpc', from: 'trixie', binary: 'miniupnpc', kind: 'library + tool + python module, SONAME bump (17 → 18)' },
  {
    source: 'file',
    from: 'trixie',
    binary: 'file',
    kind: 'libmagic (many reverse dependencies) + tool, test suite, patch queue, t64 rename (libmagic1 → libmagic1t64)',
    edits: [
      {
        what: 'debian/control: Build-Depends dpkg-dev (>= 1.22.5) dropped',
        why: "1.22.5 is the 64-bit time_t transition's dpkg-dev (abi=+time64 by default on 32-bit architectures); on amd64 time_t is 64-bit already, and neither bookworm (1.21.22) nor bookworm-backports has a newer dpkg-dev, so a backporter drops the relation (dpkg-dev is build-essential: unversioned it is a lintian error)",
        control: (c) => c.replace(/\s*dpkg-dev \(>= 1\.22\.5\),/, ''),
      },
    ],
  },
  { source: 'less', from: 'trixie', binary: 'less', kind: 'tool (Priority: important), new upstream (590 → 668), patch queue' },
  {
    source: 'yaml-cpp',
    from: 'trixie',
    binary: 'libyaml-cpp-dev',
    kind: 'C++ library, googletest suite, SONAME bump (0.7 → 0.8)',
    edits: [
      {
        what: 'debian/libyaml-cpp0.8.lintian-overrides: symbols-file-contains-current-version-with-debian-revision',
        why: "bookworm's GCC 12 emits 89 guard variables of function-local statics (_ZGVZ…) that trixie's symbols file, made with GCC 14, does not list; dpkg-gensymbols only warns and stamps them with the backport's own version, and lintian calls that an error. Debian's backports queue does not run lintian, so a Debian backporter uploads as is; pkgtrack stops at lintian errors, so the same choice is written down as an override",
        files: {
          'debian/libyaml-cpp0.8.lintian-overrides':
            '# bookworm-backports: GCC 12 guard variables missing from the GCC 14 symbols file\nlibyaml-cpp0.8: symbols-file-contains-current-version-with-debian-revision\n',
        },
      },
    ],
  },
  { source: 'fmtlib', from: 'trixie', binary: 'libfmt-dev', kind: 'C++ library, googletest suite, sphinx docs, SONAME bump (9 → 10)' },
  {
    source: 'spdlog',
    from: 'trixie',
    binary: 'libspdlog-dev',
    kind: 'C++ library, catch2 suite; chained: Build-Depends libfmt-dev (>= 10) from our fmtlib',
    after: ['fmtlib'],
    edits: [
      {
        what: 'build.extraRepositories: [published, bookworm-backports]',
        why: "libfmt-dev (>= 10) is only in our fmtlib backport (bookworm has 9.1.0): Debian's backports buildds build against bookworm-backports itself, so fmtlib goes first; catch2 (>= 3.0.0) for the test suite is in Debian's bookworm-backports (3.7.1-0.4~bpo12+1; bookworm has 2.13.10), which a Debian backporter builds with too",
        apply: (y) => withExtraRepositories(y, ['published', BPO]),
      },
    ],
  },
  {
    source: 'libzstd',
    from: 'trixie',
    binary: 'zstd',
    kind: 'library used by apt/dpkg, test suite, long patch queue',
    edits: [
      {
        what: 'build.extraRepositories: [bookworm-backports]',
        why: 'Build-Depends: debhelper (>> 13.15.2~): bookworm has 13.11.4, bookworm-backports 13.23~bpo12+1; Debian backporters build with bookworm-backports for the same reason',
        apply: (y) => withExtraRepositories(y, [BPO]),
      },
      {
        what: 'debian/control: Build-Depends dpkg-build-api (= 1) dropped, Rules-Requires-Root: no added',
        why: "dpkg-build-api is provided by dpkg-dev >= 1.22.3, which neither bookworm (1.21.22) nor bookworm-backports has; API level 1's relevant default is Rules-Requires-Root: no, so a backporter drops the relation and states that field, as Debian's own backports of dpkg-build-api packages do",
        control: (c) => c.replace(/,?\s*dpkg-build-api \(= 1\)/, '').replace(/^(Source: .*)$/m, '$1\nRules-Requires-Root: no'),
      },
    ],
  },
  {
    source: 'libuv1',
    from: 'trixie',
    binary: 'libuv1-dev',
    kind: 'library (node, bind9), long test suite, t64 rename (libuv1 → libuv1t64)',
  },
  { source: 'libtommath', from: 'trixie', binary: 'libtommath-dev', kind: 'library, test suite, LaTeX docs (Build-Depends-Indep texlive)' },
];

export type StepName = 'import' | 'build' | 'publish' | 'install' | 'upgrade' | 'remove' | 'purge' | 'changelog';
export const STEPS: StepName[] = ['import', 'build', 'publish', 'install', 'upgrade', 'remove', 'purge', 'changelog'];

export interface StepResult {
  ok: boolean;
  /** Wall time in seconds (the try steps share one container run: recorded on `install`). */
  seconds?: number;
  /** Why it failed, or what it found (short). */
  detail?: string;
  /** An up-to-date build: when the build it kept was made (its `seconds` are that build's). */
  builtAt?: string;
}

export interface PackageResult {
  source: string;
  binary: string;
  kind: string;
  /** Version bookworm ships ("" when it has none). */
  bookworm: string;
  /** Version of the imported suite's packaging. */
  upstreamSuite: string;
  sourceVersion: string;
  ours: string;
  patches: number;
  edits: Array<{ what: string; why: string }>;
  steps: Partial<Record<StepName, StepResult>>;
  /** Build dependencies installed from the extra repositories (ours, bookworm-backports), from the build log. */
  builtAgainst?: string[];
  /** ISO time of the run. */
  ranAt: string;
}

/**
 * The build dependencies a build log shows apt fetching from somewhere else than the distro's
 * release suite: our published suite (`published`) or another suite such as bookworm-backports.
 */
export function extraBuildDeps(log: string, publishedUrl: string, release: string): string[] {
  const out = new Set<string>();
  for (const m of log.matchAll(/^Get:\d+ (\S+) (\S+)\/\S+ \S+ (\S+) \S+ (\S+) \[/gm)) {
    const [, url, suite, pkg, version] = m;
    if (url!.startsWith(publishedUrl)) out.add(`${pkg} ${version} (published)`);
    else if (suite !== release && suite !== `${release}-updates` && suite !== `${release}-security`)
      out.add(`${pkg} ${version} (${suite})`);
  }
  return [...out];
}

export interface ChangelogCheck {
  ok: boolean;
  detail: string;
}

/**
 * What `zcat changelog.Debian.gz` in the container must show: the backport entry on top (ours,
 * bookworm-backports), then the imported suite's entry, then older Debian history down to (or
 * past) bookworm's own version.
 */
export function checkChangelog(text: string, source: string, ours: string, sourceVersion: string, bookworm: string): ChangelogCheck {
  const entries = [...text.matchAll(/^(\S+) \(([^)]+)\) ([^;]+);/gm)].map((m) => ({ pkg: m[1]!, version: m[2]!, dist: m[3]!.trim() }));
  if (!entries.length) return { ok: false, detail: 'no changelog entries' };
  const [top, second] = entries;
  if (top!.pkg !== source || top!.version !== ours || !/\bbookworm-backports\b/.test(top!.dist))
    return { ok: false, detail: `top entry is ${top!.pkg} (${top!.version}) ${top!.dist}, not ${source} (${ours}) bookworm-backports` };
  if (!second || second.version !== sourceVersion)
    return { ok: false, detail: `second entry is ${second?.version ?? 'missing'}, not Debian's ${sourceVersion}` };
  // bookworm's own version, or for a stable update (+deb12uN) the version it was made from.
  const base = bookworm.replace(/^\d+:/, '').replace(/[+~]deb\d+u\d+$/, '');
  const versions = entries.map((e) => e.version.replace(/^\d+:/, ''));
  const hasBookworm = !bookworm || versions.includes(base) || versions.includes(bookworm.replace(/^\d+:/, ''));
  if (!hasBookworm) return { ok: false, detail: `${entries.length} entries, none for bookworm's ${bookworm}` };
  return { ok: true, detail: `${entries.length} entries: backport, ${sourceVersion}, … ${bookworm ? `${base} (bookworm)` : ''}`.trim() };
}

const cell = (s: StepResult | undefined): string => {
  if (!s) return '–';
  const t = s.seconds !== undefined && s.seconds >= 1 ? ` ${Math.round(s.seconds)} s` : '';
  // A build that was up to date (a rerun) says so: its time is not a build's.
  if (s.ok && s.builtAt) return `ok${t} (built ${s.builtAt}, up to date since)`;
  return s.ok
    ? `ok${t}${s.detail && s.detail !== 'built' && /^[a-z-]+$/.test(s.detail) ? ` (${s.detail})` : ''}`
    : `**failed**${t}${s.detail ? `: ${s.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')}` : ''}`;
};

/** Total wall time of a package's steps. */
export const totalSeconds = (r: PackageResult): number => Object.values(r.steps).reduce((a, s) => a + (s?.seconds ?? 0), 0);

const mmss = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

/** The README table: one row per package that ran, then the hand edits with their reasons, then the packages not run. */
export function renderTable(results: PackageResult[], notRun: string[], meta: { generatedAt: string; command: string }): string {
  const lines = [
    '# Backport corpus',
    '',
    `Produced by \`${meta.command}\` (bench/backports.ts) from what actually happened; last written ${meta.generatedAt}.`,
    'Each package: `recipe import debian:PKG/trixie --for debian:bookworm --no-check-valid-until` into one fresh',
    'recipes repository (backports channel), `build` in a podman buildd chroot with its test suite (no `nocheck`),',
    "`publish` to bookworm-backports, then `repo try BINARY --upgrade` in a clean bookworm container with Debian's",
    "archive: bookworm's own version installed from Debian (**install**), upgraded to ours (**upgrade**), removed,",
    'purged; **changelog** is `zcat /usr/share/doc/BINARY/changelog.Debian.gz` in that container: the backport entry',
    "on top, then Debian's history down to bookworm's version.",
    '',
    'Step times are wall seconds on a 2-core machine shared with other work; install … purge share one container run (its time is on install).',
    '',
    '| package | what it covers | tried | bookworm → ours | patches | import | build | publish | install | upgrade | remove | purge | changelog | time | hand edits |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const ok = STEPS.every((s) => r.steps[s]?.ok);
    lines.push(
      [
        '',
        `${ok ? '' : '⚠ '}${r.source}`,
        r.kind,
        r.binary,
        `${r.bookworm || '(none)'} → ${r.ours || '?'}`,
        String(r.patches),
        ...STEPS.map((s) => cell(r.steps[s])),
        mmss(totalSeconds(r)),
        r.edits.length ? r.edits.map((e) => `\`${e.what}\``).join('; ') : 'none',
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  const edited = results.filter((r) => r.edits.length);
  if (edited.length) {
    lines.push('', '## Hand edits, and why a Debian backporter needs them too', '');
    for (const r of edited) {
      for (const e of r.edits) lines.push(`- **${r.source}**: \`${e.what}\` — ${e.why}.`);
      if (r.builtAgainst?.length) lines.push(`  Built against (from its build log): ${r.builtAgainst.join(', ')}.`);
    }
  }
  const failed = results.filter((r) => !STEPS.every((s) => r.steps[s]?.ok));
  if (failed.length) {
    lines.push('', '## Failures', '');
    for (const r of failed) {
      const s = STEPS.find((n) => !r.steps[n]?.ok)!;
      lines.push(`- **${r.source}** (${r.ranAt}): ${s} ${r.steps[s] ? `failed: ${r.steps[s]!.detail ?? ''}` : 'did not run'}`);
    }
  }
  if (notRun.length) lines.push('', '## Not run yet', '', `${notRun.join(', ')}: in the corpus, no run recorded.`);
  lines.push('');
  return lines.join('\n');
}
