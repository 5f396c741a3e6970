/**
 * The recipe and repository configuration schemas (zod). They are the single source of truth:
 * validation, TypeScript types and the JSON Schema printed by `pkgtrack recipe schema` all
 * come from here.
 */
import { z } from 'zod';
import { archProblem, debArch } from './arches.js';
import { KNOWN_DISTROS, resolveTarget, TARGET_PATTERN } from './targets.js';

/** A container memory size as podman takes it: digits and a unit (8g, 12000m). No `i` flag: the recipe's JSON Schema keeps only the pattern. */
export const MEMORY_SIZE = /^\d+[kmgKMG]$/;

const regexString = (what: string) =>
  z.string().superRefine((s, ctx) => {
    try {
      new RegExp(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${what} is not a valid regular expression: ${(e as Error).message}` });
    }
  });

/** Values that end up in control files, specs and changelogs: one line, no control characters. */
const oneLine = (what: string) =>
  z
    .string()
    .min(1)
    .refine((s) => !/[\r\n\u0000-\u001f\u007f]/.test(s), { message: `${what} must be a single line without control characters` });

const targetId = z.string().superRefine((s, ctx) => {
  if (!TARGET_PATTERN.test(s)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a target; write distro:release, e.g. debian:bookworm or fedora:41` });
  } else if (!resolveTarget(s)) {
    ctx.addIssue({ code: 'custom', message: `unknown distro in "${s}"; known: ${KNOWN_DISTROS.join(', ')} (or give format and image)` });
  }
});

/** An architecture: Debian's name (amd64, arm64, armhf, ...) or the rpm one (x86_64, aarch64, ...), stored as Debian's. */
const archName = z
  .string()
  .superRefine((s, ctx) => {
    const problem = archProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((s) => (archProblem(s) ? s : debArch(s)));

const archList = z
  .array(archName)
  .min(1)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const a of list) {
      if (seen.has(a)) ctx.addIssue({ code: 'custom', message: `architecture "${a}" is listed twice` });
      seen.add(a);
    }
  })
  .describe(
    'Architectures to build (Debian names: amd64, arm64, armhf, ...; rpm names accepted). The first builds the Architecture: all packages and the source',
  );

/** One DEB_BUILD_OPTIONS word: `nocheck`, `nodoc`, `parallel=4`, `optimize=-lto`. */
const buildOption = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.+-]*(=[A-Za-z0-9_.,:+=-]+)?$/,
    'write one DEB_BUILD_OPTIONS word: a name or name=value (nocheck, parallel=4), no spaces',
  )
  .superRefine((s, ctx) => {
    if (s.startsWith('parallel=') && !/^parallel=[1-9][0-9]*$/.test(s))
      ctx.addIssue({ code: 'custom', message: `"${s}": parallel takes a positive number of jobs, e.g. parallel=4` });
  });

/** One build profile (DEB_BUILD_PROFILES, Build-Depends <!nocheck> restrictions): `nocheck`, `nodoc`, `pkg.src.foo`. */
const buildProfile = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.+-]*$/, 'a build profile is lower-case letters, digits, ".", "+" and "-" (nocheck, nodoc, pkg.<source>.<name>)');

/** A package for the dependency image, with an optional version: `tzdata`, `debhelper (>= 13.11)`. */
const packageRelation = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?( \((<<|<=|=|>=|>>) [0-9A-Za-z.+~:-]+\))?$/,
    'write a package name with an optional version, e.g. tzdata or "debhelper (>= 13.11)"',
  );

/** Build settings a recipe, or one of its targets, may give (Debian-style targets). */
const buildSettingsShape = {
  options: z
    .array(buildOption)
    .optional()
    .describe(
      "DEB_BUILD_OPTIONS words added to the ones pkgtrack sets (noddebs): nocheck, nodoc, parallel=N (also the jobs dpkg-buildpackage runs), ...; a target's word replaces the recipe's of the same name",
    ),
  profiles: z
    .array(buildProfile)
    .optional()
    .describe(
      'DEB_BUILD_PROFILES: build profiles to build with (nocheck, nodoc, ...); Build-Depends with <!profile> restrictions are installed accordingly. Debian pairs the nocheck profile with the nocheck option',
    ),
  extraPackages: z
    .array(packageRelation)
    .optional()
    .describe('Packages installed into the dependency image besides the toolchain and the Build-Depends'),
};

