/**
 * What the trunk channel last published, kept IN the published repository
 * (`<output>/trunk/<recipe>.json`) so that a fresh CI runner that checked out (or can fetch) the
 * published site knows it without any local state.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { integrityError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import { fetchRetrying } from '../../core/http-retry.js';

export const TRUNK_STATE_DIR = 'trunk';

const trunkStateSchema = z.object({
  recipe: z.string(),
  branch: z.string(),
  commit: z.string().regex(/^[0-9a-f]{7,64}$/),
  version: z.string(),
  publishedAt: z.string(),
  /**
   * Per target: what was last published there. `commit` (when present) is that target's own;
   * without it the recipe-level commit applies (states written by `nightly`, which publishes all
   * targets of a recipe together).
   */
  targets: z.array(
    z.object({
      target: z.string(),
      suite: z.string(),
      packageVersion: z.string(),
      commit: z
        .string()
        .regex(/^[0-9a-f]{7,64}$/)
        .optional(),
    }),
  ),
});
export type TrunkState = z.infer<typeof trunkStateSchema>;

export const trunkStatePath = (output: string, recipe: string) => join(output, TRUNK_STATE_DIR, `${recipe}.json`);

function parse(text: string, where: string): TrunkState {
  try {
    return trunkStateSchema.parse(JSON.parse(text));
  } catch (e) {
    throw integrityError(
      'TRUNK_STATE_INVALID',
      `${where} is not a valid trunk state: ${(e as Error).message.split('\n')[0]}`,
      `Delete it to let the next nightly rebuild from scratch.`,
      {
        file: where,
      },
    );
  }
}

/** The last trunk publish of `recipe`: from the output dir, or from the published site at `url`. */
export async function readTrunkState(recipe: string, from: { output: string; url?: string | undefined }): Promise<TrunkState | undefined> {
  if (from.url) {
    const url = `${from.url.replace(/\/$/, '')}/${TRUNK_STATE_DIR}/${encodeURIComponent(recipe)}.json`;
    const r = await fetchRetrying(url);
    if (r.status === 404) return undefined;
    if (!r.ok)
      throw integrityError(
        'TRUNK_STATE_UNREADABLE',
        `${url} answered HTTP ${r.status}`,
        'Check --state-url (the public URL of the published repository).',
      );
    return parse(await r.text(), url);
  }
  const path = trunkStatePath(from.output, recipe);
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  return text === undefined ? undefined : parse(text, path);
}

export async function writeTrunkState(output: string, state: TrunkState): Promise<void> {
  await writeFileAtomic(trunkStatePath(output, state.recipe), `${JSON.stringify(trunkStateSchema.parse(state), null, 2)}\n`);
}

/** The commit last published for `target`, if any. */
export function trunkCommitOf(state: TrunkState | undefined, target: string): string | undefined {
  const t = state?.targets.find((x) => x.target === target);
  return t ? (t.commit ?? state!.commit) : undefined;
}
