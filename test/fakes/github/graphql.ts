/**
 * GraphQL for the fake GitHub: queries are parsed, validated and executed against GitHub's
 * published schema (@octokit/graphql-schema), so a query GitHub would reject fails here too.
 * Resolvers read the fixture model. GitHub's pagination rules (first/last required, at most 100)
 * and its 500,000-node limit are enforced; the rate-limit cost is computed the way GitHub
 * documents it (connection requests / 100, at least 1).
 */
import { schema as octokitSchema } from '@octokit/graphql-schema';
import {
  buildSchema,
  execute,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
  type ValueNode,
} from 'graphql';
import { type FakeIssue, type FakePull, type FakeRelease, type FakeRepo, type FakeTag, fakeSha, fullName } from './model.js';

let cachedSchema: GraphQLSchema | undefined;
/** GitHub's schema, built once per process (it is large). */
export function githubSchema(): GraphQLSchema {
  cachedSchema ??= buildSchema(octokitSchema.idl, { assumeValidSDL: true });
  return cachedSchema;
}

export const NODE_LIMIT = 500_000;

export interface GraphqlOutcome {
  body: { data?: unknown; errors?: unknown[] };
  cost: number;
  nodes: number;
  /** Number of top-level fields (aliases), e.g. repositories asked in one query. */
  topLevelFields: number;
}

type Args = Record<string, unknown>;

function connection<T>(
  items: T[],
  args: Args,
  field: string,
): { nodes: T[]; edges: Array<{ node: T; cursor: string }>; totalCount: number; pageInfo: object } {
  const first = args.first as number | undefined;
  const last = args.last as number | undefined;
  if (first === undefined && last === undefined) {
    throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`);
  }
  const n = (first ?? last)!;
  if (n > 100)
    throw new GraphQLError(
      `Requesting ${n} records on the \`${field}\` connection exceeds the \`${first !== undefined ? 'first' : 'last'}\` limit of 100 records.`,
    );
  const page = first !== undefined ? items.slice(0, n) : items.slice(-n);
  return {
    nodes: page,
    edges: page.map((node, i) => ({ node, cursor: Buffer.from(`cursor:${i}`).toString('base64') })),
    totalCount: items.length,
    pageInfo: {
      hasNextPage: page.length < items.length && first !== undefined,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    },
  };
}

function releaseObject(repo: FakeRepo, r: FakeRelease) {
  const tag = repo.tags?.find((t) => t.name === r.tagName);
  const url = `https://github.com/${fullName(repo)}/releases/tag/${r.tagName}`;
  return {
    __typename: 'Release',
    id: `R_${fakeSha(`${fullName(repo)}#${r.tagName}`).slice(0, 12)}`,
    tagName: r.tagName,
    name: r.name ?? r.tagName,
    isDraft: r.isDraft ?? false,
    isPrerelease: r.isPrerelease ?? false,
    isLatest: false,
    publishedAt: r.isDraft ? null : (r.publishedAt ?? null),
    createdAt: r.publishedAt ?? '2025-01-01T00:00:00Z',
    updatedAt: r.publishedAt ?? '2025-01-01T00:00:00Z',
    url,
    tagCommit: tag ? commitObject(tag.commit, tag.committedAt) : null,
    tag: tag ? refObject(tag) : null,
    releaseAssets: (args: Args) =>
      connection(
        (r.assets ?? []).map((a) => ({
          __typename: 'ReleaseAsset',
          id: `RA_${fakeSha(a.name).slice(0, 12)}`,
          name: a.name,
          size: a.size ?? 0,
          contentType: a.contentType ?? 'application/octet-stream',
          downloadCount: 0,
          downloadUrl: `https://github.com/${fullName(repo)}/releases/download/${r.tagName}/${a.name}`,
          url: `https://github.com/${fullName(repo)}/releases/download/${r.tagName}/${a.name}`,
          createdAt: r.publishedAt ?? '2025-01-01T00:00:00Z',
          updatedAt: r.publishedAt ?? '2025-01-01T00:00:00Z',
        })),
        args,
        'releaseAssets',
      ),
  };
}

function commitObject(oid: string, committedDate?: string) {
  return {
    __typename: 'Commit',
    id: `C_${oid.slice(0, 12)}`,
    oid,
    abbreviatedOid: oid.slice(0, 7),
    committedDate: committedDate ?? '2025-01-01T00:00:00Z',
  };
}

function refObject(tag: FakeTag) {
  const target = tag.tagObject
    ? {
        __typename: 'Tag',
        id: `T_${tag.tagObject.slice(0, 12)}`,
        oid: tag.tagObject,
        abbreviatedOid: tag.tagObject.slice(0, 7),
        name: tag.name,
        target: commitObject(tag.commit, tag.committedAt),
      }
    : commitObject(tag.commit, tag.committedAt);
  return { __typename: 'Ref', id: `REF_${fakeSha(tag.name).slice(0, 12)}`, name: tag.name, prefix: 'refs/tags/', target };
}