/** An apt repository build dependencies may also come from, as sbuild --extra-repository. */
const extraRepository = z.strictObject({
  url: z.url().describe('Repository base URL, e.g. http://deb.debian.org/debian'),
  suite: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a suite name, e.g. bookworm-backports'),
  components: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a component name, e.g. main'))
    .min(1)
    .default(['main']),
  key: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Keyring that signs its Release: a file in the recipes repository (armored .asc, or binary .gpg), relative to its root; default: the distro's archive keyring in the image",
    ),
  priority: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(500)
    .describe(
      'apt pin priority of the suite while dependencies are installed. 500 (default): apt takes the highest version from it or the distro, as Launchpad PPA dependencies do, so a versioned Build-Depends only the suite satisfies installs (bookworm-backports is NotAutomatic: 100 unpinned); 100: only packages the distro lacks',
    ),
});

const targetBuildSettings = z
  .strictObject({
    ...buildSettingsShape,
    extraRepositories: z
      .array(
        z.union([
          z
            .literal('published')
            .describe(
              "This repository's own published suite for the target (<url>/apt from pkgtrack.yaml, verified with signing.key): build B against A published earlier, as a Launchpad PPA depends on itself",
            ),
          extraRepository,
        ]),
      )
      .optional()
      .describe(
        'apt repositories (e.g. bookworm-backports, or `published`) used while the build dependencies are installed, never during the build; as sbuild --extra-repository with --extra-repository-key',
      ),
  })
  .describe("This target's build settings, added to the recipe's build: options, profiles, extra packages, extra repositories");

const targetObject = z.strictObject({
  id: z.string().regex(TARGET_PATTERN, 'write distro:release, e.g. debian:bookworm'),
  format: z.enum(['deb', 'rpm']).optional().describe('Package format, when the distro is not a known one'),
  image: z.string().optional().describe('Container image to build in, instead of the default for the distro'),
  versionSuffix: z
    .string()
    .regex(/^[A-Za-z0-9.+~]*$/, 'only letters, digits, ".", "+" and "~" can go in a version suffix')
    .optional()
    .describe('Appended to the revision so one version never names different bytes in one pool'),
  arches: archList.optional(),
  build: targetBuildSettings.optional(),
});

export const targetSpec = z.union([targetId, targetObject]);

const packageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]+$/, 'package names are lower-case letters, digits, "+", "-" and "." and start with a letter or digit');

export const upstreamSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('github'),
    repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'write owner/name, e.g. cli/cli'),
    use: z.enum(['releases', 'tags']).default('releases').describe('Follow GitHub releases or plain tags'),
    prereleases: z.boolean().default(false),
    asset: regexString('asset').optional().describe('Regex picking the release asset to build from; default: the source archive'),
    apiUrl: z.url().optional().describe('GitHub API base URL (GitHub Enterprise)'),
  }),
  z.strictObject({
    kind: z.literal('git'),
    url: z.string().min(1).describe('Any URL git ls-remote accepts'),
    branch: z.string().optional().describe('Branch whose HEAD the trunk channel follows (default: the remote HEAD)'),
  }),
  z.strictObject({
    kind: z.literal('debian'),
    package: packageName.describe('Source package name in the archive'),
    suite: z.string().default('sid'),
    component: z.string().default('main'),
    archive: z.url().default('http://deb.debian.org/debian'),
    keyring: z.string().optional().describe('Keyring that signs the archive (default: debian-archive-keyring)'),
    checkValidUntil: z
      .boolean()
      .optional()
      .describe(
        "Refuse a Release past its Valid-Until, as apt does (default true). false (apt's Check-Valid-Until=false) accepts a frozen snapshot mirror, with a warning; signatures and hashes are still checked",
      ),
  }),
  z.strictObject({
    kind: z.literal('http'),
    url: z.url().describe('Index page listing the releases'),
    pattern: regexString('pattern').describe('Regex matching release links; the named group "version" (or group 1) is the version'),
  }),
]);

