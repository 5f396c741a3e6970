/**
 * A GitHub Actions runner in miniature, for driving the workflows `pkgtrack init` writes: jobs
 * in `needs` order with their `if:` conditions, matrices (from `fromJSON` of a job output),
 * job and step outputs, `$GITHUB_ENV`/`$GITHUB_OUTPUT`/`$GITHUB_STEP_SUMMARY`, and every
 * `run:` step executed as GitHub does (`bash --noprofile --norc -eo pipefail`) in a fresh
 * checkout with a fresh HOME and tool prefix per job, as on a new hosted runner.
 *
 * Only `uses:` steps have stand-ins: checkout = a depth-1 clone of the local bare origin (whose
 * https URL is mapped to it with `url.<origin>.insteadOf`, so the workflows' own
 * `https://github.com/$GITHUB_REPOSITORY.git` reaches it), setup-node = nothing (Node is here),
 * upload/download-artifact = folder copies under the run, cache/restore and cache/save = a
 * folder of entries shared by every run (exact key, else the newest restore-keys prefix). Any
 * other action, or any expression construct the evaluator does not know, fails the run. One
 * difference stays: every job shares this machine's podman image store, which a hosted runner
 * would not (test/containers/image-archive.test.ts loads the cached images into an empty one).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { asString, condition, type ExpressionContext, interpolate, type Value } from './actions-expressions.js';
import { spawnAsync } from './process.js';

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string | boolean;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
  'working-directory'?: string;
}
export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string | boolean;
  'timeout-minutes'?: number;
  env?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix: unknown };
  outputs?: Record<string, string>;
  steps?: Step[];
}
export interface Workflow {
  name: string;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export type Result = 'success' | 'failure' | 'skipped';
export interface StepOutcome {
  label: string;
  result: Result;
  code?: number;
  stdout: string;
  stderr: string;
}
export interface CellOutcome {
  matrix?: Record<string, Value>;
  result: Result;
  steps: StepOutcome[];
  outputs: Record<string, Record<string, string>>;
  summary: string;
}
export interface JobOutcome {
  result: Result;
  outputs: Record<string, string>;
  cells: CellOutcome[];
}

export interface RunnerSetup {
  /** The bare repository playing github.com/<repository>. */
  origin: string;
  repository: string;
  /** Scratch folder: one subfolder per run, job and cell. */
  work: string;
  secrets: Record<string, string>;
  /** Extra environment for every step (runner-wide settings such as a warm npm cache). */
  env?: Record<string, string>;
}

export interface RunHooks {
  /** Awaited before a step starts (tests line up racing jobs here). */
  beforeStep?: (job: string, step: StepLabel) => Promise<void> | void;
  /** Return true to make this step fail as a lost runner would, without running it. */
  failStep?: (job: string, step: StepLabel, matrix?: Record<string, Value>) => boolean;
}
export interface StepLabel {
  name: string;
  id?: string;
}

let runCounter = 0;

const labelOf = (s: Step): string => s.name ?? s.id ?? s.uses ?? s.run?.split('\n')[0] ?? 'step';

/** Parse `$GITHUB_OUTPUT` / `$GITHUB_ENV`: `k=v` lines and `k<<DELIM` … `DELIM` blocks. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]!);
      if (i >= lines.length) throw new Error(`unterminated ${heredoc[1]}<<${heredoc[2]} block`);
      out[heredoc[1]!] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed command file line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function expandMatrix(m: Value): Array<Record<string, Value>> {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new Error(`matrix is not an object: ${JSON.stringify(m)}`);
  const { include, exclude, ...axes } = m as Record<string, Value>;
  if (exclude !== undefined) throw new Error('matrix exclude has no stand-in');
  let cells: Array<Record<string, Value>> = Object.keys(axes).length ? [{}] : [];
  for (const [k, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`matrix axis ${k} is not a list`);
    cells = cells.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  if (include !== undefined) {
    if (!Array.isArray(include)) throw new Error('matrix include is not a list');
    if (cells.length) throw new Error('matrix include beside axes has no stand-in');
    cells = include.map((c) => c as Record<string, Value>);
  }
  // GitHub refuses an empty matrix ("Matrix vector 'include' does not contain any values").
  if (!cells.length) throw new Error('the matrix has no cells: GitHub fails such a job');
  return cells;
}

/** hashFiles(): sha256 over the sha256 of each matching file, in path order ('' when none match). */
function hashFiles(workspace: string, patterns: string[]): string {
  const res = patterns.map(globToRegExp);
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(workspace, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.git') continue;
      if (e.isDirectory()) walk(r);
      else if (res.some((re) => re.test(r))) files.push(r);
    }
  };
  walk('');
  if (!files.length) return '';
  const all = createHash('sha256');
  for (const f of files.sort())
    all.update(
      createHash('sha256')
        .update(readFileSync(join(workspace, f)))
        .digest(),
    );
  return all.digest('hex');
}

