/**
 * After publishing build folders, record the trunk state of every trunk build among them (what
 * `nightly` writes), so that CI fan-out builds keep the published trunk state current too.
 * Apart from trunk-state.ts so a publish with no trunk build does not load its schema (zod).
 */
import { ifExists } from '../../core/fsutil.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrunkState } from './trunk-state.js';

export async function recordTrunkBuilds(output: string, buildDirs: readonly string[], now = new Date()): Promise<string[]> {
  const byRecipe = new Map<string, TrunkState>();
  for (const dir of buildDirs) {
    const text = await ifExists(readFile(join(dir, 'manifest.json'), 'utf8'));
    if (!text) continue;
    const m = JSON.parse(text) as {
      recipe?: string;
      channel?: string;
      commit?: string;
      upstreamVersion?: string;
      target?: string;
      suite?: string;
      packageVersion?: string;
    };
    if (m.channel !== 'trunk' || !m.recipe || !m.commit || !m.upstreamVersion || !m.target || !m.suite || !m.packageVersion) continue;
    const s = byRecipe.get(m.recipe) ?? {
      recipe: m.recipe,
      branch: 'HEAD',
      commit: m.commit,
      version: m.upstreamVersion,
      publishedAt: now.toISOString(),
      targets: [],
    };
    s.targets.push({ target: m.target, suite: m.suite, packageVersion: m.packageVersion });
    byRecipe.set(m.recipe, s);
  }
  if (byRecipe.size) {
    const { writeTrunkState } = await import('./trunk-state.js');
    for (const s of byRecipe.values()) await writeTrunkState(output, s);
  }
  return [...byRecipe.keys()];
}