export const versionsSchema = z
  .strictObject({
    tagPattern: regexString('tagPattern')
      .default('^v?(?<version>\\d[0-9A-Za-z.+~-]*)$')
      .describe('Regex that a tag must match; its named group "version" is the upstream version'),
    stripPrefix: z.string().optional().describe('Prefix removed from tags before matching, e.g. "release-"'),
    mangle: z
      .array(z.strictObject({ from: regexString('from'), to: z.string() }))
      .default([])
      .describe('Substitutions applied to the version, in order, like uscan uversionmangle'),
  })
  .superRefine((v, ctx) => {
    if (!v.tagPattern.includes('(?<version>')) {
      ctx.addIssue({ code: 'custom', path: ['tagPattern'], message: 'tagPattern needs a named group (?<version>...)' });
    }
  });

export const channelsSchema = z
  .strictObject({
    stable: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    trunk: z
      .strictObject({
        enabled: z.boolean().default(true),
        branch: z.string().optional().describe('Upstream branch to follow (default: the remote HEAD)'),
        versionPattern: z
          .string()
          .default('{release}+git{date}.{commits}.{sha7}')
          .describe('Snapshot version; placeholders {release} {date} {commits} {sha7} {sha}'),
      })
      .optional(),
  })
  .default({ stable: { enabled: true } });

export const recipeSchema = z
  .strictObject({
    name: packageName.describe('Source package name'),
    summary: oneLine('summary').optional(),
    homepage: z.url().optional(),
    license: oneLine('license').optional(),
    upstream: upstreamSchema,
    versions: versionsSchema.default({ tagPattern: '^v?(?<version>\\d[0-9A-Za-z.+~-]*)$', mangle: [] }),
    source: z
      .strictObject({
        url: z.string().optional().describe('Tarball URL template; {version} is replaced'),
        signatureUrl: z.string().optional().describe('Detached signature URL template (.asc/.sig)'),
        upstreamKey: z.string().optional().describe("Path (in the recipe dir) to upstream's armored public key"),
      })
      .optional(),
    revision: z
      .string()
      .regex(/^[0-9][A-Za-z0-9.+~]*$/, 'a revision starts with a digit and holds letters, digits, ".", "+" and "~"')
      .default('1')
      .describe('Debian revision / RPM release of the packaging'),
    targets: z.array(targetSpec).optional().describe('Targets to build; default: the repository default targets'),
    arches: archList.optional().describe('Architectures of every target that does not name its own (default: amd64)'),
    channels: channelsSchema,
    backport: z
      .strictObject({
        distroVersions: z
          .record(z.string().regex(TARGET_PATTERN, 'write distro:release, e.g. debian:bookworm'), z.string().regex(/^[0-9A-Za-z.+~:-]+$/))
          .default({})
          .describe(
            "The version each target's own archive ships (e.g. debian:bookworm: 1.6-2.1): the build's .changes covers every changelog entry since it (dpkg-buildpackage -v), as a backport upload does",
          ),
      })
      .optional()
      .describe('Written by `recipe import --for`: what the backported packaging replaces on each target'),
    build: z
      .strictObject({
        lintianFailOn: z.enum(['error', 'warning', 'never']).default('error'),
        rpmlintFailOn: z.enum(['error', 'warning', 'never']).default('never'),
        timeoutMinutes: z.number().int().positive().default(60),
        memory: z
          .string()
          .regex(MEMORY_SIZE, 'a size such as 8g or 12000m')
          .optional()
          .describe(
            "Build container memory limit, e.g. 16g (default: three quarters of the machine's memory, at least 4g; build --memory wins)",
          ),
        debugSymbols: z
          .boolean()
          .optional()
          .describe('Build and publish -dbgsym packages for this recipe (default: pkgtrack.yaml debugSymbols)'),
        ...buildSettingsShape,
      })
      .default({ lintianFailOn: 'error', rpmlintFailOn: 'never', timeoutMinutes: 60 }),
  })
  .superRefine((r, ctx) => {
    // A Debian upstream's signature is the archive's own .asc next to the orig tarball: a
    // template here would be applied to the archive URL (<orig>.sig) and answer 404.
    if (r.upstream.kind === 'debian' && r.source?.signatureUrl !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'signatureUrl'],
        message: 'a debian upstream takes its signature from the archive (the .asc beside the orig tarball); remove source.signatureUrl',
      });
  });

