/**
 * Forwarded/Bug URLs that point at GitHub pull requests or issues, and one batched GraphQL query
 * for the state of all of them (aliases per repository and per number). Pure.
 */
import type { ForwardState } from './model.js';

export interface GithubRef {
  owner: string;
  repo: string;
  number: number;
  kind: 'pull' | 'issue';
  url: string;
}

const GITHUB_URL = /^https?:\/\/(?:www\.)?github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/(pull|pulls|issues)\/(\d+)(?:[/?#].*)?$/;

/** A GitHub PR or issue URL (github.com, or the host of a GitHub Enterprise `webUrl`). */
export function parseGithubRef(url: string, webHosts: readonly string[] = []): GithubRef | undefined {
  let m = GITHUB_URL.exec(url.trim());
  if (!m) {
    for (const host of webHosts) {
      const re = new RegExp(
        `^${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/$/, '')}/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/(pull|pulls|issues)/(\\d+)(?:[/?#].*)?$`,
      );
      m = re.exec(url.trim());
      if (m) break;
    }
  }
  if (!m) return undefined;
  return {
    owner: m[1]!,
    repo: m[2]!.replace(/\.git$/, ''),
    kind: m[3] === 'issues' ? 'issue' : 'pull',
    number: Number(m[4]),
    url: url.trim(),
  };
}

/** At most this many PRs/issues per query: well inside GitHub's node and cost limits. */
export const MAX_REFS_PER_QUERY = 100;

export function buildForwardedQuery(refs: readonly GithubRef[]): { query: string; keys: Map<string, GithubRef> } {
  const byRepo = new Map<string, GithubRef[]>();
  for (const r of refs) {
    const k = `${r.owner}/${r.repo}`;
    byRepo.set(k, [...(byRepo.get(k) ?? []), r]);
  }
  const keys = new Map<string, GithubRef>();
  const parts: string[] = [];
  let ri = 0;
  for (const list of byRepo.values()) {
    const alias = `r${ri++}`;
    const fields: string[] = [];
    const seen = new Set<string>();
    for (const r of list) {
      const a = `${r.kind === 'pull' ? 'p' : 'i'}${r.number}`;
      keys.set(`${alias}.${a}`, r);
      if (seen.has(a)) continue;
      seen.add(a);
      fields.push(
        r.kind === 'pull'
          ? `${a}: pullRequest(number: ${r.number}) { url title state mergedAt closedAt }`
          : `${a}: issue(number: ${r.number}) { url title state stateReason closedAt }`,
      );
    }
    // owner/repo are validated by the URL pattern; JSON.stringify quotes them for GraphQL.
    parts.push(
      `  ${alias}: repository(owner: ${JSON.stringify(list[0]!.owner)}, name: ${JSON.stringify(list[0]!.repo)}) {\n    ${fields.join('\n    ')}\n  }`,
    );
  }
  return { query: `query PkgtrackForwardedStates {\n${parts.join('\n')}\n}`, keys };
}

interface GqlItem {
  url?: string;
  title?: string;
  state?: string;
  mergedAt?: string | null;
  closedAt?: string | null;
  stateReason?: string | null;
}

/** Read the answer back into one state per URL; refs GitHub did not find are left out. */
export function forwardedStatesFromGraphql(
  data: Record<string, Record<string, GqlItem | null> | null>,
  keys: Map<string, GithubRef>,
): Map<string, ForwardState> {
  const out = new Map<string, ForwardState>();
  for (const [key, ref] of keys) {
    const [ra, ia] = key.split('.') as [string, string];
    const item = data[ra]?.[ia];
    if (!item?.state) continue;
    const merged = item.state === 'MERGED' || (ref.kind === 'issue' && item.state === 'CLOSED' && item.stateReason === 'COMPLETED');
    const state: ForwardState['state'] = item.state === 'OPEN' ? 'open' : merged ? 'merged' : 'closed';
    const at = state === 'merged' ? (item.mergedAt ?? item.closedAt) : state === 'closed' ? item.closedAt : undefined;
    out.set(ref.url, { url: ref.url, kind: ref.kind, state, ...(item.title ? { title: item.title } : {}), ...(at ? { at } : {}) });
  }
  return out;
}
