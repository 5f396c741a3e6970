/**
 * GitHub GraphQL for many repositories at once: one aliased `repository` field per recipe
 * (r0, r1, ...) in one query, and the parsing of the answer back into releases. Pure.
 *
 * Batch size: each repository asks for RELEASES releases with up to ASSETS assets (only when the
 * recipe picks an asset) or TAGS tags. 100 repositories cost about 21 points and 60,000 nodes,
 * far inside GitHub's 5,000 points/hour and 500,000 nodes per query.
 */
import { PkgtrackError } from '../core/errors.js';
import type { UpstreamRelease } from './source.js';

export const RELEASES = 20;
export const ASSETS = 30;
export const TAGS = 50;
export const MAX_BATCH = 100;

export interface RepoQuery {
  alias: string;
  owner: string;
  name: string;
  use: 'releases' | 'tags';
  withAssets: boolean;
}

const FRAGMENTS = {
  Rel: `fragment Rel on Repository { nameWithOwner url releases(first: ${RELEASES}, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { tagName isDraft isPrerelease publishedAt url tagCommit { oid } } } }`,
  RelAssets: `fragment RelAssets on Repository { nameWithOwner url releases(first: ${RELEASES}, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { tagName isDraft isPrerelease publishedAt url tagCommit { oid } releaseAssets(first: ${ASSETS}) { nodes { name size downloadUrl } } } } }`,
  Tags: `fragment Tags on Repository { nameWithOwner url refs(refPrefix: "refs/tags/", first: ${TAGS}, orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) { nodes { name target { __typename oid ... on Tag { target { oid } } ... on Commit { committedDate } } } } }`,
};

/** The query text and variables for one batch. */
export function buildReleasesQuery(repos: readonly RepoQuery[]): { query: string; variables: Record<string, string> } {
  const used = new Set<keyof typeof FRAGMENTS>();
  const vars: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, string> = {};
  repos.forEach((r, i) => {
    const frag = r.use === 'tags' ? 'Tags' : r.withAssets ? 'RelAssets' : 'Rel';
    used.add(frag);
    vars.push(`$o${i}: String!, $n${i}: String!`);
    fields.push(`${r.alias}: repository(owner: $o${i}, name: $n${i}) { ...${frag} }`);
    variables[`o${i}`] = r.owner;
    variables[`n${i}`] = r.name;
  });
  const query = `query Releases(${vars.join(', ')}) {\n  rateLimit { cost remaining resetAt }\n  ${fields.join('\n  ')}\n}\n${[...used].map((f) => FRAGMENTS[f]).join('\n')}`;
  return { query, variables };
}

interface GqlRelease {
  tagName: string;
  isDraft: boolean;
  isPrerelease: boolean;
  publishedAt: string | null;
  url: string;
  tagCommit: { oid: string } | null;
  releaseAssets?: { nodes: Array<{ name: string; size: number; downloadUrl: string }> };
}
interface GqlRef {
  name: string;
  target: { __typename: string; oid: string; target?: { oid: string }; committedDate?: string } | null;
}
export interface GqlRepository {
  nameWithOwner: string;
  url: string;
  releases?: { nodes: GqlRelease[] };
  refs?: { nodes: GqlRef[] };
}

export interface ReleaseRules {
  tagToVersion(tag: string): string | undefined;
  prereleases: boolean;
  /** Regex picking the release asset; undefined: the source archive of the tag. */
  asset?: string | undefined;
}

