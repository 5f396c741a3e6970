/**
 * A suite's Release as the publisher writes it: rendered, signed (Release.gpg, InRelease) and
 * staged last in switch order; and the check that a publish changing nothing can leave the
 * signed files as they are.
 */
import { inputError } from '../../core/errors.js';
import { getField } from '../../formats/deb822.js';
import type { RepoContext } from '../format.js';
import { type ReleaseFile, renderRelease, type SuiteIdentity } from './release.js';
import type { SuiteContents } from './suite-contents.js';

export interface SuiteRelease {
  identity: SuiteIdentity;
  architectures: string[];
  components: string[];
  files: ReleaseFile[];
}

function releaseText(ctx: RepoContext, description: string | undefined, r: SuiteRelease & { date: Date; validUntil: Date }): string {
  return renderRelease({
    ...r.identity,
    date: r.date,
    validUntil: r.validUntil,
    architectures: r.architectures,
    components: r.components,
    ...(description ? { description } : {}),
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
export function releaseStands(ctx: RepoContext, description: string | undefined, contents: SuiteContents, r: SuiteRelease): boolean {
  const rel = contents.release;
  // --rebuild rewrites on purpose (it also repairs index files damaged on disk).
  if (ctx.options.rebuild || !rel || !ctx.signer || contents.releaseText === undefined) return false;
  if (contents.inReleaseText !== contents.releaseText) return false;
  const date = Date.parse(getField(rel.fields, 'Date') ?? '');
  const validUntil = Date.parse(getField(rel.fields, 'Valid-Until') ?? '');
  if (Number.isNaN(date) || Number.isNaN(validUntil)) return false;
  if (validUntil - ctx.now().getTime() < (ctx.options.validDays * 86_400_000) / 2) return false;
  return releaseText(ctx, description, { ...r, date: new Date(date), validUntil: new Date(validUntil) }) === contents.releaseText;
}

/** Render the Release dated now, sign it, and stage Release, Release.gpg, InRelease in that order. */
export async function signAndStageRelease(ctx: RepoContext, description: string | undefined, base: string, r: SuiteRelease): Promise<void> {
  if (!ctx.signer && !ctx.options.allowUnsigned) {
    throw inputError(
      'REPO_NO_SIGNER',
      'no signing key is configured: apt refuses unsigned repositories',
      'Set `signing.key` in pkgtrack.yaml (create one with `pkgtrack key generate`).',
      { field: 'signing.key' },
    );
  }
  // Date is taken now, just before signing (apt rejects a Release dated in the future).
  const now = ctx.now();
  const text = releaseText(ctx, description, { ...r, date: now, validUntil: new Date(now.getTime() + ctx.options.validDays * 86_400_000) });
  // Switch order: Release, Release.gpg, then InRelease (what apt reads first). A kill between
  // them leaves the old InRelease, consistent with the old by-hash files still present.
  await ctx.tx.stageLast(`${base}/Release`, text);
  if (ctx.signer) {
    await ctx.tx.stageLast(`${base}/Release.gpg`, await ctx.signer.detachSign(Buffer.from(text, 'utf8')));
    await ctx.tx.stageLast(`${base}/InRelease`, await ctx.signer.clearsign(text));
  }
}
