import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, layerViolations, readSources } from './layers.js';

const SRC = resolve(import.meta.dirname, '../../src');

describe('the layer table (docs/ARCHITECTURE.md)', () => {
  it('holds for every import in src/', () => {
    const files = readSources(SRC);
    expect(files.length).toBeGreaterThan(100);
    expect(layerViolations(files)).toEqual([]);
  });

  it('fails on a sideways import, an upward import, oclif outside the CLI and IO in a pure layer', () => {
    const problems = layerViolations([
      { path: 'repo/apt/x.ts', text: "import { DebBuilder } from '../../builders/deb/index.js';" },
      { path: 'formats/y.ts', text: "import { run } from '../core/exec.js';\nimport { publish } from '../services/publish/index.js';" },
      { path: 'services/z.ts', text: "import { Command } from '@oclif/core/command';" },
      { path: 'formats/w.ts', text: "import { readFile } from 'node:fs/promises';" },
      { path: 'commands/v.ts', text: "import { readSuite } from '../repo/apt/read.js';" },
      { path: 'newlayer/u.ts', text: '' },
    ]);
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/^repo\/apt\/x\.ts:1: src\/repo\/ may not import src\/builders\//);
    expect(problems[1]).toMatch(/^formats\/y\.ts:2: src\/formats\/ may not import src\/services\//);
    expect(problems[2]).toMatch(/only src\/cli\/ and src\/commands\/ import @oclif/);
    expect(problems[3]).toMatch(/src\/formats\/ is pure/);
    expect(problems[4]).toMatch(/src\/commands\/ may not import src\/repo\//);
    expect(problems[5]).toMatch(/not in the layer table/);
  });

  it('lets commands name lower layers in type-only imports', () => {
    expect(layerViolations([{ path: 'commands/k.ts', text: "import type { KeyType } from '../sign/keys.js';" }])).toEqual([]);
  });

  it('sees dynamic imports and multi-line import lists', () => {
    const refs = importsOf("const m = await import('../site/site.js');\nimport {\n  a,\n  b,\n} from './x.js';\n");
    expect(refs.map((r) => r.specifier)).toEqual(['../site/site.js', './x.js']);
  });

  it('keeps SQL in src/state/: nothing else touches the store connection', () => {
    const outside = readSources(SRC).filter(
      (f) => !f.path.startsWith('state/') && /\.connection\b|\.prepare\(\s*['"`](SELECT|INSERT|UPDATE|DELETE)/.test(f.text),
    );
    expect(outside.map((f) => f.path)).toEqual([]);
  });

  it('keeps src/services/ to topic folders', () => {
    const loose = readdirSync(join(SRC, 'services'), { withFileTypes: true }).filter((e) => !e.isDirectory());
    expect(loose.map((e) => e.name)).toEqual([]);
  });
});