export const repositorySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-"'),
  origin: oneLine('origin'),
  label: oneLine('label'),
  description: oneLine('description').optional(),
  maintainer: oneLine('maintainer').regex(/^[^<>]+ <[^<>@\s]+@[^<>\s]+>$/, 'write "Full Name <email@example.org>"'),
  url: z.url().optional().describe('Public base URL of the published repository, used in install snippets'),
  output: z.string().default('public').describe('Directory the repositories are published to'),
  signing: z
    .strictObject({
      key: z.string().describe('Path to the armored (encrypted) private key'),
      passphraseEnv: z.string().default('PKGTRACK_KEY_PASSPHRASE').describe('Environment variable holding the passphrase'),
      passphraseFile: z.string().optional().describe('File holding the passphrase (instead of the environment)'),
      extraKeys: z.array(z.string()).default([]).describe('More keys that sign during a rotation window'),
    })
    .optional(),
  targets: z.array(targetSpec).default(['debian:bookworm', 'debian:trixie']),
  components: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).default(['main']),
  architectures: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/)).default(['amd64']),
  validDays: z.number().int().min(1).max(365).default(14).describe('Valid-Until of Release files, in days'),
  channels: z
    .strictObject({
      stable: z
        .strictObject({
          suiteSuffix: z.string().optional().describe("Default '' (bookworm), '-backports' for a backports channel (bookworm-backports)"),
          backports: z
            .boolean()
            .default(false)
            .describe(
              'A backports channel, as Debian backports: version suffix ~bpo12+1 (Ubuntu ~bpo24.04.1), suites <release>-backports, NotAutomatic + ButAutomaticUpgrades',
            ),
          notAutomatic: z.boolean().optional().describe('apt installs from it only on request (apt install -t SUITE); default: backports'),
          butAutomaticUpgrades: z.boolean().optional().describe('Packages installed from it are upgraded from it; default: backports'),
        })
        .transform((s) => ({
          suiteSuffix: s.suiteSuffix ?? (s.backports ? '-backports' : ''),
          backports: s.backports,
          notAutomatic: s.notAutomatic ?? s.backports,
          butAutomaticUpgrades: s.butAutomaticUpgrades ?? s.backports,
        }))
        .default({ suiteSuffix: '', backports: false, notAutomatic: false, butAutomaticUpgrades: false }),
      trunk: z
        .strictObject({
          suiteSuffix: z.string().default('-trunk'),
          notAutomatic: z.boolean().default(true),
          butAutomaticUpgrades: z.boolean().default(true),
          keep: z.number().int().min(1).default(5),
        })
        .default({ suiteSuffix: '-trunk', notAutomatic: true, butAutomaticUpgrades: true, keep: 5 }),
    })
    .default({
      stable: { suiteSuffix: '', backports: false, notAutomatic: false, butAutomaticUpgrades: false },
      trunk: { suiteSuffix: '-trunk', notAutomatic: true, butAutomaticUpgrades: true, keep: 5 },
    }),
  retention: z.strictObject({ keep: z.number().int().min(1).default(3) }).default({ keep: 3 }),
  contents: z
    .boolean()
    .default(false)
    .describe('Write Contents-<arch>.gz indexes (for apt-file): every package is listed once, from its data.tar'),
  debugSymbols: z
    .boolean()
    .default(true)
    .describe(
      'Build -dbgsym packages and publish them (and rpm -debuginfo/-debugsource) in a separate <suite>-debug suite, as Debian does; false: build none and publish none',
    ),
});

export type RecipeConfig = z.infer<typeof recipeSchema>;
export type RecipesRepositoryConfig = z.infer<typeof repositorySchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type TargetSpec = z.infer<typeof targetSpec>;
export type TargetBuildSettingsConfig = z.infer<typeof targetBuildSettings>;
