/**
 * Mutual exclusion between publishers of one object-storage prefix that needs only what every
 * S3-compatible store gives: strongly consistent PUT, LIST and DELETE (no conditional writes).
 *
 * Each contender writes a claim under a unique key, then lists the claims. It holds the lease
 * only when its own claim is the only live one; otherwise it withdraws and retries after a
 * random pause. Two contenders cannot both see only themselves: if A's list missed B's claim,
 * B's PUT finished after A's list began, so after A's PUT, and B's list sees A. Claims are
 * renewed while held; one not renewed for `ttlMs`, or written on this host by a process that is
 * gone (a killed publisher), is ignored and removed.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { conflictError } from '../core/errors.js';
import type { ObjectStore, StoredObject } from './object-store.js';

export interface LeaseOptions {
  /** Give up waiting after this long. */
  timeoutMs: number;
  /** A claim not renewed for this long belongs to a dead publisher. */
  ttlMs?: number;
  what: string;
  onWait?: (holder: string) => void;
  /**
   * An object beside the claims' folder (under the same parent) to report as the listing that
   * granted the lease saw it: its ETag then says, without another request, whether what was
   * read while the lease was being taken is still what is there.
   */
  watch?: string;
}

export interface Lease {
  /** Still ours (claim present and live)? Checked before the switch. */
  check(): Promise<void>;
  release(): Promise<void>;
  /** `watch` in the listing that granted the lease (null: not there); undefined when not asked. */
  watched?: StoredObject | null;
}

/** A claim written on this host by a process that no longer runs (a killed publisher). */
async function deadHere(store: ObjectStore, key: string): Promise<boolean> {
  const got = await store.get(key);
  if (!got) return true;
  try {
    const c = JSON.parse(got.body.toString('utf8')) as { host?: string; pid?: number };
    if (c.host !== hostname() || !c.pid || c.pid === process.pid) return false;
    process.kill(c.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLease(store: ObjectStore, dir: string, o: LeaseOptions): Promise<Lease> {
  const ttl = o.ttlMs ?? 120_000;
  const token = `${Date.now()}-${randomBytes(6).toString('hex')}`;
  const mine = `${dir}${token}.json`;
  const body = () => Buffer.from(JSON.stringify({ host: hostname(), pid: process.pid, what: o.what, renewed: new Date().toISOString() }));
  const put = () => store.put(mine, body(), { contentType: 'application/json', cacheControl: 'no-store' });
  /** The other live claims among `claims`; stale and dead ones are removed on the way. */
  const liveOthers = async (claims: Awaited<ReturnType<ObjectStore['list']>>) => {
    const live: string[] = [];
    for (const c of claims) {
      if (c.key === mine) continue;
      if (Date.now() - c.lastModified.getTime() > ttl || (await deadHere(store, c.key))) await store.delete(c.key);
      else live.push(c.key);
    }
    return live;
  };
  // With `watch`, the claims are listed from the folder both are in: one listing gives both.
  const scope = o.watch ? dir.slice(0, dir.slice(0, -1).lastIndexOf('/') + 1) : dir;
  if (o.watch && !o.watch.startsWith(scope)) throw new Error(`lease: ${o.watch} is not beside ${dir}`);
  let watched: StoredObject | null | undefined;
  const others = async () => {
    const listed = await store.list(scope);
    if (o.watch) watched = listed.find((c) => c.key === o.watch) ?? null;
    return liveOthers(listed.filter((c) => c.key.startsWith(dir)));
  };
  const deadline = Date.now() + o.timeoutMs;
  let pause = 200;
  for (let first = true; ; first = false) {
    // The first try claims at once (claim, then list: two round trips). After a refusal, a
    // contender lists first and claims only when nobody holds the lease, so that waiters do
    // not keep writing claims that make each other back off.
    let live = first ? [] : await others();
    if (live.length === 0) {
      await put();
      live = await others();
      if (live.length === 0) break;
      await store.delete(mine);
    }
    if (Date.now() > deadline) {
      throw conflictError(
        'S3_LOCKED',
        `${store.url}: another publisher holds the lease (${live[0]}) for longer than the lock timeout`,
        `Wait for it to finish, or raise --lock-timeout. A claim not renewed for ${Math.round(ttl / 1000)} s (a killed publisher) is ignored.`,
        { file: live[0] ?? '' },
      );
    }
    o.onWait?.(live[0]!);
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 5000);
  }
  const renew = setInterval(() => void put().catch(() => {}), Math.max(1000, ttl / 4));
  renew.unref();
  return {
    ...(watched !== undefined ? { watched } : {}),
    async check() {
      // One listing: our claim present and fresh, and no other live claim.
      const claims = await store.list(dir);
      const own = claims.find((c) => c.key === mine);
      if (!own || Date.now() - own.lastModified.getTime() > ttl || (await liveOthers(claims)).length > 0) {
        throw conflictError(
          'S3_LEASE_LOST',
          `${store.url}: this publisher lost its lease (not renewed in time); nothing was switched`,
          'Run the publish again: it starts from what is published now and uploads only what is missing.',
        );
      }
    },
    async release() {
      clearInterval(renew);
      await store.delete(mine);
    },
  };
}
