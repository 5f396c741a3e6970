/**
 * Names of the temporaries a publish writes beside their targets. Pure, and light enough for
 * a worker thread to import (it writes pool copies straight into the pool's directories).
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { TMP_SUFFIX } from './lock.js';

/**
 * The temporary beside `abs` for a transaction tagged `tag`: the tag spares it from the sweep
 * of a dead publisher's leftovers (PublishTransaction.prepareDir).
 */
export function poolTemp(abs: string, tag: string): string {
  return join(dirname(abs), `.${basename(abs)}.${tag}-${randomBytes(4).toString('hex')}${TMP_SUFFIX}`);
}

/** Whether a temporary's name carries `tag` (see poolTemp). */
export const isTaggedTemp = (name: string, tag: string) => name.endsWith(TMP_SUFFIX) && name.includes(`.${tag}-`);
