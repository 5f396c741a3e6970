/**
 * `npm run bench -- upstream`: "what is new upstream?" for 300 GitHub recipes, on the fake
 * GitHub (test/fakes/github) with 100 ms added to every request, as a network would.
 *
 *   pkgtrack check   batched GraphQL (100 repositories per query), in-process service
 *   pkgtrack check   the same as a whole process (bin/run.js), as users run it (needs a build)
 *   baseline         one REST request per repository, one after another: the uscan/Anitya pattern
 *
 * Prints requests and wall time for each and the ratio. Target: pkgtrack <= 4 requests and
 * <= 1.5 s in-process. PKGTRACK_BENCH_RECIPES and PKGTRACK_BENCH_LATENCY_MS override the sizes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentProgress } from '../src/core/progress.js';
import { checkRecipes } from '../src/services/check/check.js';
import { githubSchema, simpleRepo, startFakeGithub } from '../test/fakes/github/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.PKGTRACK_BENCH_RECIPES ?? 300);
const LATENCY = Number(process.env.PKGTRACK_BENCH_LATENCY_MS ?? 100);
const TOKEN = 'ghp_benchtoken_0123456789';

export default async function upstreamBench(): Promise<void> {
  githubSchema(); // the fake's one-time schema build is not pkgtrack's time
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-upstream-'));
  const repos = Array.from({ length: N }, (_, i) =>
    simpleRepo(`org${i % 17}`, `project-${i}`, ['1.0.0', `1.${i % 9}.0`, `2.${i}.0`, `2.${i}.1`]),
  );
  const gh = await startFakeGithub({ token: TOKEN, repos, latencyMs: LATENCY, rateLimit: 100_000 });
  try {
    const root = join(dir, 'recipes-repo');
    mkdirSync(join(root, 'recipes'), { recursive: true });
    writeFileSync(join(root, 'pkgtrack.yaml'), 'name: bench\norigin: Bench\nlabel: Bench\nmaintainer: B <b@example.org>\n');
    for (const r of repos) {
      mkdirSync(join(root, 'recipes', r.name));
      writeFileSync(
        join(root, 'recipes', r.name, 'recipe.yaml'),
        `name: ${r.name}\nupstream:\n  kind: github\n  repo: ${r.owner}/${r.name}\n  apiUrl: ${gh.url}\n`,
      );
    }

    // pkgtrack, in-process (the service `pkgtrack check` calls): first call (cold: module and
    // schema warm-up included), then again (warm, as a long-running nightly job would see it).
    const runOurs = async () => {
      gh.reset();
      const t0 = performance.now();
      const r = await checkRecipes({ recipesDir: root, progress: silentProgress, sourceOptions: { github: { token: TOKEN } } });
      return { result: r, m: { seconds: (performance.now() - t0) / 1000, requests: gh.requests.length } };
    };
    const cold = await runOurs();
    const { result, m: ours } = await runOurs();
    let t = performance.now();
    const wrong = result.recipes.filter((r, i) => r.latest !== `2.${Number(r.recipe.split('-')[1] ?? i)}.1`);
    if (wrong.length) throw new Error(`pkgtrack got ${wrong.length} recipes wrong, e.g. ${JSON.stringify(wrong[0])}`);

    // pkgtrack as a whole process, when built.
    let cli: { seconds: number; requests: number } | undefined;
    if (existsSync(join(ROOT, 'dist', 'commands', 'check.js'))) {
      gh.reset();
      t = performance.now();
      await new Promise<void>((res, rej) =>
        execFile(
          process.execPath,
          [join(ROOT, 'bin', 'run.js'), 'check', '--json'],
          { env: { ...process.env, GITHUB_TOKEN: TOKEN, PKGTRACK_REPO: root }, maxBuffer: 1 << 28 },
          (e) => (e && (e as { code?: number }).code !== 0 && (e as { code?: number }).code !== 10 ? rej(e) : res()),
        ),
      );
      cli = { seconds: (performance.now() - t) / 1000, requests: gh.requests.length };
    }

    // Baseline: one request per repository, sequentially (uscan, Anitya's per-project polling).
    gh.reset();
    t = performance.now();
    let found = 0;
    for (const r of repos) {
      const res = await fetch(`${gh.url}/repos/${r.owner}/${r.name}/releases?per_page=20`, {
        headers: { authorization: `token ${TOKEN}`, 'user-agent': 'bench' },
      });
      const body = (await res.json()) as Array<{ tag_name: string }>;
      if (body.length) found++;
    }
    const base = { seconds: (performance.now() - t) / 1000, requests: gh.requests.length };
    if (found !== N) throw new Error(`baseline found ${found}/${N}`);

    const rows: Array<[string, { seconds: number; requests: number }]> = [
      ['pkgtrack check (in-process, cold)', cold.m],
      ['pkgtrack check (in-process, warm)', ours],
      ...(cli ? [['pkgtrack check (whole process)', cli] as [string, typeof ours]] : []),
      ['baseline: 1 REST request/repo', base],
    ];
    console.log(`\nupstream check: ${N} GitHub recipes, fake GitHub with ${LATENCY} ms per request\n`);
    console.log(
      `${'tool'.padEnd(36)}${'requests'.padStart(10)}${'wall s'.padStart(10)}${'req ratio'.padStart(12)}${'time ratio'.padStart(12)}`,
    );
    for (const [name, m] of rows) {
      console.log(
        `${name.padEnd(36)}${String(m.requests).padStart(10)}${m.seconds.toFixed(2).padStart(10)}${`${(base.requests / m.requests).toFixed(1)}x`.padStart(12)}${`${(base.seconds / m.seconds).toFixed(1)}x`.padStart(12)}`,
      );
    }
    const ok = ours.requests <= 4 && ours.seconds <= 1.5;
    console.log(
      `\ntarget (<= 4 requests, <= 1.5 s in-process, warm): ${ok ? 'met' : 'NOT met'}  (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs)`,
    );
  } finally {
    await gh.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
