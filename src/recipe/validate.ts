/**
 * YAML + zod with source positions. Every problem becomes a PkgtrackError that names
 * file:line:column, the field path, what was expected, and a fix ("did you mean" for typos).
 * Pure: takes text, returns data or throws.
 */
import { isMap, isNode, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PkgtrackError, PkgtrackErrors } from '../core/errors.js';
import { closest } from '../core/suggest.js';

type Path = readonly PropertyKey[];

interface Located {
  line: number;
  column: number;
}

export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S, what: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Located => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => {
      const p = pos(e.pos[0]);
      return new PkgtrackError({
        code: 'YAML_SYNTAX',
        message: e.message.split('\n')[0] ?? e.message,
        fix: 'Fix the YAML syntax at this position (indentation, quoting, a missing ":").',
        details: { file, line: p.line, column: p.column },
      });
    });
    throw new PkgtrackErrors('YAML_SYNTAX', `${file} is not valid YAML`, errors);
  }
  let data: unknown;
  try {
    // The yaml library refuses a document whose aliases expand without bound (a "billion laughs").
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new PkgtrackError({
      code: 'YAML_ALIASES',
      message: (e as Error).message,
      fix: 'Write the values out instead of referring to them through many aliases (*name); a recipe needs few if any.',
      details: { file },
      cause: e,
    });
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;

  const errors = result.error.issues.map((issue) => issueToError(issue, doc, pos, file, schema));
  throw new PkgtrackErrors(
    'CONFIG_INVALID',
    `${file}: ${errors.length} problem${errors.length === 1 ? '' : 's'} in this ${what}`,
    errors,
    `Fix the fields named above; \`pkgtrack recipe schema\` prints the full schema for editor completion.`,
  );
}

function nodeAt(doc: ReturnType<typeof parseDocument>, path: Path): { node?: Node; keyNode?: Node; found: boolean } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === seg);
      if (!pair) return { ...(isNode(node) ? { node } : {}), found: false };
      keyNode = isNode(pair.key) ? pair.key : undefined;
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && typeof seg === 'number') {
      node = (node as { items: unknown[] }).items[seg];
      keyNode = undefined;
    } else return { ...(isNode(node) ? { node } : {}), found: false };
  }
  return { ...(isNode(node) ? { node } : {}), ...(keyNode ? { keyNode } : {}), found: node !== undefined };
}

function knownKeys(schema: z.ZodType, path: Path): string[] {
  // Walk the zod schema along `path` to list the keys allowed at that level.
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    let cur = x as { def?: { type?: string; innerType?: unknown; in?: unknown; schema?: unknown } };
    for (let i = 0; i < 10 && cur?.def; i++) {
      const t = cur.def.type;
      if (t === 'default' || t === 'optional' || t === 'nullable' || t === 'prefault') cur = cur.def.innerType as typeof cur;
      else if (t === 'pipe') cur = cur.def.in as typeof cur;
      else break;
    }
    return cur;
  };
  for (const seg of path) {
    s = unwrap(s);
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (!shape || typeof seg !== 'string') return [];
    s = shape[seg];
  }
  s = unwrap(s);
  const shape = (s as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function issueToError(
  issue: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  pos: (o: number) => Located,
  file: string,
  schema: z.ZodType,
): PkgtrackError {
  const path = issue.path;
  let field = path.map(String).join('.');
  let message = issue.message;
  let fix: string | undefined;
  const at = nodeAt(doc, path);
  let { node, keyNode } = at;

  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const located = nodeAt(doc, [...path, key]);
    node = located.keyNode ?? located.node ?? node;
    keyNode = undefined;
    field = [...path.map(String), key].join('.');
    const allowed = knownKeys(schema, path);
    const guess = closest(key, allowed);
    message = `unknown field "${key}"${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(', ')})` : ''}`;
    fix = guess ? `Did you mean "${guess}"?` : `Remove it; allowed here: ${allowed.join(', ')}.`;
  } else if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    // zod already points the path at the discriminator field and lists the allowed values.
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    const got = at.found && node && isScalar(node) ? String(node.value) : undefined;
    const guess = got ? closest(got, options) : undefined;
    message =
      got === undefined
        ? `required field is missing (one of ${options.join(', ')})`
        : `expected one of ${options.join(', ')}, got "${got}"`;
    fix = guess ? `Did you mean "${guess}"?` : `Set ${field} to one of ${options.join(', ')}.`;
  } else if (issue.code === 'invalid_value') {
    const values = (issue as { values?: unknown[] }).values ?? [];
    const got = node && isScalar(node) ? String(node.value) : '';
    const guess = closest(got, values.map(String));
    message = `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(got)}`;
    fix = guess ? `Did you mean "${guess}"?` : undefined;
  } else if (issue.code === 'invalid_type') {
    const expected = (issue as { expected?: string }).expected ?? 'a value';
    if (!at.found) {
      message = `required field is missing (expected ${expected})`;
      fix = `Add "${String(path[path.length - 1] ?? '')}:" to ${path.length > 1 ? path.slice(0, -1).join('.') : 'the top level'}.`;
    } else message = `expected ${expected}`;
  }
  const target = node ?? keyNode;
  const offset = target?.range?.[0] ?? 0;
  const p = pos(offset);
  return new PkgtrackError({
    code: 'CONFIG_INVALID',
    message,
    ...(fix ? { fix } : {}),
    details: { file, line: p.line, column: p.column, ...(field ? { field } : {}) },
  });
}
