/**
 * GitHub Actions `${{ }}` expressions, the subset the generated workflows use (and a little
 * more): contexts with property paths, string/number/boolean/null literals, `!`, `==`, `!=`,
 * `&&`, `||`, parentheses, and the functions fromJSON, toJSON, contains, startsWith, format,
 * hashFiles, success, failure, always, cancelled. Anything else throws, so a workflow that starts to use
 * a construct this stand-in does not know fails the test instead of being mis-evaluated.
 * Semantics follow docs.github.com "Evaluate expressions in workflows and actions": loose
 * equality (strings case-insensitively, mixed types as numbers), `&&`/`||` return an operand.
 */

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
export interface ExpressionContext {
  /** matrix, needs, steps, secrets, github, env, inputs, vars, job, runner, strategy. */
  contexts: Record<string, Value>;
  /** What the status functions answer where they are evaluated (a job's needs, a step's predecessors). */
  status: { success: boolean; failure: boolean; cancelled: boolean };
  /** hashFiles(patterns…) where a workspace exists (steps); absent elsewhere, where GitHub refuses it too. */
  hashFiles?: (patterns: string[]) => string;
}

type Token = { kind: 'str' | 'num' | 'id' | 'op'; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in expression: ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else s += src[i++];
      }
      out.push({ kind: 'str', text: s });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      out.push({ kind: 'num', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ kind: 'id', text: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '&&', '||', '<=', '>='].includes(two)) {
        out.push({ kind: 'op', text: two });
        i += 2;
      } else if ('!().,[]*<>'.includes(c)) {
        out.push({ kind: 'op', text: c });
        i++;
      } else throw new Error(`unexpected ${JSON.stringify(c)} in expression: ${src}`);
    }
  }
  return out;
}

const toNumber = (v: Value): number => {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return Number.NaN;
};
export const truthy = (v: Value): boolean => !(v === null || v === false || v === 0 || v === '' || Number.isNaN(v));
export const asString = (v: Value): string =>
  v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? String(v) : String(v);

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' && a !== null) return a === b;
  if (typeof b === 'object' && b !== null) return false;
  if (a === null && b === null) return true;
  return toNumber(a) === toNumber(b);
}

