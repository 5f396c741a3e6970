/**
 * Names of the temporaries a publish writes beside their targets. Light enough for
 * a worker thread to import (it writes pool copies straight into the pool's directories).
 */
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { TMP_SUFFIX } from './lock.js';

/**
 * Unique within the process by thread and count (the tag, random per transaction, separates
 * processes): no random bytes per name, which a cold publish of 10,000 files asked for 10,000 times.
 */
let serial = 0;

/**
 * The temporary beside `abs` for a transaction tagged `tag`: the tag spares it from the sweep
 * of a dead publisher's leftovers (PublishTransaction.prepareDir).
 */
export function poolTemp(abs: string, tag: string): string {
  return join(dirname(abs), `.${basename(abs)}.${tag}-${threadId.toString(36)}-${(serial++).toString(36)}${TMP_SUFFIX}`);
}

/** Whether a temporary's name carries `tag` (see poolTemp). */
export const isTaggedTemp = (name: string, tag: string) => name.endsWith(TMP_SUFFIX) && name.includes(`.${tag}-`);
