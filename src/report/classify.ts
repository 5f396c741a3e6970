/**
 * From the patch header, upstream evidence and forwarded-PR state to one status with a reason
 * and an action. Pure. Precedence: proof that upstream has the code beats anything else; then
 * what happened to the forwarded PR/issue; then heuristics (never "drop" on those alone); then
 * the header itself.
 */
import { compareDebVersions } from '../formats/version-deb.js';
import { lastField, type PatchHeader, TEMPLATE_DESCRIPTION } from '../patches/header.js';
import type { ForwardState, MergedEvidence, PatchStatus } from './model.js';

export interface Classification {
  status: PatchStatus;
  reason: string;
  action: string;
  /** Nothing in the header says the patch went upstream. */
  notForwarded: boolean;
}

const ORIGIN_CATEGORIES = ['upstream', 'backport', 'vendor', 'other'];
const URL = /^(https?|ftp):\/\/\S+$/;
const VERSION = /^v?(\d[A-Za-z0-9.+~-]*)$/;

/**
 * lintian's quilt-patch-missing-description: no line before the diff except the lead-ins
 * quilt, diff and git write (`Index:`, `====`, `diff`, `index`, `From:`).
 */
export function lacksDescription(h: PatchHeader): boolean {
  const cut = h.raw.split('\n');
  const end = cut.findIndex((l) => l.startsWith('---'));
  return !(end >= 0 ? cut.slice(0, end) : cut).some((l) => !/^\s*$/.test(l) && !/^(?:Index: |=+$|diff .+|index |From: )/.test(l));
}

/** DEP-3 problems: each is something the maintainer can fix in the header. */
export function headerProblems(h: PatchHeader): string[] {
  if (!h.hasHeader) return ['no header: add Description, Author (or Origin) and Forwarded before the diff'];
  const p: string[] = [];
  if (!h.description) p.push('Description (or Subject) is missing');
  if (h.raw.includes(TEMPLATE_DESCRIPTION)) p.push("the Description is dpkg-source's template");
  const fwd = lastField(h, 'forwarded');
  if (fwd !== undefined && !['no', 'not-needed', 'yes'].includes(fwd) && !URL.test(fwd)) {
    p.push(`Forwarded must be "no", "not-needed", "yes" or a URL, not ${JSON.stringify(fwd)}`);
  }
  const lu = lastField(h, 'last-update');
  if (lu !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(lu)) p.push(`Last-Update must be YYYY-MM-DD, not ${JSON.stringify(lu)}`);
  const origin = lastField(h, 'origin');
  if (origin !== undefined) {
    const [cat, rest] = origin.split(/\s*,\s*/, 2);
    if (rest !== undefined && !ORIGIN_CATEGORIES.includes(cat ?? ''))
      p.push(`Origin category must be upstream, backport, vendor or other, not ${JSON.stringify(cat)}`);
  }
  if (!h.author && origin === undefined) p.push('Origin (or Author) is missing');
  return p;
}

/** The version an `Applied-Upstream:` names (`2.0`, `v2.0, https://…`), if it names one. */
export function appliedUpstreamVersion(value: string | undefined): string | undefined {
  const first = (value ?? '').split(/\s*,\s*/)[0]?.trim() ?? '';
  return VERSION.exec(first)?.[1];
}

/** True when `checked` (an upstream version or `trunk@…`) is at least `version`. */
function reaches(checked: string, version: string): boolean {
  const v = checked.replace(/^v/, '');
  if (!/^\d/.test(v)) return false;
  try {
    return compareDebVersions(v, version) >= 0;
  } catch {
    return false;
  }
}

