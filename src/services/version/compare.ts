/** `version compare`: order two versions in one scheme, as dpkg or rpm would. */
import { compareSymbol, compareVersions, type VersionScheme } from '../../formats/versions.js';

export interface VersionCompareResult {
  a: string;
  b: string;
  scheme: VersionScheme;
  /** `<` when a sorts before b, `=` when equal, `>` when after. */
  result: '<' | '=' | '>';
  /** The same as a number: -1, 0 or 1. */
  order: -1 | 0 | 1;
}

export function compareVersionStrings(a: string, b: string, scheme: VersionScheme): VersionCompareResult {
  const order = compareVersions(scheme, a, b);
  return { a, b, scheme, result: compareSymbol(order), order };
}
