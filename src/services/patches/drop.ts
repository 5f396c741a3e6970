/**
 * `pkgtrack patches drop <recipe> <patch>`: take one patch out of the queue, as `gbp pq drop`
 * or `quilt delete -r` do: its series line and its file go; comments and the other lines of
 * the series stay as written.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { notFound } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import { closest } from '../../core/suggest.js';
import { loadSeries } from './queue.js';
import { openRecipe } from '../shared/recipes-repository.js';

export interface DropResult {
  recipe: string;
  dropped: string;
  /** The patches left in the series, in order. */
  remaining: string[];
}

export async function dropPatch(name: string, patch: string, opts: { recipesDir?: string } = {}): Promise<DropResult> {
  const { recipe } = await openRecipe(name, opts.recipesDir);
  const series = await loadSeries(join(recipe.dir, 'patches'));
  const entry = series.entries.find((e) => e.name === patch);
  if (!entry) {
    const names = series.entries.map((e) => e.name);
    const guess = closest(patch, names);
    throw notFound(
      'PATCH_NOT_IN_SERIES',
      `${patch} is not in ${series.seriesFile}`,
      guess ? `Did you mean ${guess}?` : names.length ? `The series has: ${names.join(', ')}.` : 'The recipe has no patches.',
      { file: series.seriesFile, patch },
    );
  }
  const lines = (await readFile(series.seriesFile, 'utf8')).split('\n');
  lines.splice(entry.line - 1, 1);
  await writeFileAtomic(series.seriesFile, lines.join('\n'));
  await rm(join(series.patchesDir, entry.name), { force: true });
  return { recipe: recipe.name, dropped: entry.name, remaining: series.entries.filter((e) => e !== entry).map((e) => e.name) };
}
