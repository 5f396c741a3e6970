/**
 * Debug symbols go to their own suite, as Debian's debian-debug archive and Fedora's debug
 * repositories: `-dbgsym` debs to `<suite>-debug` (component as the package's), `-debuginfo` /
 * `-debugsource` rpms to `<repository>-debug`. Never into the main suite, whose every user would
 * download their index entries. With `debugSymbols: false` in pkgtrack.yaml they are not published.
 */
import { expandChanges } from '../../repo/apt/artifacts.js';
import { debugSuiteOf, isDebugPackageFile, isDebugSuite, mainSuiteOf } from '../../repo/debug-symbols.js';
import type { ArtifactInput, PublishReport } from '../../repo/format.js';
import { keyringFileName, yumRepoId } from '../../formats/user-files.js';
import { noIndexCache } from '../repo/index-cache.js';

export interface RoutedArtifact extends ArtifactInput {
  /** A debug-symbols package: published to the debug suite of its suite. */
  debug?: true;
}

/**
 * The inputs with each debug-symbols package marked, and those left out (`publish: false`).
 * A .changes is expanded to the files it lists (checked against its sums), so its -dbgsym debs
 * are routed too.
 */
export async function routeDebugSymbols(
  artifacts: readonly ArtifactInput[],
  opts: { publish: boolean },
): Promise<{ artifacts: RoutedArtifact[]; dropped: string[] }> {
  const out: RoutedArtifact[] = [];
  const dropped: string[] = [];
  for (const a of artifacts) {
    const files = a.path.endsWith('.changes')
      ? (await expandChanges(a.path, { cache: noIndexCache, rebuild: true })).map((path) => {
          const { sha256: _, ...rest } = a; // the .changes' own sum; it checked each file's
          return { ...rest, path };
        })
      : [a];
    for (const f of files) {
      if (!(await isDebugPackageFile(f.path))) out.push(f);
      else if (opts.publish) out.push({ ...f, debug: true });
      else dropped.push(f.path);
    }
  }
  return { artifacts: out, dropped };
}

/** The suite a (possibly debug) artifact goes to, given the suite it was built for. */
export const suiteFor = (suite: string, debug: boolean): string => (debug && !isDebugSuite(suite) ? debugSuiteOf(suite) : suite);

/** How a user turns on a debug suite this publish wrote, for --json and the human output. */
export interface DebugSuiteNote {
  kind: 'apt' | 'yum';
  suite: string;
  /** The suite whose packages' symbols it holds. */
  for: string;
  /** apt: the one-line source (signed-by the repository's keyring); yum: the .repo file to fetch. */
  enable: string;
  /** The command that installs the symbols of what this publish added. */
  install: string;
}

export function debugSuiteNotes(
  reports: ReadonlyArray<PublishReport & { root: string }>,
  repo: { name: string; url?: string | undefined; output: string },
): DebugSuiteNote[] {
  const base = (kind: string) => (repo.url ? `${repo.url.replace(/\/+$/, '')}/${kind}` : `file://${repo.output}/${kind}`);
  const notes: DebugSuiteNote[] = [];
  for (const r of reports) {
    if (!isDebugSuite(r.suite)) continue;
    const names = [...new Set([...r.added, ...r.unchanged].map((p) => p.name))].sort();
    if (r.kind === 'apt') {
      const components = [...new Set([...r.added, ...r.unchanged].map((p) => p.component))].sort();
      notes.push({
        kind: 'apt',
        suite: r.suite,
        for: mainSuiteOf(r.suite),
        enable: `deb [signed-by=/etc/apt/keyrings/${keyringFileName(repo.name)}] ${base('apt')} ${r.suite} ${components.join(' ') || 'main'}`,
        install: `sudo apt update && sudo apt install ${names.join(' ')}`,
      });
    } else {
      const id = yumRepoId(repo.name, r.suite);
      notes.push({
        kind: 'yum',
        suite: r.suite,
        for: mainSuiteOf(r.suite),
        enable: `sudo curl -fsSLo /etc/yum.repos.d/${id}.repo ${base('yum')}/${r.suite}/${id}.repo`,
        install: `sudo dnf install ${names.join(' ')}`,
      });
    }
  }
  return notes;
}

/** The human lines for the debug suites a publish wrote: where the symbols went and how to install them. */
export function debugSuiteLines(notes: readonly DebugSuiteNote[] | undefined): string[] {
  return (notes ?? []).flatMap((d) => [
    `debug symbols for ${d.for} are in ${d.kind} ${d.suite}, not in ${d.for}; to install them:`,
    d.kind === 'apt' ? `  echo '${d.enable}' | sudo tee /etc/apt/sources.list.d/debug.list` : `  ${d.enable}`,
    `  ${d.install}`,
  ]);
}
