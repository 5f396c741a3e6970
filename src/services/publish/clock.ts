/**
 * Clock sanity before signing (#24 item 13). Release `Date:` and repomd timestamps come from this
 * machine's clock: a clock days ahead publishes a repository apt refuses as "not valid yet" for
 * everyone, until the clock passes it. The only trustworthy time at hand is another machine's:
 * the `Date` header of the address the repository is served from (pkgtrack.yaml `url:`).
 * Unreachable or no `url:`: nothing to compare with, and the publish goes on (said in debug).
 */
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { PkgtrackError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import type { Signer } from '../../sign/signer.js';

/** Beyond this apt users start seeing "not valid yet"/stale dates for real (NTP keeps far closer). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The server's idea of now, from the `Date` header of a HEAD request (undefined when there is
 * none, or no answer within `timeoutMs`). node:http(s), not fetch: fetch loads undici, ~0.2 s of
 * CPU on every publish.
 *  - The name is resolved first: a host that does not resolve (offline, a placeholder `url:`)
 *    costs neither loading TLS nor setting up its context (~15 ms of the main thread).
 *  - The certificate is not verified: only the Date header is read, and a clock far enough off
 *    makes every certificate look expired or not yet valid, so verifying would skip the check
 *    exactly when it matters. Whoever could forge the header can only make publish refuse
 *    (overridden by --allow-clock-skew) or let it sign as it would with no check.
 */
export async function serverTime(url: string, timeoutMs = 3000): Promise<Date | undefined> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const https = target.protocol === 'https:';
  if (!https && target.protocol !== 'http:') return undefined;
  const deadline = AbortSignal.timeout(timeoutMs);
  const gaveUp = new Promise<undefined>((resolve) => deadline.addEventListener('abort', () => resolve(undefined)));
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = await Promise.race([
    lookup(host, { all: true }).then(
      (a) => (a.length ? a : undefined),
      () => undefined,
    ),
    gaveUp,
  ]);
  if (!addresses) return undefined;
  // The connection takes these same addresses (every one: IPv6 and IPv4 are tried in turn).
  const resolved: LookupFunction = (_name, opts, done) => {
    if (opts.all) done(null, addresses);
    else done(null, addresses[0]!.address, addresses[0]!.family);
  };
  const { request } = https ? await import('node:https') : await import('node:http');
  const asked = new Promise<Date | undefined>((resolve) => {
    try {
      const req = request(
        {
          hostname: host,
          ...(target.port ? { port: Number(target.port) } : {}),
          path: `${target.pathname}${target.search}`,
          method: 'HEAD',
          lookup: resolved,
          signal: deadline,
          ...(https ? { rejectUnauthorized: false } : {}),
        },
        (res) => {
          res.resume();
          const t = Date.parse(res.headers.date ?? '');
          resolve(Number.isNaN(t) ? undefined : new Date(t));
          req.destroy();
        },
      );
      req.on('error', () => resolve(undefined));
      req.end();
    } catch {
      resolve(undefined); // not a request node:http takes
    }
  });
  return Promise.race([asked, gaveUp]);
}

/** Refuse to sign when this clock and the serving host's disagree by more than MAX_CLOCK_SKEW_MS. */
export async function checkClock(opts: { url: string | undefined; now: Date; progress: Progress; allowSkew?: boolean }): Promise<void> {
  if (!opts.url || !/^https?:\/\//.test(opts.url)) return;
  const server = await serverTime(opts.url);
  if (!server) {
    opts.progress.debug(`clock check skipped: no Date header from ${opts.url}`);
    return;
  }
  // A HEAD round trip takes well under the tolerance: no latency correction needed.
  const skew = opts.now.getTime() - server.getTime();
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return;
  const what = `this machine's clock is ${duration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'} ${new URL(opts.url).host} (${opts.now.toISOString()} here, ${server.toISOString()} there)`;
  const effect =
    skew > 0
      ? 'apt would refuse the signed Release as "not valid yet" until that time'
      : 'the signed metadata would look older than it is and expire early (Valid-Until)';
  if (opts.allowSkew) {
    opts.progress.warn(`${what}; ${effect} — signing anyway (--allow-clock-skew)`);
    return;
  }
  throw new PkgtrackError({
    code: 'CLOCK_SKEW',
    kind: 'environment',
    message: `${what}: ${effect}`,
    fix: 'Set the clock right (`timedatectl set-ntp true`, or `chronyc makestep`) and publish again; --allow-clock-skew signs anyway.',
    details: { here: opts.now.toISOString(), there: server.toISOString(), reference: opts.url },
  });
}

function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} minutes`;
  const h = Math.round(min / 60);
  return h < 48 ? `${h} hours` : `${Math.round(h / 24)} days`;
}

/**
 * `signer`, each of whose signatures first waits for `check`, and which is `ready()` only once
 * the check passed: publish starts the clock check, reads and indexes while the HEAD request is
 * out, and still refuses before anything is signed or placed (the transaction then aborts,
 * nothing goes live).
 */
export function signAfter(signer: Signer, check: Promise<void>): Signer {
  // Not a spread: a class-based Signer keeps its methods on the prototype, and a signer whose
  // keys unlock in the background knows its fingerprints only once ready.
  return {
    get fingerprints() {
      return signer.fingerprints;
    },
    ...(signer.publicKeysArmored ? { publicKeysArmored: () => signer.publicKeysArmored!() } : {}),
    ...(signer.keyExpiry ? { keyExpiry: () => signer.keyExpiry!() } : {}),
    // Ready to sign: the keys unlocked and the clock found right (the pool goes in place then).
    ready: () => Promise.all([signer.ready?.(), check]).then(() => undefined),
    ...(hasForKey(signer) ? { forKey: (fpr: string) => signAfter(signer.forKey(fpr), check) } : {}),
    clearsign: (text) => check.then(() => signer.clearsign(text)),
    detachSign: (data) => check.then(() => signer.detachSign(data)),
    detachSignBinary: (data) => check.then(() => signer.detachSignBinary(data)),
  } as Signer;
}

const hasForKey = (s: Signer): s is Signer & { forKey(fpr: string): Signer } => typeof (s as { forKey?: unknown }).forKey === 'function';
