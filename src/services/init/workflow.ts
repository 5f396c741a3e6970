/**
 * The GitHub Actions workflows `pkgtrack init` writes for a recipes repository. Pure: options in,
 * YAML text out. Two files share one shape, plan → build (one job per cell) → publish:
 * - `pkgtrack.yml`, stable: validates recipes on every push and pull request; on pushes to the
 *   default branch, on a schedule and on demand it builds what has a newer upstream release.
 * - `pkgtrack-nightly.yml`, trunk: nightly and on demand, builds what moved upstream.
 * The published output lives on the Pages branch, which every run restores first, so state,
 * retention and the apt/yum indexes see what is live. In `artifact` mode the branch stays the
 * store and Pages is deployed from an artifact (Pages source "GitHub Actions").
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is GitHub Actions expression syntax, meant literally
import { inputError } from '../../core/errors.js';
import { DEFAULT_CI_RUNNER } from '../../recipe/arches.js';
import { restoreMetadata, restoreOutput } from './workflow-pages.js';
import { s3Header, s3PlanEnv, s3PlanSource, s3PublishJobBody } from './workflow-s3.js';

export type PagesMode = 'branch' | 'artifact';
/** Where the workflows publish: the Pages branch (default), or object storage (`init --publish s3`). */
export type PublishTarget = 'pages' | 's3';
export type WorkflowChannel = 'stable' | 'trunk';

export interface WorkflowOptions {
  /** Repository name, shown in the workflow names. */
  name: string;
  pages: PagesMode;
  publish?: PublishTarget;
  channels?: readonly WorkflowChannel[];
  nodeVersion?: string;
  /** pkgtrack.yaml `output`: where the published repositories are. */
  output?: string;
  /** The branch holding the published output (served by Pages in `branch` mode). */
  pagesBranch?: string;
  /** Pushes to this branch build and publish the stable channel. */
  defaultBranch?: string;
  stableCron?: string;
  nightlyCron?: string;
  runsOn?: string;
  /**
   * How the jobs install pkgtrack, always pinned by content: the tarball vendored into the recipes
   * repository (`pkgtrack ci vendor`, checked against its .sha256), or a git URL at a full commit.
   */
  install?: InstallSpec;
}

/** The vendored tarball and its checksum file, relative to the recipes repository root. */
export const VENDORED_TARBALL = '.github/pkgtrack/pkgtrack.tgz';
export const vendoredChecksum = (tarball: string) => `${tarball}.sha256`;

export type InstallSpec = { kind: 'vendored'; path: string } | { kind: 'git'; url: string; commit: string };

/**
 * `init --install`: a vendored tarball path (`.tgz` inside the repository) or
 * `git+https://…#<40-hex commit>`. Registry names (`pkgtrack`, `pkgtrack@1.2.3`) are refused:
 * anyone can register an unclaimed name, and this code runs beside the signing key and a write
 * token; a branch, tag or short SHA can move or collide.
 */
