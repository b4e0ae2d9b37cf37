/**
 * The bound on queries in flight in the local server: a query past `maxInFlight` is refused at once
 * (429 with Retry-After) instead of waiting behind the others, so latency stays bounded under overload
 * and the client learns to back off. On AWS the query function's reserved concurrency is the bound.
 */
export interface QueryAdmissionOptions {
  maxInFlight: number;
  retryAfterSeconds: number;
}

export class QueryAdmission {
  private running = 0;
  private refusedCount = 0;

  constructor(readonly options: QueryAdmissionOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1)
      throw new RangeError(`maxInFlight must be an integer >= 1, got ${options.maxInFlight}`);
    if (!(options.retryAfterSeconds >= 1)) throw new RangeError(`retryAfterSeconds must be >= 1, got ${options.retryAfterSeconds}`);
  }

  /** A release function when the query may run (call it once it has finished), undefined when it must be refused. */
  tryAdmit(): (() => void) | undefined {
    if (this.running >= this.options.maxInFlight) {
      this.refusedCount += 1;
      return undefined;
    }
    this.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
    };
  }

  get inFlight(): number {
    return this.running;
  }

  get refused(): number {
    return this.refusedCount;
  }
}