export function classify(
  h: PatchHeader,
  opts: {
    evidence?: MergedEvidence;
    forward?: ForwardState;
    /** Upstream versions the patch was checked against (for Applied-Upstream). */
    checked?: readonly string[];
    recipe: string;
    file: string;
  },
): Classification {
  const { evidence, forward } = opts;
  const forwarded = lastField(h, 'forwarded') ?? '';
  const bug = lastField(h, 'bug');
  const applied = lastField(h, 'applied-upstream');
  const notForwarded = forwarded === 'no' || !(forwarded || bug || applied);
  const done = (status: PatchStatus, reason: string, action: string, nf = false): Classification => ({
    status,
    reason,
    action,
    notForwarded: nf,
  });
  if (evidence?.confidence === 'certain') {
    return done(
      'merged-upstream',
      `upstream ${evidence.where} has exactly this change (${evidence.via}${evidence.detail ? `: ${evidence.detail}` : ''}${evidence.first ? `; first in ${evidence.first}` : ''})`,
      'drop at next rebase',
    );
  }
  if (forward) {
    if (forward.state === 'merged') {
      return done(
        'forwarded-merged',
        `${forward.kind === 'pull' ? 'pull request' : 'issue'} ${forward.url} was merged${forward.at ? ` on ${forward.at.slice(0, 10)}` : ''}`,
        'drop at the rebase onto the first release that has it',
      );
    }
    if (forward.state === 'closed')
      return done(
        'forwarded-closed',
        `${forward.url} was closed without merging`,
        'rework and forward again, or mark it Forwarded: not-needed',
      );
    return done('forwarded-open', `${forward.url} is open`, `follow up on ${forward.url}`);
  }
  if (evidence) {
    return done(
      'probably-merged',
      `upstream ${evidence.where} seems to have this change (${evidence.via}${evidence.detail ? `: ${evidence.detail}` : ''}), not proven`,
      `check upstream ${evidence.where}, then drop it (pkgtrack patches rebase shows whether it still applies)`,
    );
  }
  const forwardAction = `forward upstream: pkgtrack patches forward ${opts.recipe} ${opts.file}`;
  if (!h.hasHeader || lacksDescription(h)) {
    return done(
      'invalid-header',
      `${h.hasHeader ? 'no description before the diff' : 'no header'}${notForwarded ? ', and nothing says it was forwarded upstream' : ''}`,
      `add a DEP-3 header (Description, Author, Forwarded)${notForwarded ? `, then ${forwardAction}` : ''}`,
      notForwarded,
    );
  }
  if (h.raw.includes(TEMPLATE_DESCRIPTION))
    return done('invalid-header', "the Description is dpkg-source's template", 'write a real Description', notForwarded);
  const origin = lastField(h, 'origin') ?? '';
  const category = origin.split(/\s*,\s*/)[0] ?? '';
  if (applied) {
    const version = appliedUpstreamVersion(applied);
    const hit = version ? opts.checked?.find((c) => reaches(c, version)) : undefined;
    if (hit)
      return done(
        'probably-merged',
        `Applied-Upstream: ${applied} (checked ${hit}), but the code was not found there`,
        `check upstream ${hit}, then drop it`,
      );
    if (applied !== 'not-needed' && applied !== 'no')
      return done(
        'from-upstream',
        `applied upstream (Applied-Upstream: ${applied})${version && opts.checked?.length ? `, after ${opts.checked.join(', ')}` : ''}`,
        'drop at the rebase onto the first release that has it',
      );
  }
  if (category === 'upstream' || category === 'backport' || h.originCommit || h.cherryPickedFrom) {
    const what = h.cherryPickedFrom
      ? `cherry picked from upstream commit ${h.cherryPickedFrom}`
      : `taken from upstream (Origin: ${origin})`;
    return done('from-upstream', what, 'drop at the rebase onto the first release that has it');
  }
  if (forwarded === 'not-needed') return done('distro-specific', 'Forwarded: not-needed', 'keep');
  if (notForwarded) {
    if (category === 'vendor' && forwarded !== 'no')
      return done(
        'distro-specific',
        `vendor patch (Origin: ${origin}) with no Forwarded field`,
        'keep, or set Forwarded: no if upstream should have it',
      );
    return done(
      'needs-forwarding',
      forwarded === 'no' ? 'Forwarded: no' : 'no Forwarded, Bug or Applied-Upstream field',
      forwardAction,
      true,
    );
  }
  const where = URL.test(forwarded) ? forwarded : (bug ?? (forwarded || applied || ''));
  return done('forwarded', `forwarded (${where}); its state is not tracked`, URL.test(where) ? `check ${where}` : 'keep');
}

/**
 * The differences from lintian's patch-not-forwarded-upstream, each a rule of ours: lintian
 * tags these, we do not call them needs-forwarding.
 */
export const NOT_FORWARDED_RULES: Record<string, (h: PatchHeader) => boolean> = {
  'Origin: vendor without Forwarded is distro-specific': (h) => (lastField(h, 'origin') ?? '').split(/\s*,\s*/)[0] === 'vendor',
  'an Origin naming an upstream commit, or "cherry picked from commit", is from-upstream': (h) => !!(h.originCommit || h.cherryPickedFrom),
  'a header without a description is invalid-header (and notForwarded)': (h) => !h.hasHeader || lacksDescription(h),
  "dpkg-source's template description is invalid-header (and notForwarded)": (h) => h.raw.includes(TEMPLATE_DESCRIPTION),
};
