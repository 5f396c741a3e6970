/**
 * A transfer that stops sending: a big download may take an hour, so it has no overall time limit,
 * but a server that went silent must not hold it for ever.
 */

/** Aborts its signal when `arm` was not called again within `ms`. */
export class StallTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal = this.controller.signal;

  constructor(private readonly ms: number) {
    this.arm();
  }

  /** Start the wait again, `extraMs` longer this once (a retry's wait). */
  arm(extraMs = 0): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new Error(`no data for ${this.ms / 1000} s`)), this.ms + extraMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** `fn` with a StallTimer of `ms`, stopped however `fn` ends. */
export async function withStallTimer<T>(ms: number, fn: (stall: StallTimer) => Promise<T>): Promise<T> {
  const stall = new StallTimer(ms);
  try {
    return await fn(stall);
  } finally {
    stall.stop();
  }
}

/** Why a transfer broke off: undici's bare `TypeError: terminated` carries the reason as its cause. */
export function brokenOffReason(e: unknown): string {
  const err = e as Error;
  return err.cause instanceof Error ? err.cause.message : err.message;
}