export function parseInstallSpec(spec: string): InstallSpec {
  const git = /^(git\+https:\/\/[A-Za-z0-9.-]+\/[A-Za-z0-9._/-]+?)(?:#(.*))?$/.exec(spec);
  if (git) {
    if (git[2] && /^[0-9a-f]{40}$/.test(git[2])) return { kind: 'git', url: git[1]!, commit: git[2] };
    throw inputError(
      'INIT_INSTALL_UNPINNED',
      `--install ${spec} does not pin a commit: a branch, tag or short SHA can move`,
      `Append the full 40-hex commit, e.g. ${git[1]}#<git rev-parse HEAD>.`,
      { field: '--install' },
    );
  }
  if (/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+\.tgz$/.test(spec)) return { kind: 'vendored', path: spec.replace(/^\.\//, '') };
  throw inputError(
    'INIT_INSTALL_UNPINNED',
    `--install ${spec} is not pinned by content: a registry name can be registered or replaced by anyone, and CI runs it with the signing key`,
    `Use the vendored tarball (the default: ${VENDORED_TARBALL}, refreshed by \`pkgtrack ci vendor\`), or git+https://<host>/<owner>/<repo>.git#<40-hex commit>.`,
    { field: '--install' },
  );
}

/**
 * Actions pinned to commits (a tag can be moved to other code; the publish job holds the signing
 * key and a write token), the release as a comment for readers and Dependabot.
 */
const ACTION: Record<string, string> = {
  checkout: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
  'setup-node': 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0',
  'upload-artifact': 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2',
  'download-artifact': 'actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0',
  'upload-pages-artifact': 'actions/upload-pages-artifact@56afc609e74202658d3ffba0e8f6dda462b719fa # v3.0.1',
  'deploy-pages': 'actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5',
  'cache-restore': 'actions/cache/restore@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3',
  'cache-save': 'actions/cache/save@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3',
};

export type Resolved = Required<WorkflowOptions>;

const DEFAULTS: Omit<Resolved, 'name' | 'pages'> = {
  publish: 'pages',
  channels: ['stable', 'trunk'],
  nodeVersion: '24',
  output: 'public',
  pagesBranch: 'gh-pages',
  defaultBranch: 'main',
  // Off the hour: GitHub delays scheduled runs at :00 when everyone starts at once.
  stableCron: '23 5 * * *',
  nightlyCron: '17 2 * * *',
  runsOn: DEFAULT_CI_RUNNER,
  install: { kind: 'vendored', path: VENDORED_TARBALL },
};

/** Workflow files by path under the repository root, one per requested channel. */
export function renderWorkflows(options: WorkflowOptions): Record<string, string> {
  const o = resolveOptions(options);
  const files: Record<string, string> = {};
  if (o.channels.includes('stable')) files['.github/workflows/pkgtrack.yml'] = renderWorkflow(o, 'stable');
  if (o.channels.includes('trunk')) files['.github/workflows/pkgtrack-nightly.yml'] = renderWorkflow(o, 'trunk');
  return files;
}

/** Every value lands in YAML or a shell line: accept only plain shapes, so neither can be broken. */
function resolveOptions(options: WorkflowOptions): Resolved {
  const o: Resolved = {
    ...DEFAULTS,
    ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as WorkflowOptions),
  };
  const check = (field: string, value: string, ok: RegExp, fix: string) => {
    if (!ok.test(value)) throw inputError('INIT_WORKFLOW_OPTION', `${field} "${value}" cannot go into a workflow`, fix, { field });
  };
  const ref = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/;
  check('name', o.name, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Use letters, digits, ".", "_" and "-".');
  check('pages', o.pages, /^(branch|artifact)$/, 'Use --pages branch or --pages artifact.');
  check('publish', o.publish, /^(pages|s3)$/, 'Use --publish pages or --publish s3.');
  check('nodeVersion', o.nodeVersion, /^\d+(\.\d+){0,2}$/, 'Give a Node.js version such as 24.');
  check('output', o.output, /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, 'Use a relative folder inside the repository, e.g. public.');
  check('pagesBranch', o.pagesBranch, ref, 'Use a plain branch name, e.g. gh-pages.');
  check('defaultBranch', o.defaultBranch, ref, 'Use a plain branch name, e.g. main.');
  check('runsOn', o.runsOn, /^[A-Za-z0-9._-]+$/, 'Use a runner label such as ubuntu-24.04.');
  const cron = /^(\S+ ){4}\S+$/;
  check('stableCron', o.stableCron, cron, 'Use a five-field cron line such as "23 5 * * *".');
  check('nightlyCron', o.nightlyCron, cron, 'Use a five-field cron line such as "17 2 * * *".');
  for (const c of [o.stableCron, o.nightlyCron]) check('cron', c, /^[0-9*/,\- A-Z]+$/, 'Use digits, "*", "/", ",", "-" and names.');
  return o;
}

function renderWorkflow(o: Resolved, channel: WorkflowChannel): string {
  const stable = channel === 'stable';
  const s3 = o.publish === 's3';
  const triggers = stable
    ? [
        'on:',
        '  push:',
        `    branches: [${o.defaultBranch}]`,
        '  pull_request:',
        '  schedule:',
        `    - cron: '${o.stableCron}'`,
        '  workflow_dispatch:',
      ]
    : ['on:', '  schedule:', `    - cron: '${o.nightlyCron}'`, '  workflow_dispatch:'];
  const header = stable
    ? [
        '# Written by `pkgtrack init`. Stable channel: check the recipes on every push and pull request;',
        `# on pushes to ${o.defaultBranch}, daily and on demand, build every (recipe, target) whose upstream has a`,
        '# newer release than the published repository, then publish them all in one atomic publish.',
      ]
    : [
        '# Written by `pkgtrack init`. Trunk channel (nightly PPA): every night and on demand, build every',
        '# (recipe, target) whose upstream HEAD moved since the published trunk build, then publish them',
        '# all in one atomic publish to the trunk suites.',
      ];
  return [
    ...header,
    '# Secrets: PKGTRACK_SIGNING_KEY (armored private key) and PKGTRACK_KEY_PASSPHRASE.',
    ...(s3
      ? s3Header
      : [
          o.pages === 'branch'
            ? `# Pages: Settings > Pages > Deploy from a branch, ${o.pagesBranch}.`
            : `# Pages: Settings > Pages > Source "GitHub Actions"; ${o.pagesBranch} keeps the published state.`,
        ]),
    `name: ${o.name} ${stable ? 'stable' : 'nightly'}`,
    ...triggers,
    'permissions:',
    '  contents: read',
    'jobs:',
    ...(stable ? validateJob(o) : []),
    ...planJob(o, channel),
    ...problemsJob(o),
    ...buildJob(o, channel),
    ...publishJob(o),
    ...(o.pages === 'artifact' && !s3 ? deployJob(o) : []),
    '',
  ].join('\n');
}

const setup = (o: Resolved) => [
  `      - uses: ${ACTION.checkout}`,
  `      - uses: ${ACTION['setup-node']}`,
  '        with:',
  `          node-version: ${o.nodeVersion}`,
  ...installSteps(o.install),
];

/** Install pkgtrack pinned by content: the checksum is checked before npm sees the tarball. */
export function installSteps(install: InstallSpec): string[] {
  if (install.kind === 'git')
    return [
      '      - name: Install pkgtrack (pinned to a commit)',
      `        run: npm install -g --no-fund --no-audit '${install.url}#${install.commit}'`,
    ];
  return [
    '      - name: Install pkgtrack (vendored, checked by sha256)',
    '        run: |',
    `          sha256sum --check --strict ${vendoredChecksum(install.path)}`,
    `          npm install -g --no-fund --no-audit ./${install.path}`,
  ];
}

const validateJob = (o: Resolved) => [
  '  validate:',
  `    runs-on: ${o.runsOn}`,
  '    steps:',
  ...setup(o),
  '      - run: pkgtrack recipe validate',
];

const planJob = (o: Resolved, channel: WorkflowChannel) => [
  '  plan:',
  ...(channel === 'stable' ? ['    needs: validate', "    if: github.event_name != 'pull_request'"] : []),
  `    runs-on: ${o.runsOn}`,
  '    outputs:',
  '      matrix: ${{ steps.plan.outputs.matrix }}',
  '      count: ${{ steps.plan.outputs.count }}',
  '      problems: ${{ steps.plan.outputs.problems }}',
  '    steps:',
  ...setup(o),
  ...(o.publish === 's3' ? [] : restoreMetadata(o)),
  '      - id: plan',
  '        env:',
  '          # Read-only here: asks GitHub upstreams about releases and branch heads.',
  '          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
  ...(o.publish === 's3' ? s3PlanEnv : []),
  '        run: |',
  '          # Exit 11: some recipes could not be planned (unreachable upstream, packaging changed',
  '          # without a revision bump). The rest still builds; the problems job turns the run red.',
  '          status=0',
  `          pkgtrack ci matrix --channel ${channel} ${o.publish === 's3' ? s3PlanSource : `--output ${o.output}`} --exit-code > matrix.json || status=$?`,
  '          [ "$status" = 0 ] || [ "$status" = 11 ] || exit "$status"',
  '          {',
  '            echo "matrix=$(jq -c . matrix.json)"',
  `            echo "count=$(jq '.include | length' matrix.json)"`,
  '            echo "problems=$([ "$status" = 11 ] && echo yes || echo no)"',
  '          } >> "$GITHUB_OUTPUT"',
];

/** Red run for what the plan could not plan, without holding back what it could. */
const problemsJob = (o: Resolved) => [
  '  problems:',
  '    needs: plan',
  "    if: needs.plan.outputs.problems == 'yes'",
  `    runs-on: ${o.runsOn}`,
  '    steps:',
  '      - run: |',
  '          echo "::error::Some recipes could not be planned: see the plan job\'s summary."',
  '          exit 1',
];

/**
 * Builder images through the Actions cache, per (target, recipe): a cell loads what an earlier
 * cell saved instead of bootstrapping the base and reinstalling the build dependencies. The key
 * follows the recipe's files; an older entry (restore-keys) still serves, as the dependency
 * image's tag hashes its exact base and dependency list and only a match is reused.
 */
const IMAGES_ARCHIVE = '${{ runner.temp }}/pkgtrack-images.tar';
const restoreBuilderImages = [
  '      - name: Restore builder images',
  '        id: images',
  `        uses: ${ACTION['cache-restore']}`,
  '        with:',
  `          path: ${IMAGES_ARCHIVE}`,
  "          key: pkgtrack-images-${{ matrix.target }}-${{ matrix.arch }}-${{ matrix.recipe }}-${{ hashFiles(format('recipes/{0}/**', matrix.recipe)) }}",
  // Per architecture: an arm64 cell's images are arm64 ones.
  '          restore-keys: pkgtrack-images-${{ matrix.target }}-${{ matrix.arch }}-${{ matrix.recipe }}-',
  '      - name: Load builder images',
  "        if: steps.images.outputs.cache-matched-key != ''",
  '        run: |',
  '          pkgtrack image load "$RUNNER_TEMP/pkgtrack-images.tar" ||',
  '            echo "::warning::The cached builder images did not load; this build makes them again."',
];
const saveBuilderImages = [
  '      - name: Save builder images',
  "        if: steps.images.outputs.cache-hit != 'true'",
  '        run: pkgtrack image save --from out --out "$RUNNER_TEMP/pkgtrack-images.tar"',
  `      - uses: ${ACTION['cache-save']}`,
  "        if: steps.images.outputs.cache-hit != 'true'",
  '        with:',
  `          path: ${IMAGES_ARCHIVE}`,
  '          key: ${{ steps.images.outputs.cache-primary-key }}',
];

/** One job per cell. Matrix values reach the shell through env, never pasted into the script. */
const buildJob = (o: Resolved, channel: WorkflowChannel) => [
  '  build:',
  '    needs: plan',
  "    if: needs.plan.outputs.count != '0'",
  '    name: build ${{ matrix.recipe }} ${{ matrix.target }} ${{ matrix.arch }}',
  // A cell whose architecture GitHub builds natively elsewhere names that runner (ubuntu-24.04-arm
  // for arm64); the others run on the configured runner (runsOn), emulating when they must.
  `    runs-on: \${{ matrix.runner != '${DEFAULT_CI_RUNNER}' && matrix.runner || '${o.runsOn}' }}`,
  '    timeout-minutes: 120',
  '    strategy:',
  '      # One broken cell must not cancel the others; publish takes what built.',
  '      fail-fast: false',
  '      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}',
  '    steps:',
  ...setup(o),
  '      - name: qemu-user for an emulated architecture',
  '        if: matrix.emulated',
  '        run: sudo apt-get update -q && sudo apt-get install -y -q qemu-user-static binfmt-support arch-test',
  ...restoreBuilderImages,
  '      - id: build',
  '        env:',
  '          RECIPE: ${{ matrix.recipe }}',
  '          TARGET: ${{ matrix.target }}',
  '          ARCH: ${{ matrix.arch }}',
  ...(channel === 'stable'
    ? ['          VERSION: ${{ matrix.version }}']
    : ['          COMMIT: ${{ matrix.commit }}', '          PREVIOUS: ${{ matrix.previous }}']),
  '          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
  '        run: |',
  // Trunk cells build the commit the plan chose, so one recipe's cells agree even if HEAD moves.
  `          pkgtrack build "$RECIPE" --target "$TARGET" ${channel === 'stable' ? '--version "$VERSION"' : '--trunk --commit "$COMMIT" ${PREVIOUS:+--previous "$PREVIOUS"}'} \${ARCH:+--arch "$ARCH"} --out out`,
  '          # Artifact names may not hold ":" (debian:bookworm).',
  '          echo "artifact=pkgtrack-$RECIPE-${TARGET//[^A-Za-z0-9._-]/-}${ARCH:+-$ARCH}" >> "$GITHUB_OUTPUT"',
  ...saveBuilderImages,
  `      - uses: ${ACTION['upload-artifact']}`,
  '        with:',
  '          name: ${{ steps.build.outputs.artifact }}',
  '          path: out/',
  '          if-no-files-found: error',
  '          # "Re-run all jobs" uploads again under the same name.',
  '          overwrite: true',
  '          retention-days: 3',
];

/**
 * One publish for every cell that built. The key and passphrase reach pkgtrack through a 0600 file
 * and the environment of the steps that need them, never argv or the log.
 */
/** Every cell's artifacts, and the signing key into a 0600 file: the first steps of any publish job. */
const artifactsAndKey = [
  `      - uses: ${ACTION['download-artifact']}`,
  '        with:',
  '          pattern: pkgtrack-*',
  '          path: artifacts',
  '      - name: Write the signing key',
  '        env:',
  '          PKGTRACK_SIGNING_KEY: ${{ secrets.PKGTRACK_SIGNING_KEY }}',
  '        run: |',
  '          umask 077',
  '          mkdir -p keys',
  '          printenv PKGTRACK_SIGNING_KEY > keys/signing.key',
];

const publishJob = (o: Resolved) => [
  ...publishJobHead(o),
  ...(o.publish === 's3' ? s3PublishJobBody({ output: o.output, setup: setup(o), artifactsAndKey }) : pagesPublishJobBody(o)),
];

const publishJobHead = (o: Resolved) => [
  '  publish:',
  '    needs: [plan, build]',
  '    # Also when some cells failed: what built is published, the failed cells show in red.',
  '    # !cancelled() drops the implicit success(): a skipped or failed plan (pull requests) is',
  '    # ruled out by its result, not by how a missing count happens to compare with 0.',
  "    if: ${{ !cancelled() && needs.plan.result == 'success' && needs.plan.outputs.count != '0' }}",
  `    runs-on: ${o.runsOn}`,
];

const pagesPublishJobBody = (o: Resolved) => [
  '    permissions:',
  `      contents: write # push to ${o.pagesBranch}`,
  '    # One publisher at a time across both pkgtrack workflows; a queued one waits.',
  '    concurrency:',
  '      group: pkgtrack-publish',
  '      cancel-in-progress: false',
  '    steps:',
  ...setup(o),
  ...restoreOutput(o),
  ...artifactsAndKey,
  '      - name: Publish',
  '        env:',
  '          PKGTRACK_KEY_PASSPHRASE: ${{ secrets.PKGTRACK_KEY_PASSPHRASE }}',
  '          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
  // The plan: cells that delivered no artifact are recorded and go last in the next plan.
  '          PLANNED: ${{ needs.plan.outputs.matrix }}',
  '        run: |',
  '          printenv PLANNED > planned.json',
  `          pkgtrack publish --from-artifacts artifacts --planned planned.json --output ${o.output} --to "git+https://github.com/$GITHUB_REPOSITORY.git#${o.pagesBranch}" --lease "$PKGTRACK_PAGES_BASE"`,
  ...(o.pages === 'artifact' ? [`      - uses: ${ACTION['upload-pages-artifact']}`, '        with:', `          path: ${o.output}/`] : []),
  '      - name: Remove the signing key',
  '        if: always()',
  '        run: rm -f keys/signing.key',
];

const deployJob = (o: Resolved) => [
  '  deploy:',
  '    needs: publish',
  `    runs-on: ${o.runsOn}`,
  '    permissions:',
  '      pages: write',
  '      id-token: write',
  '    environment:',
  '      name: github-pages',
  '      url: ${{ steps.deployment.outputs.page_url }}',
  '    steps:',
  '      - id: deployment',
  `        uses: ${ACTION['deploy-pages']}`,
];