function pullObject(repo: FakeRepo, p: FakePull) {
  return {
    __typename: 'PullRequest',
    number: p.number,
    title: p.title ?? `PR ${p.number}`,
    state: p.state,
    merged: p.state === 'MERGED',
    mergedAt: p.mergedAt ?? null,
    closedAt: p.closedAt ?? null,
    closed: p.state !== 'OPEN',
    headRefName: p.headRefName ?? `branch-${p.number}`,
    url: `https://github.com/${fullName(repo)}/pull/${p.number}`,
  };
}

function issueObject(repo: FakeRepo, i: FakeIssue) {
  return {
    __typename: 'Issue',
    number: i.number,
    title: i.title ?? `Issue ${i.number}`,
    state: i.state,
    stateReason: i.stateReason ?? null,
    closed: i.state === 'CLOSED',
    closedAt: i.closedAt ?? null,
    url: `https://github.com/${fullName(repo)}/issues/${i.number}`,
  };
}

function repositoryObject(repo: FakeRepo) {
  const byTime = (a?: string, b?: string) => (b ?? '').localeCompare(a ?? '');
  return {
    __typename: 'Repository',
    id: `REPO_${fakeSha(fullName(repo)).slice(0, 12)}`,
    name: repo.name,
    nameWithOwner: fullName(repo),
    url: `https://github.com/${fullName(repo)}`,
    isPrivate: repo.isPrivate ?? false,
    defaultBranchRef: {
      __typename: 'Ref',
      name: repo.defaultBranch ?? 'main',
      prefix: 'refs/heads/',
      target: commitObject(repo.branches?.[repo.defaultBranch ?? 'main'] ?? fakeSha('main')),
    },
    ref: (args: Args) => {
      const q = String(args.qualifiedName ?? '');
      const branch = q.startsWith('refs/heads/') ? q.slice(11) : q;
      const sha = repo.branches?.[branch];
      if (sha) return { __typename: 'Ref', id: `REF_${branch}`, name: branch, prefix: 'refs/heads/', target: commitObject(sha) };
      const tag = repo.tags?.find((t) => `refs/tags/${t.name}` === q || t.name === q);
      return tag ? refObject(tag) : null;
    },
    releases: (args: Args) => {
      const order = args.orderBy as { field: string; direction: string } | undefined;
      let list = [...(repo.releases ?? [])].sort((a, b) => byTime(a.publishedAt, b.publishedAt));
      if (order?.field === 'NAME')
        list = [...(repo.releases ?? [])].sort((a, b) => (b.name ?? b.tagName).localeCompare(a.name ?? a.tagName));
      if (order?.direction === 'ASC') list.reverse();
      return connection(
        list.map((r) => releaseObject(repo, r)),
        args,
        'releases',
      );
    },
    latestRelease: () => {
      const r = [...(repo.releases ?? [])]
        .filter((x) => !x.isDraft && !x.isPrerelease)
        .sort((a, b) => byTime(a.publishedAt, b.publishedAt))[0];
      return r ? releaseObject(repo, r) : null;
    },
    refs: (args: Args) => {
      const prefix = String(args.refPrefix ?? '');
      if (!/^refs\/\S+\/$/.test(prefix)) throw new GraphQLError(`refPrefix must end in '/': ${prefix}`);
      let list: ReturnType<typeof refObject>[] = [];
      if (prefix === 'refs/tags/') {
        const order = args.orderBy as { field: string; direction: string } | undefined;
        const tags = [...(repo.tags ?? [])];
        if (order?.field === 'TAG_COMMIT_DATE') tags.sort((a, b) => (a.committedAt ?? '').localeCompare(b.committedAt ?? ''));
        else tags.sort((a, b) => a.name.localeCompare(b.name));
        if (order?.direction === 'DESC') tags.reverse();
        list = tags.map(refObject);
      } else if (prefix === 'refs/heads/') {
        list = Object.entries(repo.branches ?? {}).map(([name, sha]) => ({
          __typename: 'Ref',
          id: `REF_${name}`,
          name,
          prefix,
          target: commitObject(sha),
        }));
      }
      return connection(list, args, 'refs');
    },
    pullRequest: (args: Args) => {
      const p = repo.pulls?.find((x) => x.number === args.number);
      return p ? pullObject(repo, p) : null;
    },
    issue: (args: Args) => {
      const i = repo.issues?.find((x) => x.number === args.number);
      return i ? issueObject(repo, i) : null;
    },
    pullRequests: (args: Args) => {
      const states = args.states as string[] | undefined;
      return connection(
        (repo.pulls ?? []).filter((p) => !states || states.includes(p.state)).map((p) => pullObject(repo, p)),
        args,
        'pullRequests',
      );
    },
    issues: (args: Args) => {
      const states = args.states as string[] | undefined;
      return connection(
        (repo.issues ?? []).filter((i) => !states || states.includes(i.state)).map((i) => issueObject(repo, i)),
        args,
        'issues',
      );
    },
  };
}

