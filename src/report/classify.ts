/**
 * From header facts, upstream evidence and forwarded-PR state to one status with a reason and an
 * action. Pure. Precedence: evidence that upstream has the code beats anything the header says;
 * then what happened to the forwarded PR/issue; then the header itself.
 */
import type { Dep3Facts } from './dep3.js';
import type { ForwardState, MergedEvidence, PatchStatus } from './model.js';

export interface Classification {
  status: PatchStatus;
  reason: string;
  action: string;
}

const ORIGIN_CATEGORIES = ['upstream', 'backport', 'vendor', 'other'];
const URL = /^(https?|ftp):\/\/\S+$/;

/** DEP-3 problems: each is something the maintainer can fix in the header. */
export function headerProblems(f: Dep3Facts, description: string | undefined): string[] {
  if (!f.readable) return [`the header is not DEP-3 (line ${f.error?.line ?? 1}: ${f.error?.message ?? 'unreadable'})`];
  const p: string[] = [];
  if (!f.fields.has('description') && !f.fields.has('subject') && !description) p.push('Description (or Subject) is missing');
  const fwd = f.fields.get('forwarded');
  if (fwd !== undefined && !['no', 'not-needed', 'yes'].includes(fwd) && !URL.test(fwd)) {
    p.push(`Forwarded must be "no", "not-needed", "yes" or a URL, not ${JSON.stringify(fwd)}`);
  }
  const lu = f.fields.get('last-update');
  if (lu !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(lu)) p.push(`Last-Update must be YYYY-MM-DD, not ${JSON.stringify(lu)}`);
  const origin = f.fields.get('origin');
  if (origin !== undefined) {
    const [cat, rest] = origin.split(/\s*,\s*/, 2);
    if (rest !== undefined && !ORIGIN_CATEGORIES.includes(cat ?? ''))
      p.push(`Origin category must be upstream, backport, vendor or other, not ${JSON.stringify(cat)}`);
  }
  const author = f.fields.get('author') ?? f.fields.get('from');
  if (!author && !(origin ?? '').match(/^(upstream|backport)/)) p.push('Author (or From) is missing');
  return p;
}

export function classify(
  f: Dep3Facts,
  opts: { evidence?: MergedEvidence; forward?: ForwardState; description?: string; recipe: string; file: string },
): Classification {
  const { evidence, forward } = opts;
  if (evidence?.confidence === 'certain') {
    return {
      status: 'merged-upstream',
      reason: `upstream ${evidence.where} already has this change (${evidence.via}${evidence.first ? `; first in ${evidence.first}` : ''})`,
      action: 'drop at next rebase',
    };
  }
  if (forward) {
    if (forward.state === 'merged') {
      return {
        status: 'forwarded-merged',
        reason: `${forward.kind === 'pull' ? 'pull request' : 'issue'} ${forward.url} was merged${forward.at ? ` on ${forward.at.slice(0, 10)}` : ''}`,
        action: 'drop at the rebase onto the first release that has it',
      };
    }
    if (forward.state === 'closed') {
      return {
        status: 'forwarded-closed',
        reason: `${forward.url} was closed without merging`,
        action: 'rework and forward again, or mark it Forwarded: not-needed',
      };
    }
    return { status: 'forwarded-open', reason: `${forward.url} is open`, action: `follow up on ${forward.url}` };
  }
  if (evidence) {
    return {
      status: 'merged-upstream',
      reason: `upstream ${evidence.where} names this change (${evidence.via}: ${evidence.detail ?? ''}) but the code differs`,
      action: 'check, then drop at next rebase',
    };
  }
  if (!f.readable) {
    return {
      status: 'invalid-header',
      reason: `no readable DEP-3 header (line ${f.error?.line ?? 1}: ${f.error?.message ?? 'unreadable'})`,
      action: 'fix header: add Description, Author and Forwarded fields before the diff',
    };
  }
  const origin = f.fields.get('origin') ?? '';
  const category = origin.split(/\s*,\s*/)[0] ?? '';
  const forwarded = f.fields.get('forwarded') ?? '';
  const applied = f.fields.get('applied-upstream');
  const bug = f.fields.get('bug');
  if (applied) return { status: 'merged-upstream', reason: `Applied-Upstream: ${applied}`, action: 'drop at next rebase' };
  if (category === 'upstream' || category === 'backport') {
    return {
      status: 'merged-upstream',
      reason: `taken from upstream (Origin: ${origin})`,
      action: 'drop at the rebase onto the release that has it',
    };
  }
  if (forwarded === 'not-needed') return { status: 'distro-specific', reason: 'Forwarded: not-needed', action: 'keep' };
  if (forwarded === 'no' || (!forwarded && !bug)) {
    if (category === 'vendor' && forwarded !== 'no') {
      return {
        status: 'distro-specific',
        reason: `vendor patch (Origin: ${origin}) with no Forwarded field`,
        action: 'keep, or set Forwarded: no if upstream should have it',
      };
    }
    return {
      status: 'needs-forwarding',
      reason: forwarded === 'no' ? 'Forwarded: no' : 'no Forwarded, Bug or Applied-Upstream field',
      action: `forward upstream: pkgtrack patches forward ${opts.recipe} ${opts.file}`,
    };
  }
  if (forwarded && !['no', 'not-needed', 'yes'].includes(forwarded) && !URL.test(forwarded)) {
    return {
      status: 'invalid-header',
      reason: `Forwarded has an unknown value ${JSON.stringify(forwarded)}`,
      action: 'fix header: Forwarded must be no, not-needed, yes or a URL',
    };
  }
  const where = URL.test(forwarded) ? forwarded : (bug ?? forwarded);
  return { status: 'forwarded', reason: `forwarded (${where}); its state is not tracked`, action: `check ${where}` };
}
