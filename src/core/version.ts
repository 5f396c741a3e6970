/**
 * pkgtrack's own version, from its package.json (dist/core and src/core are both two levels
 * below it). Read once, synchronously, when first imported.
 */
import { readFileSync } from 'node:fs';

export const PKGTRACK_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