/** Count nodes and connection requests the way GitHub's documentation describes. */
function estimate(
  doc: ReturnType<typeof parse>,
  variables: Record<string, unknown>,
): { nodes: number; requests: number; topLevel: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const num = (v: ValueNode | undefined): number | undefined => {
    if (!v) return undefined;
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE) return Number(variables[v.name.value]) || undefined;
    return undefined;
  };
  let nodes = 0;
  let requests = 0;
  const walk = (set: SelectionSetNode | undefined, multiplier: number) => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) walk(fragments.get(sel.name.value)?.selectionSet, multiplier);
      else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, multiplier);
      else {
        const f = sel as FieldNode;
        const first = num(f.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last')?.value);
        if (first !== undefined) {
          requests += multiplier;
          nodes += multiplier * first;
          walk(f.selectionSet, multiplier * first);
        } else walk(f.selectionSet, multiplier);
      }
    }
  };
  let topLevel = 0;
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) {
      topLevel += d.selectionSet.selections.length;
      requests += 1;
      walk(d.selectionSet, 1);
    }
  }
  return { nodes, requests, topLevel };
}

export function runGraphql(
  repos: ReadonlyMap<string, FakeRepo>,
  query: unknown,
  variables: Record<string, unknown> | undefined,
  rate: { limit: number; remaining: number; resetAt: number; used: number },
): GraphqlOutcome {
  if (typeof query !== 'string')
    return {
      body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      cost: 0,
      nodes: 0,
      topLevelFields: 0,
    };
  let doc: ReturnType<typeof parse>;
  try {
    doc = parse(query);
  } catch (e) {
    return {
      body: { errors: [{ message: (e as GraphQLError).message, locations: (e as GraphQLError).locations }] },
      cost: 0,
      nodes: 0,
      topLevelFields: 0,
    };
  }
  const schema = githubSchema();
  const invalid = validate(schema, doc);
  if (invalid.length)
    return { body: { errors: invalid.map((e) => ({ message: e.message, locations: e.locations })) }, cost: 0, nodes: 0, topLevelFields: 0 };
  const est = estimate(doc, variables ?? {});
  if (est.nodes > NODE_LIMIT) {
    return {
      body: {
        errors: [
          {
            type: 'MAX_NODE_LIMIT_EXCEEDED',
            message: `By the time this query traverses to the nodes connection, it is requesting up to ${est.nodes} possible nodes which exceeds the maximum limit of ${NODE_LIMIT}.`,
          },
        ],
      },
      cost: 0,
      nodes: est.nodes,
      topLevelFields: est.topLevel,
    };
  }
  const cost = Math.max(1, Math.round(est.requests / 100));
  if (rate.remaining < cost) {
    return {
      body: { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] },
      cost: 0,
      nodes: est.nodes,
      topLevelFields: est.topLevel,
    };
  }
  rate.remaining -= cost;
  rate.used += cost;
  const root = {
    repository: (args: Args) => {
      const repo = repos.get(`${args.owner}/${args.name}`.toLowerCase());
      if (!repo)
        throw Object.assign(new GraphQLError(`Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`), {
          extensions: { type: 'NOT_FOUND' },
        });
      return repositoryObject(repo);
    },
    rateLimit: () => ({
      __typename: 'RateLimit',
      cost,
      limit: rate.limit,
      remaining: rate.remaining,
      used: rate.used,
      resetAt: new Date(rate.resetAt * 1000).toISOString(),
      nodeCount: est.nodes,
    }),
  };
  const result = execute({ schema, document: doc, rootValue: root, variableValues: variables ?? {} }) as {
    data?: unknown;
    errors?: readonly GraphQLError[];
  };
  const errors = result.errors?.map((e) => {
    const type =
      (e.originalError as { extensions?: { type?: string } } | undefined)?.extensions?.type ?? (e.extensions?.type as string | undefined);
    return { ...(type ? { type } : {}), path: e.path, locations: e.locations, message: e.message };
  });
  return {
    body: { data: result.data ?? null, ...(errors?.length ? { errors } : {}) },
    cost,
    nodes: est.nodes,
    topLevelFields: est.topLevel,
  };
}
