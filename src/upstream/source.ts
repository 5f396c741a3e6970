/**
 * The upstream port. One implementation per kind (github, git, debian, http), all behind this
 * interface; `check`, `fetch` and `nightly` only talk to it.
 */
import type { UpstreamConfig } from '../recipe/schema.js';

/** One upstream release as seen at one moment. */
export interface UpstreamRelease {
  /** Upstream version after tag mangling, e.g. `2.12.1`. */
  version: string;
  /** The tag or archive name it came from, e.g. `v2.12.1`. */
  tag?: string;
  /** Commit the tag points to, when the source knows it (git, github). */
  commit?: string;
  /** Where to download the source: a tarball or release asset URL. */
  sourceUrl?: string;
  /** Detached signature URL for `sourceUrl`, when upstream publishes one. */
  signatureUrl?: string;
  /** SHA-256 of the source as published (debian Sources index, github asset digest). */
  sha256?: string;
  /** Git remote and ref to archive when there is no tarball (git/github without assets). */
  git?: { url: string; ref: string };
  prerelease?: boolean;
  publishedAt?: string;
}

/** The head of a branch, for the trunk channel. */
export interface UpstreamHead {
  branch: string;
  commit: string;
  /** Latest release tag reachable from the head and the number of commits since it. */
  describe?: { tag: string; commitsSince: number };
  committedAt?: string;
  git: { url: string };
}

export interface RecipeUpstream {
  recipe: string;
  config: UpstreamConfig;
  /** The recipe folder, for paths in the upstream section (e.g. a debian keyring); optional. */
  dir?: string;
  /** Converts a tag to an upstream version (recipe `versions`), or undefined to ignore the tag. */
  tagToVersion(tag: string): string | undefined;
}

export interface UpstreamSource {
  readonly kind: UpstreamConfig['kind'];
  /**
   * Releases of many recipes at once, newest first per recipe. Sources that can batch (GitHub
   * GraphQL) do so; failures are per recipe, never for the whole batch.
   */
  releases(recipes: readonly RecipeUpstream[]): Promise<Map<string, UpstreamRelease[] | Error>>;
  /** Head of the trunk branch (git and github only). */
  head?(recipe: RecipeUpstream, branch?: string): Promise<UpstreamHead>;
}
