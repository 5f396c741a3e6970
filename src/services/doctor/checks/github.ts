/**
 * Upstream access: a GitHub token when recipes follow GitHub (GraphQL needs one; without it
 * pkgtrack falls back to one REST request per repository at 60/hour), the API reachable with
 * rate limit to spare, and the keyrings debian upstreams verify against.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { redact } from '../../../core/secrets.js';
import { DEFAULT_DEBIAN_KEYRING } from '../../../upstream/debian.js';
import { DEFAULT_GITHUB_API } from '../../../upstream/github-client.js';
import { githubToken } from '../../../upstream/github-token.js';
import type { DoctorCheck, DoctorContext, Finding } from '../types.js';

function githubHosts(ctx: DoctorContext): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const r of ctx.recipes ?? []) {
    const u = r.config.upstream;
    if (u.kind !== 'github') continue;
    const host = (u.apiUrl ?? process.env.PKGTRACK_GITHUB_API_URL ?? DEFAULT_GITHUB_API).replace(/\/+$/, '');
    hosts.set(host, [...(hosts.get(host) ?? []), r.name]);
  }
  return hosts;
}

async function rateLimit(host: string, token: string | undefined): Promise<Finding> {
  const id = `github.api.${new URL(host).host}`;
  try {
    const res = await fetch(`${host}/rate_limit`, {
      headers: {
        'user-agent': 'pkgtrack-doctor',
        accept: 'application/vnd.github+json',
        ...(token ? { authorization: `token ${token}` } : {}),
      },
      signal: AbortSignal.timeout(8000),
    });
    if (res.status === 401) {
      return {
        id,
        status: 'error',
        message: `${host} rejects the token (HTTP 401)`,
        fix: 'Replace GITHUB_TOKEN/GH_TOKEN with a valid token.',
      };
    }
    if (!res.ok)
      return {
        id,
        status: 'warn',
        message: `${host}/rate_limit answered HTTP ${res.status}`,
        fix: 'Check upstream.apiUrl and the network.',
      };
    const body = (await res.json()) as { resources?: Record<string, { limit?: number; remaining?: number; reset?: number }> };
    const gql = body.resources?.graphql;
    const core = body.resources?.core;
    const details = { graphql: gql ?? null, core: core ?? null };
    const low = (gql && (gql.remaining ?? 0) < 50) || (core && (core.remaining ?? 0) < 50);
    const resetAt = gql?.reset ?? core?.reset;
    return low
      ? {
          id,
          status: 'warn',
          message: `${host}: rate limit nearly used up (GraphQL ${gql?.remaining ?? '?'} left, REST ${core?.remaining ?? '?'} left)`,
          fix: `Wait until ${resetAt ? new Date(resetAt * 1000).toISOString() : 'the reset'} before checking many recipes.`,
          details,
        }
      : { id, status: 'ok', message: `${host} reachable${gql ? ` (GraphQL ${gql.remaining}/${gql.limit} points left)` : ''}`, details };
  } catch (e) {
    return {
      id,
      status: 'warn',
      message: `${host} is unreachable: ${redact((e as Error).message)}`,
      fix: 'Check the network, a proxy, or upstream.apiUrl.',
    };
  }
}

export const githubChecks: DoctorCheck[] = [
  {
    id: 'upstream-github',
    title: 'GitHub access for upstream checks',
    async run(ctx) {
      const hosts = githubHosts(ctx);
      const token = githubToken();
      const count = [...hosts.values()].reduce((n, l) => n + l.length, 0);
      const findings: Finding[] = [];
      if (count === 0) return [{ id: 'github.token', status: 'skip', message: 'no recipe follows GitHub' }];
      findings.push(
        token
          ? {
              id: 'github.token',
              status: 'ok',
              message: `GitHub token set (${process.env.GITHUB_TOKEN ? 'GITHUB_TOKEN' : 'GH_TOKEN'}); ${count} recipes checked in batches over GraphQL`,
            }
          : {
              id: 'github.token',
              status: 'warn',
              message: `${count} recipe${count === 1 ? '' : 's'} follow GitHub but neither GITHUB_TOKEN nor GH_TOKEN is set: one REST request per repository, 60 requests/hour`,
              fix: 'Set GITHUB_TOKEN (a fine-grained token with no permissions is enough for public repositories); in CI, pass it as a secret.',
            },
      );
      for (const host of hosts.keys()) findings.push(await rateLimit(host, token));
      return findings;
    },
  },
  {
    id: 'upstream-debian-keyrings',
    title: 'Keyrings for debian upstreams',
    async run(ctx) {
      const findings: Finding[] = [];
      for (const r of ctx.recipes ?? []) {
        const u = r.config.upstream;
        if (u.kind !== 'debian') continue;
        const ring = u.keyring ? (isAbsolute(u.keyring) ? u.keyring : join(r.dir, u.keyring)) : DEFAULT_DEBIAN_KEYRING;
        const ok = await access(ring).then(
          () => true,
          () => false,
        );
        findings.push(
          ok
            ? { id: `upstream.keyring.${r.name}`, status: 'ok', message: `${r.name}: keyring ${ring} present` }
            : {
                id: `upstream.keyring.${r.name}`,
                status: 'error',
                message: `${r.name}: keyring ${ring} is missing, so the archive's InRelease cannot be verified`,
                fix: u.keyring ? `Add the archive key at ${ring} (upstream.keyring).` : 'apt-get install debian-archive-keyring',
              },
        );
      }
      return findings.length ? findings : [{ id: 'upstream.keyring', status: 'skip', message: 'no recipe follows a Debian archive' }];
    },
  },
];
