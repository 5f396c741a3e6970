import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { CATALOGUE, catalogueText, collectCodes, spellingDrift } from './error-codes.js';

describe('the error-code catalogue (src/core/error-codes.ts)', () => {
  const used = collectCodes();

  it('lists exactly the codes src/ raises (run `npm run error-codes` after adding or removing one)', () => {
    expect([...ERROR_CODES].sort()).toEqual([...used.keys()].sort());
    expect(readFileSync(CATALOGUE, 'utf8')).toBe(catalogueText(used.keys()));
  });

  it('spells each fault of a subject one way', () => {
    expect(spellingDrift(ERROR_CODES)).toEqual([]);
  });

  it('finds drift when there is some', () => {
    expect(spellingDrift(['DSC_FIELD_MISSING', 'DSC_MISSING_FIELD', 'RECIPE_NO_SPEC', 'RECIPE_SPEC_MISSING', 'REPO_NOT_FOUND'])).toEqual([
      ['DSC_FIELD_MISSING', 'DSC_MISSING_FIELD'],
      ['RECIPE_NO_SPEC', 'RECIPE_SPEC_MISSING'],
    ]);
  });
});