/** A GitHub answer not of the shape asked for (a proxy's page, a broken or hostile server). */
export function malformedAnswer(what: string): PkgtrackError {
  return new PkgtrackError({
    code: 'GITHUB_MALFORMED_RESPONSE',
    kind: 'network',
    message: `GitHub sent a malformed answer: ${what}`,
    fix: 'Retry later; check a proxy between you and GitHub.',
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `list.nodes` when it is an array of objects; else the answer is malformed. */
function nodesOf<T>(list: unknown, what: string): T[] {
  const nodes = isObject(list) ? list.nodes : undefined;
  if (!Array.isArray(nodes) || !nodes.every(isObject)) throw malformedAnswer(`${what} is not a list of objects`);
  return nodes as T[];
}

/**
 * Releases of one repository from its GraphQL answer (unsorted; drafts and unwanted prereleases
 * dropped). The answer is checked as it is read: a wrong shape throws GITHUB_MALFORMED_RESPONSE.
 */
export function releasesFromGraphql(repo: GqlRepository, rules: ReleaseRules): UpstreamRelease[] {
  const out: UpstreamRelease[] = [];
  if (typeof repo.url !== 'string') throw malformedAnswer('a repository has no url');
  const archive = (tag: string) => `${repo.url}/archive/refs/tags/${encodeURIComponent(tag)}.tar.gz`;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (repo.releases) {
    const assetRe = rules.asset !== undefined ? new RegExp(rules.asset) : undefined;
    for (const r of nodesOf<GqlRelease>(repo.releases, `${repo.url} releases`)) {
      if (typeof r.tagName !== 'string') throw malformedAnswer(`a release of ${repo.url} has no tagName`);
      if (r.isDraft) continue;
      if (r.isPrerelease && !rules.prereleases) continue;
      const version = rules.tagToVersion(r.tagName);
      if (version === undefined) continue;
      const rel: UpstreamRelease = { version, tag: r.tagName, prerelease: r.isPrerelease === true };
      const commit = str(r.tagCommit?.oid);
      if (commit) rel.commit = commit;
      if (str(r.publishedAt)) rel.publishedAt = r.publishedAt!;
      if (assetRe) {
        const assets = r.releaseAssets ? nodesOf<{ name: string; downloadUrl: string }>(r.releaseAssets, `assets of ${r.tagName}`) : [];
        if (!assets.every((a) => typeof a.name === 'string' && typeof a.downloadUrl === 'string'))
          throw malformedAnswer(`an asset of ${repo.url} ${r.tagName} has no name or downloadUrl`);
        const asset = assets.find((a) => assetRe.test(a.name));
        if (!asset) continue; // a release without the wanted asset is not buildable
        rel.sourceUrl = asset.downloadUrl;
        const sig = assets.find((a) => a.name === `${asset.name}.asc` || a.name === `${asset.name}.sig`);
        if (sig) rel.signatureUrl = sig.downloadUrl;
      } else {
        rel.sourceUrl = archive(r.tagName);
      }
      out.push(rel);
    }
  } else if (repo.refs) {
    for (const ref of nodesOf<GqlRef>(repo.refs, `${repo.url} tags`)) {
      if (typeof ref.name !== 'string') throw malformedAnswer(`a tag of ${repo.url} has no name`);
      const version = rules.tagToVersion(ref.name);
      if (version === undefined || !isObject(ref.target)) continue;
      // Annotated tags point at a tag object; the commit is one level further.
      const commit = str(ref.target.__typename === 'Tag' ? ref.target.target?.oid : ref.target.oid);
      const rel: UpstreamRelease = {
        version,
        tag: ref.name,
        sourceUrl: archive(ref.name),
        git: { url: `${repo.url}.git`, ref: `refs/tags/${ref.name}` },
      };
      if (commit) rel.commit = commit;
      if (str(ref.target.committedDate)) rel.publishedAt = ref.target.committedDate!;
      out.push(rel);
    }
  }
  return out;
}

/** One REST release object (GET /repos/{o}/{r}/releases/...) → the SHA-256 of `assetName`, if GitHub has it. */
export function assetDigestFromRest(release: unknown, assetName: string): string | undefined {
  const assets = (release as { assets?: unknown })?.assets;
  const d = Array.isArray(assets) ? (assets.find((a) => a?.name === assetName) as { digest?: unknown } | undefined)?.digest : undefined;
  const m = typeof d === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(d) : null;
  return m ? m[1] : undefined;
}
