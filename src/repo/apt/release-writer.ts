/**
 * A suite's Release as the publisher writes it: rendered, signed (Release.gpg, InRelease) and
 * staged with the suite's indexes as a new generation that one link rename switches to; and the
 * check that a publish changing nothing can leave the signed files as they are.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { getField } from '../../formats/deb822.js';
import type { RepoContext } from '../format.js';
import { keptGenerations, readGenerations } from '../generations.js';
import { byHashPaths, suiteDir } from './layout.js';
import { type ReleaseFile, renderRelease, type SuiteIdentity } from './release.js';
import { dirOf, type SuiteContents } from './suite-contents.js';
import { aptGenerationName, generationDir, generationScope, linkTarget, liveGeneration, suiteGenerations } from './suite-link.js';

/** Release fields that come from the repository's configuration, not from the suite. */
export interface ReleaseExtras {
  description?: string;
  /** `Changelogs:` URL template (changelogs.ts). */
  changelogs?: string;
}

export interface SuiteRelease {
  identity: SuiteIdentity;
  architectures: string[];
  components: string[];
  files: ReleaseFile[];
}

function releaseText(ctx: RepoContext, extras: ReleaseExtras, r: SuiteRelease & { date: Date; validUntil: Date }): string {
  return renderRelease({
    ...r.identity,
    date: r.date,
    validUntil: r.validUntil,
    architectures: r.architectures,
    components: r.components,
    ...(extras.description ? { description: extras.description } : {}),
    ...(extras.changelogs ? { changelogs: extras.changelogs } : {}),
    signedBy: ctx.signer?.fingerprints ?? [],
    files: r.files,
  });
}

/**
 * True when the suite's Release, rendered anew with its own Date and Valid-Until, is byte for
 * byte what is published, InRelease signs that same text (a publish killed mid-switch leaves
 * them apart), and it stays valid for more than half the validity period: then a publish that
 * changed nothing writes nothing (repo refresh re-signs on purpose).
 */
export function releaseStands(ctx: RepoContext, extras: ReleaseExtras, contents: SuiteContents, r: SuiteRelease): boolean {
  const rel = contents.release;
  // --rebuild rewrites on purpose (it also repairs index files damaged on disk).
  if (ctx.options.rebuild || !rel || !ctx.signer || contents.releaseText === undefined) return false;
  if (contents.inReleaseText !== contents.releaseText) return false;
  const date = Date.parse(getField(rel.fields, 'Date') ?? '');
  const validUntil = Date.parse(getField(rel.fields, 'Valid-Until') ?? '');
  if (Number.isNaN(date) || Number.isNaN(validUntil)) return false;
  if (validUntil - ctx.now().getTime() < (ctx.options.validDays * 86_400_000) / 2) return false;
  return releaseText(ctx, extras, { ...r, date: new Date(date), validUntil: new Date(validUntil) }) === contents.releaseText;
}

/**
 * An index of the new generation: `bytes` to write, or none when the live generation's file is
 * the same (linked into the new one, never copied).
 */
export interface GenerationIndex {
  file: ReleaseFile;
  bytes?: Uint8Array;
}

/**
 * Render the Release dated now, sign it, and stage the suite's next generation: a directory
 * holding the signed files, every index in `indexes` with its by-hash names, and the by-hash
 * files of the generations still kept (a client holding an older InRelease finds what it names);
 * then the switch of `dists/<suite>` to it, one rename. Returns the generation directory.
 */
export async function signAndStageGeneration(
  ctx: RepoContext,
  extras: ReleaseExtras,
  suite: string,
  r: SuiteRelease,
  indexes: readonly GenerationIndex[],
): Promise<string> {
  if (!ctx.signer && !ctx.options.allowUnsigned) {
    throw inputError(
      'REPO_NO_SIGNER',
      'no signing key is configured: apt refuses unsigned repositories',
      'Set `signing.key` in pkgtrack.yaml (create one with `pkgtrack key generate`).',
      { field: 'signing.key' },
    );
  }
  const { root, tx } = ctx;
  await ctx.signer?.ready?.(); // the Release names its keys
  // Date is taken now, just before signing (apt rejects a Release dated in the future).
  const now = ctx.now();
  const text = releaseText(ctx, extras, { ...r, date: now, validUntil: new Date(now.getTime() + ctx.options.validDays * 86_400_000) });
  const gpg = ctx.signer ? await ctx.signer.detachSign(Buffer.from(text, 'utf8')) : undefined;
  const inRelease = ctx.signer ? await ctx.signer.clearsign(text) : undefined;
  const gen = generationDir(suite, aptGenerationName(text, gpg, inRelease));
  // Unchanged indexes come from the live generation (or, in a dry run, the suite not adopted yet).
  const live = (await liveGeneration(root, suite)) ?? suiteDir(suite);
  const recorded: string[] = [];
  const names = new Set<string>();
  for (const { file: f, bytes } of indexes) {
    const byHash = byHashPaths(`${gen}/${dirOf(f.path)}`, f);
    if (bytes) await tx.writeContentAddressed(`${gen}/${f.path}`, bytes, byHash);
    else for (const name of [`${gen}/${f.path}`, ...byHash]) await tx.linkContentAddressed(name, `${live}/${f.path}`);
    recorded.push(...byHash);
    for (const b of byHash) names.add(b);
  }
  const scope = generationScope(suite);
  const store = `${suiteGenerations(suite)}/`;
  for (const g of keptGenerations(await readGenerations(root, scope), tx.generationPolicy, now)) {
    for (const rel of g.files) {
      if (!rel.startsWith(store) || !rel.includes('/by-hash/')) continue;
      const name = `${gen}/${rel.slice(store.length).split('/').slice(1).join('/')}`;
      // Content-addressed and immutable: present means intact (repo verify re-hashes).
      if (names.has(name) || !existsSync(join(root, rel))) continue;
      names.add(name);
      await tx.linkContentAddressed(name, rel);
    }
  }
  for (const [name, data] of [
    ['Release', text],
    ['Release.gpg', gpg],
    ['InRelease', inRelease],
  ] as const) {
    if (data === undefined) continue;
    await tx.writeContentAddressed(`${gen}/${name}`, Buffer.from(data, 'utf8'));
    recorded.push(`${gen}/${name}`);
  }
  tx.keepGeneration(scope, recorded, [suiteGenerations(suite)]);
  await tx.stageSymlinkLast(suiteDir(suite), linkTarget(suite, gen.slice(store.length)));
  return gen;
}
