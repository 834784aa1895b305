import { setMaxListeners } from 'node:events';

/**
 * Two-stage cancellation, as the runner does it: the first request cancels running steps and
 * makes `cancelled()` true, so `always()` and post steps still run; the second forces, killing
 * those too.
 */
export class Cancellation {
  private readonly cancel = new AbortController();
  private readonly force = new AbortController();

  constructor() {
    // Every job leg and step listens here (a 20-leg matrix is 40+ listeners): no leak, no warning.
    setMaxListeners(0, this.cancel.signal, this.force.signal);
  }

  get cancelled(): boolean {
    return this.cancel.signal.aborted;
  }

  /** Aborted by the first request: running steps stop. */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  /** Aborted only by the second request. */
  get forceSignal(): AbortSignal {
    return this.force.signal;
  }

  request(): 'cancelled' | 'forced' {
    if (!this.cancel.signal.aborted) {
      this.cancel.abort();
      return 'cancelled';
    }
    this.force.abort();
    return 'forced';
  }

  /**
   * The signal a step starting now should honour: cancellation while it runs stops it, except
   * for steps that start after cancellation (always()/cancelled() steps), which only a forced
   * cancellation stops.
   */
  stepSignal(): AbortSignal {
    return this.cancelled ? this.force.signal : this.cancel.signal;
  }

  /** A child that cancels with this one and can also be cancelled on its own (fail-fast, job timeout). */
  child(): Cancellation {
    const c = new Cancellation();
    this.cancel.signal.addEventListener('abort', () => c.cancel.abort(), { once: true });
    this.force.signal.addEventListener('abort', () => (c.cancel.abort(), c.force.abort()), { once: true });
    return c;
  }
}
