/** Hostile YAML: an alias bomb is an input error naming the file, not a hang or an INTERNAL. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSuite } from '../../src/repo/yum/suite-state.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';

const BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  .concat(
    Array.from({ length: 8 }, (_, i) => {
      const p = String.fromCharCode(97 + i);
      const n = String.fromCharCode(98 + i);
      return `${n}: &${n} [${Array(9).fill(`*${p}`).join(',')}]`;
    }),
  )
  .join('\n');

describe('YAML alias bomb', () => {
  it('in a recipe: YAML_ALIASES naming the file, a finding (exit 2), no INTERNAL', async () => {
    const dir = tempDir('pkgtrack-yaml-');
    writeFileSync(join(dir, 'pkgtrack.yaml'), 'name: t\norigin: T\nlabel: T\nmaintainer: T <t@example.org>\n');
    mkdirSync(join(dir, 'recipes/bomb'), { recursive: true });
    writeFileSync(join(dir, 'recipes/bomb/recipe.yaml'), `name: bomb\n${BOMB}\n`);
    const r = await pkgtrack(['recipe', 'validate', '-C', dir, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.stringify(r.json())).toMatch(/YAML_ALIASES/);
    expect(JSON.stringify(r.json())).toMatch(/recipes\/bomb\/recipe\.yaml/);
    const text = await pkgtrack(['recipe', 'validate', '-C', dir]);
    expect(`${text.stdout}${text.stderr}`).not.toMatch(/INTERNAL|unexpected/);
  });
});

describe('yum repository paths', () => {
  it("fedora__41 is refused: its state file would be fedora/41's", () => {
    expect(() => checkSuite('fedora/41')).not.toThrow();
    expect(() => checkSuite('fedora__41')).toThrow(expect.objectContaining({ code: 'YUM_BAD_REPO_PATH' }));
  });
});
