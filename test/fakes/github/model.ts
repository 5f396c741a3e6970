/**
 * The fake GitHub's data model: repositories with releases (and their assets), tags (light or
 * annotated), branches, pull requests and issues. Tests build it with plain objects and may
 * change it while the server runs (e.g. force-move a tag, replace an asset).
 */
import { createHash } from 'node:crypto';

export interface FakeAsset {
  name: string;
  size?: number;
  contentType?: string;
  /** `sha256:<hex>`, as GitHub's REST API reports it; omitted for assets uploaded before digests. */
  digest?: string;
}

export interface FakeRelease {
  tagName: string;
  name?: string;
  isDraft?: boolean;
  isPrerelease?: boolean;
  /** ISO time; also the creation time used for ordering. */
  publishedAt?: string;
  assets?: FakeAsset[];
}

export interface FakeTag {
  name: string;
  /** Commit the tag (after peeling) points to. */
  commit: string;
  /** Annotated tags have a tag object of their own. */
  tagObject?: string;
  /** Commit date, for TAG_COMMIT_DATE ordering. */
  committedAt?: string;
}

export interface FakePull {
  number: number;
  title?: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  mergedAt?: string;
  closedAt?: string;
  headRefName?: string;
  /** Set when the pull request was opened through the REST API (patches forward). */
  baseRefName?: string;
  body?: string;
}

export interface FakeIssue {
  number: number;
  title?: string;
  state: 'OPEN' | 'CLOSED';
  stateReason?: 'COMPLETED' | 'NOT_PLANNED' | 'REOPENED';
  closedAt?: string;
}

export interface FakeRepo {
  owner: string;
  name: string;
  defaultBranch?: string;
  branches?: Record<string, string>;
  releases?: FakeRelease[];
  tags?: FakeTag[];
  pulls?: FakePull[];
  issues?: FakeIssue[];
  isPrivate?: boolean;
}

export const fullName = (r: Pick<FakeRepo, 'owner' | 'name'>) => `${r.owner}/${r.name}`;

/** A stable fake object id derived from text, so fixtures need not invent SHAs. */
export function fakeSha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function fakeDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * A repository with `versions` released as v<version> tags, oldest first, one day apart, each
 * with a source tarball asset; handy for bulk fixtures (benchmarks, many-recipe tests).
 */
export function simpleRepo(
  owner: string,
  name: string,
  versions: readonly string[],
  opts: { prerelease?: string[]; draft?: string[] } = {},
): FakeRepo {
  const base = Date.parse('2025-01-01T00:00:00Z');
  const tags: FakeTag[] = versions.map((v, i) => ({
    name: `v${v}`,
    commit: fakeSha(`${owner}/${name}@${v}`),
    committedAt: new Date(base + i * 86_400_000).toISOString(),
  }));
  const releases: FakeRelease[] = versions.map((v, i) => ({
    tagName: `v${v}`,
    name: `${name} ${v}`,
    isPrerelease: opts.prerelease?.includes(v) ?? false,
    isDraft: opts.draft?.includes(v) ?? false,
    publishedAt: new Date(base + i * 86_400_000).toISOString(),
    assets: [
      { name: `${name}-${v}.tar.gz`, size: 1000 + i, contentType: 'application/gzip', digest: fakeDigest(`${owner}/${name}-${v}.tar.gz`) },
    ],
  }));
  return {
    owner,
    name,
    defaultBranch: 'main',
    branches: { main: fakeSha(`${owner}/${name}@main`) },
    tags,
    releases,
    pulls: [],
    issues: [],
  };
}
