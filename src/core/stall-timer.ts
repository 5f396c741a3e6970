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
