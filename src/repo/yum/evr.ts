/** rpm version ordering for retention: `[E:]V-R` compared as rpm does (epoch, then rpmvercmp). */
import { rpmvercmp } from '../../formats/version-rpm.js';
import { parseEvr } from './package-xml.js';

export function evrString(epoch: number | undefined, version: string, release: string): string {
  return `${epoch ? `${epoch}:` : ''}${version}-${release}`;
}

export function compareEvr(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  const e = Number(x.epoch ?? 0) - Number(y.epoch ?? 0);
  if (e) return e < 0 ? -1 : 1;
  return rpmvercmp(x.version ?? '', y.version ?? '') || rpmvercmp(x.release ?? '', y.release ?? '');
}