/**
 * A glob as GitHub's matchers read it: `**` any path, `*` and `?` within one path segment
 * (artifact names have no "/", so for them `*` is simply "anything").
 */
function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '\u0000')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\u0000/g, '.*')}$`,
  );
}

function copyContents(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from)) cpSync(join(from, e), join(to, e), { recursive: true, verbatimSymlinks: true });
}

/** One run of one workflow: its jobs, artifacts and the commit it runs on. */
export class WorkflowRun {
  readonly id = ++runCounter;
  readonly dir: string;
  readonly artifacts: string;
  readonly jobs: Record<string, JobOutcome> = {};
  private sha = '';
  /** Keys this run saved to the cache. */
  readonly cacheSaves: string[] = [];
  private get cacheStore(): string {
    return join(this.setup.work, 'actions-cache');
  }
  private cacheEntries(): Array<{ key: string; dir: string; mtime: number }> {
    if (!existsSync(this.cacheStore)) return [];
    return readdirSync(this.cacheStore)
      .map((d) => join(this.cacheStore, d))
      .filter((d) => existsSync(join(d, 'key')))
      .map((dir) => ({ key: readFileSync(join(dir, 'key'), 'utf8'), dir, mtime: statSync(join(dir, 'key')).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
  }

  constructor(
    private readonly setup: RunnerSetup,
    readonly workflow: Workflow,
    private readonly event: string,
    private readonly hooks: RunHooks = {},
  ) {
    this.dir = join(setup.work, `run-${this.id}`);
    this.artifacts = join(this.dir, 'artifacts');
    mkdirSync(this.artifacts, { recursive: true });
  }

  /** Every job in `needs` order (sequentially, as one runner would take them). */
  async runAll(): Promise<Record<string, JobOutcome>> {
    const pending = new Set(Object.keys(this.workflow.jobs));
    while (pending.size) {
      const ready = [...pending].find((j) => this.needsOf(j).every((n) => n in this.jobs));
      if (!ready) throw new Error(`jobs ${[...pending].join(', ')} wait on each other`);
      pending.delete(ready);
      await this.runJob(ready);
    }
    return this.jobs;
  }

  private needsOf(job: string): string[] {
    const n = this.workflow.jobs[job]?.needs;
    return n === undefined ? [] : Array.isArray(n) ? n : [n];
  }

  private async originSha(): Promise<string> {
    if (!this.sha) {
      const r = await spawnAsync('git', ['--git-dir', this.setup.origin, 'rev-parse', 'refs/heads/main']);
      if (r.code !== 0) throw new Error(`origin has no main branch: ${r.stderr}`);
      this.sha = r.stdout.trim();
    }
    return this.sha;
  }

  async runJob(name: string): Promise<JobOutcome> {
    const job = this.workflow.jobs[name];
    if (!job) throw new Error(`no job ${name}`);
    const needs: Record<string, Value> = {};
    for (const n of this.needsOf(name)) {
      const o = this.jobs[n];
      if (!o) throw new Error(`job ${name} runs before ${n}, which it needs`);
      needs[n] = { result: o.result, outputs: o.outputs };
    }
    const needResults = Object.values(needs).map((n) => (n as { result: Result }).result);
    const jobCtx: ExpressionContext = {
      contexts: { ...this.baseContexts(), needs },
      status: { success: needResults.every((r) => r === 'success'), failure: needResults.includes('failure'), cancelled: false },
    };
    if (!condition(job.if, jobCtx)) {
      this.jobs[name] = { result: 'skipped', outputs: {}, cells: [] };
      return this.jobs[name]!;
    }
    const m = job.strategy?.matrix;
    const matrices = m === undefined ? [undefined] : expandMatrix(typeof m === 'string' ? interpolate(m, jobCtx) : (m as Value));
    const cells: CellOutcome[] = [];
    for (const [i, matrix] of matrices.entries()) cells.push(await this.runCell(name, job, i, matrix, needs));
    // Job outputs come from the steps of its (last) cell, as GitHub keeps the last writer's.
    const last = cells[cells.length - 1]!;
    const outCtx: ExpressionContext = {
      contexts: { ...this.baseContexts(), needs, steps: this.stepsContext(last.outputs) },
      status: jobCtx.status,
    };
    const outputs = Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, asString(interpolate(v, outCtx))]));
    const result: Result = cells.every((c) => c.result === 'success') ? 'success' : 'failure';
    this.jobs[name] = { result, outputs, cells };
    return this.jobs[name]!;
  }

  private baseContexts(): Record<string, Value> {
    return {
      github: {
        event_name: this.event,
        repository: this.setup.repository,
        ref: 'refs/heads/main',
        ref_name: 'main',
        sha: this.sha,
        run_id: String(this.id),
        server_url: 'https://github.com',
      },
      secrets: { ...this.setup.secrets },
      env: {},
      vars: {},
      inputs: {},
    };
  }

  private stepsContext(outputs: Record<string, Record<string, string>>): Value {
    return Object.fromEntries(Object.entries(outputs).map(([id, o]) => [id, { outputs: o, outcome: 'success', conclusion: 'success' }]));
  }

  private async runCell(
    jobName: string,
    job: Job,
    index: number,
    matrix: Record<string, Value> | undefined,
    needs: Record<string, Value>,
  ): Promise<CellOutcome> {
    const sha = await this.originSha();
    const root = join(this.dir, `${jobName}-${index}`);
    const [workspace, home, temp, prefix] = ['workspace', 'home', 'temp', 'prefix'].map((d) => join(root, d)) as [
      string,
      string,
      string,
      string,
    ];
    for (const d of [workspace, home, temp, prefix]) mkdirSync(d, { recursive: true });
    const summaryFile = join(root, 'step-summary.md');
    writeFileSync(summaryFile, '');
    // A hosted runner has no git identity; the repository's https URL leads to the local origin.
    writeFileSync(
      join(home, '.gitconfig'),
      `[url "${this.setup.origin}"]\n\tinsteadOf = https://github.com/${this.setup.repository}.git\n\tinsteadOf = https://github.com/${this.setup.repository}\n`,
    );
    const runnerEnv: Record<string, string> = {
      PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: home,
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: this.setup.repository,
      GITHUB_REPOSITORY_OWNER: this.setup.repository.split('/')[0]!,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_EVENT_NAME: this.event,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_SHA: sha,
      GITHUB_RUN_ID: String(this.id),
      GITHUB_RUN_NUMBER: String(this.id),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_WORKFLOW: this.workflow.name,
      GITHUB_JOB: jobName,
      GITHUB_WORKSPACE: workspace,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      NPM_CONFIG_PREFIX: prefix,
      ...hostNetworkEnv(),
      ...this.setup.env,
    };
    const fromGithubEnv: Record<string, string> = {};
    const stepOutputs: Record<string, Record<string, string>> = {};
    const steps: StepOutcome[] = [];
    let failed = false;
    for (const s of job.steps ?? []) {
      const label = labelOf(s);
      const ctx: ExpressionContext = {
        contexts: {
          ...this.baseContexts(),
          github: { ...(this.baseContexts().github as Record<string, Value>), job: jobName, workspace, sha },
          needs,
          matrix: matrix ?? {},
          steps: this.stepsContext(stepOutputs),
          env: { ...job.env, ...fromGithubEnv },
          runner: { temp, os: 'Linux' },
        },
        status: { success: !failed, failure: failed, cancelled: false },
        hashFiles: (patterns) => hashFiles(workspace, patterns),
      };
      if (!condition(s.if, ctx)) {
        steps.push({ label, result: 'skipped', stdout: '', stderr: '' });
        continue;
      }
      const stepLabel: StepLabel = { name: label, ...(s.id ? { id: s.id } : {}) };
      await this.hooks.beforeStep?.(jobName, stepLabel);
      if (this.hooks.failStep?.(jobName, stepLabel, matrix)) {
        steps.push({ label, result: 'failure', code: 1, stdout: '', stderr: 'the runner lost this job (simulated by the test)' });
        failed = true;
        continue;
      }
      const withs = Object.fromEntries(Object.entries(s.with ?? {}).map(([k, v]) => [k, asString(interpolate(String(v), ctx))]));
      const stepEnv = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, asString(interpolate(String(v), ctx))]));
      const jobEnv = Object.fromEntries(Object.entries(job.env ?? {}).map(([k, v]) => [k, asString(interpolate(String(v), ctx))]));
      let outcome: StepOutcome;
      if (s.uses) {
        const { outcome: o, outputs } = await this.action(s.uses, withs, { workspace, sha, label });
        outcome = o;
        if (s.id && o.result === 'success') stepOutputs[s.id] = outputs;
      } else if (s.run !== undefined) {
        const script = join(temp, `step-${steps.length}.sh`);
        writeFileSync(script, asString(interpolate(s.run, ctx)));
        const outputFile = join(root, `output-${steps.length}`);
        const envFile = join(root, `env-${steps.length}`);
        writeFileSync(outputFile, '');
        writeFileSync(envFile, '');
        const r = await spawnAsync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
          cwd: s['working-directory'] ? join(workspace, s['working-directory']) : workspace,
          env: { ...runnerEnv, ...jobEnv, ...fromGithubEnv, ...stepEnv, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile },
          ...(job['timeout-minutes'] ? { timeoutMs: job['timeout-minutes'] * 60_000 } : {}),
        });
        outcome = { label, result: r.code === 0 ? 'success' : 'failure', code: r.code, stdout: r.stdout, stderr: r.stderr };
        if (r.code === 0) {
          if (s.id) stepOutputs[s.id] = parseCommandFile(readFileSync(outputFile, 'utf8'));
          Object.assign(fromGithubEnv, parseCommandFile(readFileSync(envFile, 'utf8')));
        }
      } else throw new Error(`step ${label} of ${jobName} has neither uses nor run`);
      steps.push(outcome);
      if (outcome.result === 'failure') failed = true;
    }
    return {
      ...(matrix ? { matrix } : {}),
      result: failed ? 'failure' : 'success',
      steps,
      outputs: stepOutputs,
      summary: readFileSync(summaryFile, 'utf8'),
    };
  }

  /** The stand-ins for the actions the generated workflows use. */
  private async action(
    uses: string,
    withs: Record<string, string>,
    where: { workspace: string; sha: string; label: string },
  ): Promise<{ outcome: StepOutcome; outputs: Record<string, string> }> {
    const ok = (stdout = '', outputs: Record<string, string> = {}) => ({
      outcome: { label: where.label, result: 'success' as const, stdout, stderr: '' },
      outputs,
    });
    const fail = (stderr: string) => ({
      outcome: { label: where.label, result: 'failure' as const, code: 1, stdout: '', stderr },
      outputs: {},
    });
    const action = uses.split('@')[0];
    switch (action) {
      case 'actions/checkout': {
        // What actions/checkout does on a push: the commit alone (depth 1), branch main at it,
        // remote origin at the repository's https URL.
        const git = (...args: string[]) =>
          spawnAsync('git', args, { cwd: where.workspace, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
        for (const args of [
          ['init', '-q', '-b', 'main', '.'],
          ['remote', 'add', 'origin', `https://github.com/${this.setup.repository}`],
          ['fetch', '-q', '--depth', '1', `file://${this.setup.origin}`, where.sha],
          ['checkout', '-q', '-B', 'main', where.sha],
        ]) {
          const r = await git(...args);
          if (r.code !== 0) return fail(`checkout: git ${args.join(' ')}: ${r.stderr}`);
        }
        return ok();
      }
      case 'actions/setup-node':
        return ok(`node ${process.version} is already on PATH (stand-in for node-version ${withs['node-version']})`);
      case 'actions/upload-artifact': {
        const name = withs.name!;
        const from = join(where.workspace, withs.path!);
        const empty = !existsSync(from) || readdirSync(from).length === 0;
        if (empty && withs['if-no-files-found'] === 'error') return fail(`upload-artifact: no files at ${withs.path}`);
        const dest = join(this.artifacts, name);
        if (existsSync(dest) && withs.overwrite !== 'true') return fail(`upload-artifact: an artifact named ${name} already exists`);
        if (!empty) copyContents(from, dest);
        return ok(`uploaded ${name}`);
      }
      case 'actions/download-artifact': {
        const dest = join(where.workspace, withs.path ?? '.');
        const names = readdirSync(this.artifacts).filter((n) =>
          withs.name ? n === withs.name : withs.pattern ? globToRegExp(withs.pattern).test(n) : true,
        );
        if (withs.name && !names.length) return fail(`download-artifact: no artifact named ${withs.name}`);
        mkdirSync(dest, { recursive: true });
        for (const n of names)
          copyContents(join(this.artifacts, n), withs.name || withs['merge-multiple'] === 'true' ? dest : join(dest, n));
        return ok(`downloaded ${names.join(', ')}`);
      }
      case 'actions/cache/restore': {
        // The repository's cache, shared by every run: exact key, else the newest entry whose
        // key starts with a restore-key. Outputs as actions/cache/restore sets them.
        const key = withs.key!;
        const prefixes = (withs['restore-keys'] ?? '')
          .split('\n')
          .map((k) => k.trim())
          .filter(Boolean);
        const entries = this.cacheEntries();
        const hit = entries.find((e) => e.key === key) ?? prefixes.map((p) => entries.find((e) => e.key.startsWith(p))).find(Boolean);
        if (!hit) return ok(`cache not found for ${key}`, { 'cache-primary-key': key });
        const dest = withs.path!;
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(join(hit.dir, 'content'), dest, { recursive: true });
        return ok(`restored ${hit.key}`, { 'cache-primary-key': key, 'cache-matched-key': hit.key, 'cache-hit': String(hit.key === key) });
      }
      case 'actions/cache/save': {
        const key = withs.key!;
        if (!key) return fail('cache/save: no key');
        if (this.cacheEntries().some((e) => e.key === key)) return ok(`cache entry ${key} exists already: not saved`);
        if (!existsSync(withs.path!)) return ok(`cache/save: nothing at ${withs.path}: not saved`);
        const dir = join(this.cacheStore, createHash('sha256').update(key).digest('hex').slice(0, 16));
        cpSync(withs.path!, join(dir, 'content'), { recursive: true });
        writeFileSync(join(dir, 'key'), key);
        this.cacheSaves.push(key);
        return ok(`saved ${key}`);
      }
      default:
        throw new Error(`no stand-in for the action ${uses}`);
    }
  }
}

/**
 * How this machine reaches the network (a TLS-intercepting proxy's CA, proxies): a hosted
 * runner has its network in the system configuration, this one may have it in the environment,
 * and without it a job's `npm install` fails with SELF_SIGNED_CERT_IN_CHAIN after long retries.
 */
const HOST_NETWORK_VARS = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NIX_SSL_CERT_FILE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'npm_config_cafile',
  'npm_config_registry',
];

function hostNetworkEnv(): Record<string, string> {
  return Object.fromEntries(HOST_NETWORK_VARS.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
}
