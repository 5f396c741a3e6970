/** Which write guarantees an object store really gives, found by trying (not by its name). */
import { randomBytes } from 'node:crypto';
import { type IfMatchForm, type ObjectStore, PreconditionFailed } from './object-store.js';

export interface StoreGuarantees {
  /** `If-None-Match: *` on PUT refuses an existing key. */
  createOnly: boolean;
  /** `If-Match: <etag>` on PUT refuses a changed object. */
  compareAndSwap: boolean;
  /** The ETag form `If-Match` is compared against (absent in states probed before it was recorded). */
  ifMatchForm?: IfMatchForm;
}

export async function probeConditionalWrites(store: ObjectStore, dir: string): Promise<StoreGuarantees> {
  const key = `${dir}probe-${randomBytes(6).toString('hex')}`;
  const opts = { contentType: 'text/plain', cacheControl: 'no-store' };
  const refused = async (p: Promise<unknown>) =>
    p.then(
      () => false,
      (e) => {
        if (e instanceof PreconditionFailed) return true;
        throw e;
      },
    );
  try {
    const { etag } = await store.put(key, Buffer.from('1'), { ...opts, createOnly: true });
    const createOnly = await refused(store.put(key, Buffer.from('2'), { ...opts, createOnly: true }));
    // Compare-and-swap: a stale ETag is refused and the current one accepted (a store that
    // refused both would make every publish fail).
    const staleRefused = await refused(store.put(key, Buffer.from('3'), { ...opts, ifMatch: '"00000000000000000000000000000000"' }));
    const current = (await store.head(key))?.etag ?? etag;
    const currentAccepted = !(await refused(store.put(key, Buffer.from('4'), { ...opts, ifMatch: current })));
    // The store learned the form that put took (storage/s3-store.ts tries the other once).
    return { createOnly, compareAndSwap: staleRefused && currentAccepted, ifMatchForm: store.ifMatchForm ?? 'quoted' };
  } finally {
    await store.delete(key);
  }
}
