/** The expression stand-in the workflow driver uses: GitHub's documented semantics, and loud failure on the unknown. */
import { describe, expect, it } from 'vitest';
import { condition, type ExpressionContext, interpolate } from '../helpers/actions-expressions.js';
import { parseCommandFile } from '../helpers/actions-runner.js';

/** `${{ e }}`, written without a template-looking literal. */
const x = (e: string) => `$${'{{'} ${e} }}`;

const ctx = (over: Partial<ExpressionContext['status']> = {}): ExpressionContext => ({
  contexts: {
    needs: { plan: { result: 'success', outputs: { count: '0', matrix: '{"include":[{"recipe":"a"}]}' } } },
    matrix: { target: 'debian:bookworm' },
    github: { event_name: 'pull_request' },
  },
  status: { success: true, failure: false, cancelled: false, ...over },
});

describe('actions expressions', () => {
  it('compares loosely, short-circuits to operands, keeps a whole-expression value typed', () => {
    expect(condition("needs.plan.outputs.count != '0'", ctx())).toBe(false);
    expect(condition('needs.plan.outputs.count == 0', ctx())).toBe(true);
    expect(condition("github.event_name != 'PULL_REQUEST'", ctx())).toBe(false);
    expect(interpolate(x('fromJSON(needs.plan.outputs.matrix)'), ctx())).toEqual({ include: [{ recipe: 'a' }] });
    expect(interpolate(`build ${x('matrix.target')} ${x('matrix.missing')}!`, ctx())).toBe('build debian:bookworm !');
    expect(interpolate(x("matrix.missing || 'none'"), ctx())).toBe('none');
  });

  it('adds the implicit success() unless the condition calls a status function', () => {
    expect(condition('true', ctx({ success: false, failure: true }))).toBe(false);
    expect(condition(x('always()'), ctx({ success: false, failure: true }))).toBe(true);
    expect(condition(x("!cancelled() && needs.plan.result == 'success'"), ctx({ success: false, failure: true }))).toBe(true);
    expect(condition(undefined, ctx({ success: false, failure: true }))).toBe(false);
  });

  it('throws on what it does not know instead of guessing', () => {
    expect(() => condition('hashFiles("x")', ctx())).toThrow();
    expect(() => condition('vars.X', ctx())).toThrow(/unknown context vars/);
    expect(() => condition("'unterminated", ctx())).toThrow(/unterminated/);
  });

  it('reads GITHUB_OUTPUT lines and heredoc blocks', () => {
    expect(parseCommandFile('a=1\nb<<EOF\nx\ny=z\nEOF\nc=\n')).toEqual({ a: '1', b: 'x\ny=z', c: '' });
    expect(() => parseCommandFile('b<<EOF\nx\n')).toThrow(/unterminated/);
  });
});
