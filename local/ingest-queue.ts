import { ThrottlingError } from '../shared/errors';

/**
 * The local stand-in for Step Functions' admission of ingest executions: a bounded waiting queue in front of a
 * fixed number of running ingestions, fair across tenants and kinds of work.
 *
 * Hand-written rather than p-queue (6.6.2): p-queue orders by one global priority and then FIFO, so one tenant's
 * 10,000 folder events queued first are all started before another tenant's single file, and it has no bound on
 * what waits. Here every lane keeps one FIFO per tenant and takes tenants in turn (round-robin), and the
 * interactive lane (uploads, re-drives: a person waits for them) is served before the bulk lane (folder events,
 * sweeps, samples). Within one tenant and lane, jobs start in the order they came.
 */
export type IngestLane = 'interactive' | 'bulk';

export interface FairIngestQueueOptions {
  /** Jobs running at once (RAG_LOCAL_INGESTIONS). */
  concurrency: number;
  /** Jobs waiting for a slot, all lanes together (RAG_INGEST_QUEUE_MAX); one more is refused with a ThrottlingError. */
  maxWaiting: number;
  /** Retry-After of that refusal. */
  retryAfterSeconds?: number;
}

/**
 * Retry-After of a refusal: a slot opens as soon as one running ingestion ends (a 2,000-file burst settled at
 * 28-61 documents/s, see DEFAULT_INGEST_CONCURRENCY), and a refused upload is not lost (it stays PENDING in the
 * store for the next sweep), so a short wait is enough.
 */
export const DEFAULT_QUEUE_RETRY_AFTER_SECONDS = 5;

/** A FIFO whose shift is O(1): a 20,000-job queue drained with Array#shift moves every element each time. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    // Drop the consumed front once it is most of the array, so memory follows what still waits.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface Job {
  run: () => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One lane: a FIFO of jobs per tenant, and the tenants that have any, in turn order. */
class Lane {
  private readonly jobs = new Map<string, Fifo<Job>>();
  private readonly turns = new Fifo<string>();

  push(tenant: string, job: Job): void {
    let queue = this.jobs.get(tenant);
    if (!queue) {
      queue = new Fifo<Job>();
      this.jobs.set(tenant, queue);
      this.turns.push(tenant);
    }
    queue.push(job);
  }

  /** The next job of the tenant whose turn it is; the tenant goes to the back of the turns if it has more. */
  shift(): Job | undefined {
    const tenant = this.turns.shift();
    if (tenant === undefined) return undefined;
    const queue = this.jobs.get(tenant) as Fifo<Job>;
    const job = queue.shift();
    if (queue.length > 0) this.turns.push(tenant);
    else this.jobs.delete(tenant);
    return job;
  }
}

export class FairIngestQueue {
  private readonly lanes: Record<IngestLane, Lane> = { interactive: new Lane(), bulk: new Lane() };
  private waiting = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly retryAfterSeconds: number;

  constructor(options: FairIngestQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    if (!Number.isInteger(options.maxWaiting) || options.maxWaiting < 1) throw new RangeError('maxWaiting must be an integer >= 1');
    this.concurrency = options.concurrency;
    this.maxWaiting = options.maxWaiting;
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_QUEUE_RETRY_AFTER_SECONDS;
  }

  /** Jobs waiting for a slot. */
  get size(): number {
    return this.waiting;
  }

  /** Jobs running. */
  get pending(): number {
    return this.running;
  }

  /** Whether one more job would be refused (jobs wait only while every slot runs one). */
  get full(): boolean {
    return this.waiting >= this.maxWaiting;
  }

  /**
   * Queues `run` for `tenant` in `lane`; the promise settles as `run` does. Throws a ThrottlingError (429 with
   * Retry-After) instead when `maxWaiting` jobs already wait: nothing is queued then.
   */
  add(tenant: string, lane: IngestLane, run: () => Promise<void>): Promise<void> {
    if (this.full) {
      throw new ThrottlingError(`The ingest queue is full (${this.maxWaiting} waiting, RAG_INGEST_QUEUE_MAX); retry later`, this.retryAfterSeconds);
    }
    const done = new Promise<void>((resolve, reject) => {
      this.lanes[lane].push(tenant, { run, resolve, reject });
    });
    this.waiting += 1;
    this.pump();
    return done;
  }

  /** Resolves once nothing waits or runs. */
  onIdle(): Promise<void> {
    if (this.waiting === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const job = this.lanes.interactive.shift() ?? this.lanes.bulk.shift();
      if (!job) break;
      this.waiting -= 1;
      this.running += 1;
      // Started on a later tick: a job that settles synchronously must not re-enter pump() while it loops.
      void Promise.resolve()
        .then(job.run)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.waiting === 0 && this.running === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }
}