function property(v: Value, key: string): Value {
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) return null;
  // Context keys are case-insensitive on GitHub.
  const hit = Object.keys(v).find((k) => k.toLowerCase() === key.toLowerCase());
  return hit === undefined ? null : (v[hit] ?? null);
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: ExpressionContext,
    private readonly src: string,
  ) {}

  parse(): Value {
    const v = this.or();
    if (this.pos !== this.tokens.length) throw new Error(`unexpected ${this.tokens[this.pos]!.text} in expression: ${this.src}`);
    return v;
  }
  private peek(text?: string): Token | undefined {
    const t = this.tokens[this.pos];
    return text === undefined || t?.text === text ? t : undefined;
  }
  private expect(text: string): void {
    if (this.tokens[this.pos]?.text !== text) throw new Error(`expected ${text} in expression: ${this.src}`);
    this.pos++;
  }
  private or(): Value {
    let left = this.and();
    while (this.peek('||')) {
      this.pos++;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  private and(): Value {
    let left = this.equality();
    while (this.peek('&&')) {
      this.pos++;
      const right = this.equality();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  private equality(): Value {
    let left = this.unary();
    for (;;) {
      const op = this.peek()?.text;
      if (op !== '==' && op !== '!=' && op !== '<' && op !== '>' && op !== '<=' && op !== '>=') return left;
      this.pos++;
      const right = this.unary();
      if (op === '==') left = looseEquals(left, right);
      else if (op === '!=') left = !looseEquals(left, right);
      else {
        const [a, b] = [toNumber(left), toNumber(right)];
        left = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
      }
    }
  }
  private unary(): Value {
    if (this.peek('!')) {
      this.pos++;
      return !truthy(this.unary());
    }
    return this.postfix();
  }
  private postfix(): Value {
    let v = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.pos++;
        const t = this.tokens[this.pos++];
        if (t?.kind !== 'id') throw new Error(`expected a property name in expression: ${this.src}`);
        v = property(v, t.text);
      } else if (this.peek('[')) {
        this.pos++;
        const key = this.or();
        this.expect(']');
        v = Array.isArray(v) && typeof key === 'number' ? (v[key] ?? null) : property(v, asString(key));
      } else return v;
    }
  }
  private primary(): Value {
    const t = this.tokens[this.pos++];
    if (!t) throw new Error(`unexpected end of expression: ${this.src}`);
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.text === '(') {
      const v = this.or();
      this.expect(')');
      return v;
    }
    if (t.kind !== 'id') throw new Error(`unexpected ${t.text} in expression: ${this.src}`);
    if (t.text === 'true') return true;
    if (t.text === 'false') return false;
    if (t.text === 'null') return null;
    if (this.peek('(')) {
      this.pos++;
      const args: Value[] = [];
      while (!this.peek(')')) {
        args.push(this.or());
        if (this.peek(',')) this.pos++;
      }
      this.expect(')');
      return this.call(t.text, args);
    }
    if (!(t.text in this.ctx.contexts)) throw new Error(`unknown context ${t.text} in expression: ${this.src}`);
    return this.ctx.contexts[t.text] ?? null;
  }
  private call(name: string, args: Value[]): Value {
    const s = this.ctx.status;
    switch (name.toLowerCase()) {
      case 'success':
        return s.success && !s.cancelled;
      case 'failure':
        return s.failure;
      case 'always':
        return true;
      case 'cancelled':
        return s.cancelled;
      case 'fromjson':
        return JSON.parse(asString(args[0] ?? null)) as Value;
      case 'tojson':
        return JSON.stringify(args[0] ?? null, null, 2);
      case 'contains': {
        const [hay, needle] = [args[0] ?? null, args[1] ?? null];
        if (Array.isArray(hay)) return hay.some((x) => looseEquals(x, needle));
        return asString(hay).toLowerCase().includes(asString(needle).toLowerCase());
      }
      case 'startswith':
        return asString(args[0] ?? null)
          .toLowerCase()
          .startsWith(asString(args[1] ?? null).toLowerCase());
      case 'hashfiles':
        if (!this.ctx.hashFiles) throw new Error(`hashFiles() is not available here (expression: ${this.src})`);
        return this.ctx.hashFiles(args.map((a) => asString(a)));
      case 'format':
        return asString(args[0] ?? null).replace(/\{(\d+)\}/g, (_, i: string) => asString(args[Number(i) + 1] ?? null));
      default:
        throw new Error(`function ${name}() has no stand-in (expression: ${this.src})`);
    }
  }
}

export function evaluate(expression: string, ctx: ExpressionContext): Value {
  return new Parser(tokenize(expression), ctx, expression).parse();
}

const STATUS_CALL = /\b(success|failure|always|cancelled)\s*\(/i;

/**
 * An `if:` condition: with or without `${{ }}`, and with the implicit `success() &&` GitHub adds
 * when the condition calls no status function.
 */
export function condition(text: string | boolean | undefined, ctx: ExpressionContext): boolean {
  if (text === undefined) return truthy(evaluate('success()', ctx));
  if (typeof text === 'boolean') return text && truthy(evaluate('success()', ctx));
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  const expr = whole ? whole[1]! : text;
  return truthy(evaluate(STATUS_CALL.test(expr) ? expr : `success() && (${expr})`, ctx));
}

/**
 * A string with `${{ }}` parts substituted. A value that is one expression and nothing else keeps
 * its type (`matrix: ${{ fromJSON(...) }}` is an object).
 */
export function interpolate(text: string, ctx: ExpressionContext): Value {
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(text);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, ctx);
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => asString(evaluate(e, ctx)));
}
