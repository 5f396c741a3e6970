/**
 * The generated workflows through GitHub's own workflow parser (@actions/workflow-parser: schema
 * validation, and job conditions normalised the way the runner service does, e.g. an `if` without
 * a status function becomes `success() && (...)`), then which jobs run for a given event and
 * outcomes, with the conditions evaluated by GitHub's expression engine (@actions/expressions).
 * Only the job ordering around them is modelled here: a job runs when its condition is true.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from './github-workflow-parser.js';
import { describe, expect, it } from 'vitest';
import { renderWorkflows } from '../../src/services/init/workflow.js';
import { ROOT } from '../helpers/cli.js';

type Result = 'success' | 'failure' | 'skipped';

async function parse(content: string) {
  const parsed = parseWorkflow({ name: 'workflow.yml', content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !parsed.value) return { errors, jobs: [] };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const jobs = template.jobs.map((j) => ({
    id: j.id.value,
    needs: (j.needs ?? []).map((n) => n.value),
    condition: (j as unknown as { if: { expression: string } }).if.expression,
  }));
  return { errors: [...errors, ...(template.errors ?? []).map((e) => e.Message)], jobs };
}

/**
 * Which jobs run, in order: `outcome` says how a job that runs ends (default success) and what
 * outputs it sets. success()/failure() look at the job's needs, as on GitHub.
 */
async function simulate(
  content: string,
  event: string,
  outcome: Record<string, { result?: Result; outputs?: Record<string, string> }> = {},
) {
  const { errors, jobs } = await parse(content);
  expect(errors).toEqual([]);
  const results = new Map<string, { result: Result; outputs: Record<string, string> }>();
  for (const job of jobs) {
    const needs = Object.fromEntries(job.needs.map((n) => [n, results.get(n)!]));
    const status = (name: string, value: () => boolean): [string, FunctionDefinition] => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) },
    ];
    const functions = new Map([
      status('success', () => Object.values(needs).every((n) => n.result === 'success')),
      status('failure', () => Object.values(needs).some((n) => n.result === 'failure')),
      status('cancelled', () => false),
      status('always', () => true),
    ]);
    const context = JSON.parse(JSON.stringify({ github: { event_name: event }, needs }), data.reviver) as data.Dictionary;
    const tokens = new Lexer(job.condition).lex().tokens;
    const expr = new Parser(tokens, ['github', 'needs'], [...functions.values()]).parse();
    const runs = truthy(new Evaluator(expr, context, functions).evaluate());
    results.set(
      job.id,
      runs ? { result: outcome[job.id]?.result ?? 'success', outputs: outcome[job.id]?.outputs ?? {} } : { result: 'skipped', outputs: {} },
    );
  }
  return Object.fromEntries([...results].map(([id, r]) => [id, r.result]));
}

const files = renderWorkflows({ name: 'acme', pages: 'artifact' });
const STABLE = files['.github/workflows/pkgtrack.yml']!;
const NIGHTLY = files['.github/workflows/pkgtrack-nightly.yml']!;
const planned = (count: string, problems = 'no') => ({ plan: { outputs: { count, matrix: '{"include":[]}', problems } } });

describe("GitHub's workflow parser", () => {
  it('accepts every generated workflow and our own CI, and rejects a misspelt key', async () => {
    for (const pages of ['branch', 'artifact'] as const) {
      for (const [path, text] of Object.entries(renderWorkflows({ name: 'acme', pages })))
        expect((await parse(text)).errors, path).toEqual([]);
    }
    expect((await parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8'))).errors).toEqual([]);
    const bad = await parse(NIGHTLY.replace('timeout-minutes: 120', 'timeout-minute: 120'));
    expect(bad.errors.join('\n')).toMatch(/Unexpected value 'timeout-minute'/);
  });
});

describe('which jobs run (conditions evaluated by GitHub expressions)', () => {
  it('a pull request only validates', async () => {
    expect(await simulate(STABLE, 'pull_request')).toEqual({
      validate: 'success',
      plan: 'skipped',
      problems: 'skipped',
      build: 'skipped',
      publish: 'skipped',
      deploy: 'skipped',
    });
  });

  it('an empty matrix skips build, publish and deploy cleanly', async () => {
    expect(await simulate(NIGHTLY, 'schedule', planned('0'))).toEqual({
      plan: 'success',
      problems: 'skipped',
      build: 'skipped',
      publish: 'skipped',
      deploy: 'skipped',
    });
    expect(await simulate(STABLE, 'push', planned('0'))).toMatchObject({ build: 'skipped', publish: 'skipped' });
  });

  it('publishes what built when some cells failed, and never after a failed plan', async () => {
    expect(await simulate(NIGHTLY, 'schedule', { ...planned('3'), build: { result: 'failure' } })).toEqual({
      plan: 'success',
      problems: 'skipped',
      build: 'failure',
      publish: 'success',
      deploy: 'success',
    });
    expect(await simulate(NIGHTLY, 'workflow_dispatch', { plan: { result: 'failure', outputs: { count: '2' } } })).toMatchObject({
      build: 'skipped',
      publish: 'skipped',
    });
    expect(await simulate(NIGHTLY, 'schedule', { ...planned('2'), publish: { result: 'failure' } })).toMatchObject({ deploy: 'skipped' });
  });

  it('recipes the plan could not plan turn the run red while the rest builds and publishes', async () => {
    expect(await simulate(NIGHTLY, 'schedule', { ...planned('2', 'yes'), problems: { result: 'failure' } })).toEqual({
      plan: 'success',
      problems: 'failure',
      build: 'success',
      publish: 'success',
      deploy: 'success',
    });
    expect(await simulate(STABLE, 'pull_request')).toMatchObject({ problems: 'skipped' });
  });

  it('the model bites: a publish job on !cancelled() alone would publish on pull requests', async () => {
    const naive = STABLE.replace("!cancelled() && needs.plan.result == 'success' && needs.plan.outputs.count != '0'", '!cancelled()');
    expect(naive).not.toBe(STABLE);
    expect(await simulate(naive, 'pull_request')).toMatchObject({ plan: 'skipped', publish: 'success' });
  });
});
