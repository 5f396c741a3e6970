/**
 * The steps that restore the published output from the Pages branch (`init` without
 * `--publish s3`): the whole output for the publish job, only its metadata for the plan. Pure.
 */
import type { Resolved } from './workflow.js';

/**
 * The start of a restore: an empty output folder, and the end of the step when the Pages branch
 * does not exist (ls-remote exit 2). Any other ls-remote failure fails the step.
 */
const unlessNoPagesBranch = (o: Resolved, why: string, onMissing: string[] = []) => [
  `          mkdir -p ${o.output}`,
  '          found=0',
  `          git ls-remote --exit-code --heads origin ${o.pagesBranch} > /dev/null || found=$?`,
  '          if [ "$found" = 2 ]; then',
  `            echo "No ${o.pagesBranch} branch yet: ${why}"`,
  ...onMissing.map((l) => `            ${l}`),
  '            exit 0',
  '          fi',
  '          [ "$found" = 0 ] || exit "$found"',
];

/**
 * The live output, restored from the Pages branch. Only "no such branch" (ls-remote exit 2) means
 * a first publish: any other failure stops the run, as publishing from an empty folder would
 * replace the live repositories with only this run's packages. The restored commit (or "none")
 * goes to PKGTRACK_PAGES_BASE: publish's --lease, so an older view never replaces a newer publish.
 */
export const restoreOutput = (o: Resolved) => [
  `      - name: Restore the published repositories from ${o.pagesBranch}`,
  '        run: |',
  ...unlessNoPagesBranch(o, 'this is the first publish.', ['echo "PKGTRACK_PAGES_BASE=none" >> "$GITHUB_ENV"']),
  `          git fetch --quiet --depth 1 origin ${o.pagesBranch}`,
  `          git archive FETCH_HEAD | tar -x -C ${o.output}`,
  '          echo "PKGTRACK_PAGES_BASE=$(git rev-parse FETCH_HEAD)" >> "$GITHUB_ENV"',
];

/**
 * What the plan job needs of the live output: indexes, repomd, build manifests, trunk state, and
 * none of the packages, pages or logs. A blobless fetch and a sparse checkout in a side worktree
 * download only those files' contents (in one batch), however big the repositories are.
 */
const METADATA_SPARSE = ['/*', '!/apt/pool/', '!/yum/**/Packages/', '!/packages/', '!/badges/', '!/builds/**/*.log', '!/builds/**/*.txt'];

export const restoreMetadata = (o: Resolved) => [
  `      - name: Restore the published metadata from ${o.pagesBranch} (indexes, manifests, state; no packages)`,
  '        run: |',
  ...unlessNoPagesBranch(o, 'nothing is published.'),
  `          git fetch --quiet --depth 1 --filter=blob:none origin ${o.pagesBranch}`,
  '          pages="$RUNNER_TEMP/pkgtrack-pages"',
  '          git worktree add --quiet --no-checkout "$pages" FETCH_HEAD',
  `          git -C "$pages" sparse-checkout set --no-cone ${METADATA_SPARSE.map((p) => `'${p}'`).join(' ')}`,
  '          git -C "$pages" checkout --quiet',
  `          tar -C "$pages" --exclude=.git -cf - . | tar -x -C ${o.output}`,
];
