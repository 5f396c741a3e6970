/** One UpstreamSource per upstream kind, built with shared options. */
import type { Progress } from '../core/progress.js';
import type { UpstreamConfig } from '../recipe/schema.js';
import { DebianSource, type DebianSourceOptions } from './debian.js';
import { GitSource } from './git.js';
import { GithubSource, type GithubSourceOptions } from './github.js';
import { HttpSource } from './http.js';
import type { UpstreamSource } from './source.js';

export type UpstreamKind = UpstreamConfig['kind'];
export type UpstreamSources = Record<UpstreamKind, UpstreamSource>;

export interface UpstreamSourcesOptions {
  progress?: Progress;
  github?: GithubSourceOptions;
  debian?: DebianSourceOptions;
  fetch?: typeof fetch;
}

export function createUpstreamSources(opts: UpstreamSourcesOptions = {}): UpstreamSources {
  const progress = opts.progress ? { progress: opts.progress } : {};
  const f = opts.fetch ? { fetch: opts.fetch } : {};
  return {
    github: new GithubSource({ ...progress, ...opts.github }),
    git: new GitSource(progress),
    debian: new DebianSource({ ...progress, ...f, ...opts.debian }),
    http: new HttpSource({ ...progress, ...f }),
  };
}

/** A short name for where a recipe's versions come from, e.g. `github:cli/cli`. */
export function describeUpstream(u: UpstreamConfig): string {
  switch (u.kind) {
    case 'github':
      return `github:${u.repo}${u.use === 'tags' ? ' (tags)' : ''}`;
    case 'git':
      return `git:${u.url}`;
    case 'debian':
      return `debian:${u.suite}/${u.package}`;
    case 'http':
      return `http:${u.url}`;
  }
}
