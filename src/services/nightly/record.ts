/**
 * After publishing build folders, record the trunk state of every trunk build among them (what
 * `nightly` writes), so that CI fan-out builds keep the published trunk state current too.
 * Per target: a target whose cell failed keeps its older entry (or none), so the next plan
 * builds it again even when upstream has not moved. Merged into the state already published.
 * Apart from trunk-state.ts so a publish with no trunk build does not load its schema (zod).
 */
import { ifExists } from '../../core/fsutil.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildKey } from '../../recipe/targets.js';
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
      branch?: string;
      arch?: string;
    };
    if (m.channel !== 'trunk' || !m.recipe || !m.commit || !m.upstreamVersion || !m.target || !m.suite || !m.packageVersion) continue;
    const s = byRecipe.get(m.recipe) ?? {
      recipe: m.recipe,
      branch: m.branch ?? 'HEAD',
      commit: m.commit,
      version: m.upstreamVersion,
      publishedAt: now.toISOString(),
      targets: [],
    };
    // Per architecture: `debian:bookworm/arm64` (amd64 keeps the plain target id), as `ci matrix` reads it.
    s.targets.push({ target: buildKey(m.target, m.arch), suite: m.suite, packageVersion: m.packageVersion, commit: m.commit });
    byRecipe.set(m.recipe, s);
  }
  if (byRecipe.size) {
    const { readTrunkState, writeTrunkState } = await import('./trunk-state.js');
    for (const s of byRecipe.values()) {
      const before = await readTrunkState(s.recipe, { output });
      const built = new Set(s.targets.map((t) => t.target));
      // Targets not built this time keep what they had, with their own commit made explicit.
      const kept = (before?.targets ?? []).filter((t) => !built.has(t.target)).map((t) => ({ ...t, commit: t.commit ?? before!.commit }));
      await writeTrunkState(output, { ...s, targets: [...kept, ...s.targets].sort((a, b) => a.target.localeCompare(b.target)) });
    }
  }
  return [...byRecipe.keys()];
}
