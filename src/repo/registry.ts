/**
 * The repository formats pkgtrack publishes, and how an artifact picks one (by file type).
 * Each format lives under its own root inside the output directory: `<output>/<kind>/`
 * (apt: <output>/apt/{pool,dists}; yum: <output>/yum/...), so one output holds both.
 *
 * To add a format: implement RepoFormat (format.ts) and add ONE line to `FACTORIES`.
 */
import { changelogsTemplate } from './apt/changelogs.js';
import { join } from 'node:path';
import type { RecipesRepositoryConfig } from '../recipe/schema.js';
import { type AptRepoConfig, AptFormat } from './apt/apt-format.js';
import type { ArtifactInput, PackageRef, RepoContext, RepoFormat, RepoKind } from './format.js';
import type { YumFormatOptions, YumRepoFormat } from './yum/format.js';

/** Repository settings every format may read (pkgtrack.yaml, or defaults without one). */
export type RepoSettings = Pick<
  RecipesRepositoryConfig,
  'name' | 'origin' | 'label' | 'description' | 'architectures' | 'components' | 'channels'
> &
  Partial<Pick<RecipesRepositoryConfig, 'url' | 'contents' | 'debugSymbols'>>;

export const DEFAULT_SETTINGS: RepoSettings = {
  name: 'pkgtrack',
  origin: 'pkgtrack',
  label: 'pkgtrack',
  architectures: ['amd64'],
  components: ['main'],
  channels: {
    stable: { suiteSuffix: '', backports: false, notAutomatic: false, butAutomaticUpgrades: false },
    trunk: { suiteSuffix: '-trunk', notAutomatic: true, butAutomaticUpgrades: true, keep: 5 },
  },
};

export function aptConfigFrom(s: RepoSettings): AptRepoConfig {
  return {
    origin: s.origin,
    label: s.label,
    ...(s.description ? { description: s.description } : {}),
    architectures: s.architectures,
    components: s.components,
    trunk: s.channels.trunk,
    stable: s.channels.stable,
    ...(s.contents ? { contents: true } : {}),
    // Where apt finds the changelogs: only a repository that knows its public URL can say.
    ...(s.url ? { changelogs: changelogsTemplate(`${s.url.replace(/\/+$/, '')}/apt`) } : {}),
  };
}

/**
 * The yum format, loaded on first use: its module graph brings openpgp.js (rpm signatures), ~25 ms
 * that an apt publish would otherwise pay at start-up before its reader threads begin.
 */
class LazyYumFormat implements RepoFormat {
  readonly kind = 'yum' as const;
  private loaded: Promise<YumRepoFormat> | undefined;

  constructor(private readonly opts: YumFormatOptions) {}

  accepts(file: string): boolean {
    return file.endsWith('.rpm');
  }

  private format(): Promise<YumRepoFormat> {
    this.loaded ??= import('./yum/format.js').then((m) => new m.YumRepoFormat(this.opts));
    return this.loaded;
  }

  async publish(ctx: RepoContext, change: { add: ArtifactInput[]; remove: PackageRef[] }) {
    return (await this.format()).publish(ctx, change);
  }

  async refresh(ctx: RepoContext, suites?: string[]) {
    return (await this.format()).refresh(ctx, suites);
  }

  async list(root: string, suite?: string) {
    return (await this.format()).list(root, suite);
  }

  async verify(target: string, opts: { keyring?: string; fingerprints?: string[] }) {
    return (await this.format()).verify(target, opts);
  }
}

const FACTORIES: Array<(s: RepoSettings) => RepoFormat> = [
  (s) => new AptFormat(aptConfigFrom(s)),
  (s) =>
    new LazyYumFormat({
      repositoryName: s.name,
      label: s.label,
      ...(s.url ? { baseUrl: `${s.url.replace(/\/+$/, '')}/yum` } : {}),
    }),
];

export function repoFormats(settings: RepoSettings = DEFAULT_SETTINGS): RepoFormat[] {
  return FACTORIES.map((f) => f(settings));
}

export function formatFor(formats: readonly RepoFormat[], file: string): RepoFormat | undefined {
  return formats.find((f) => f.accepts(file));
}

export function formatOfKind(formats: readonly RepoFormat[], kind: RepoKind): RepoFormat | undefined {
  return formats.find((f) => f.kind === kind);
}

/** Where a format's repository lives inside the output directory. */
export const repoRoot = (output: string, kind: RepoKind) => join(output, kind);
