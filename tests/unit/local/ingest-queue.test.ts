import { FairIngestQueue, type IngestLane } from '../../../local/ingest-queue';
import { ThrottlingError } from '../../../shared/errors';

/** A job that records when it starts and ends only when released, so a test decides what runs when. */
function gate() {
  let release: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { ended, release };
}

/** Queues jobs that record their names in start order; the first `blockers` jobs hold the slots until released. */
function recorder(queue: FairIngestQueue) {
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const add = (tenant: string, lane: IngestLane, name: string, hold = false): Promise<void> => {
    const g = gate();
    if (!hold) g.release();
    gates.set(name, g);
    return queue.add(tenant, lane, async () => {
      started.push(name);
      await g.ended;
    });
  };
  return { started, add, release: (name: string) => gates.get(name)?.release() };
}

describe('FairIngestQueue', () => {
  it('takes tenants in turn: one tenant’s burst queued first does not hold back another tenant’s file', async () => {
    const queue = new FairIngestQueue({ concurrency: 1, maxWaiting: 100 });
    const { started, add, release } = recorder(queue);
    void add('busy', 'bulk', 'blocker', true);
    for (let n = 1; n <= 5; n += 1) void add('busy', 'bulk', `busy-${n}`);
    void add('quiet', 'bulk', 'quiet-1');
    void add('other', 'bulk', 'other-1');

    release('blocker');
    await queue.onIdle();

    expect(started).toEqual(['blocker', 'busy-1', 'quiet-1', 'other-1', 'busy-2', 'busy-3', 'busy-4', 'busy-5']);
  });

  it('starts an upload (interactive lane) before the folder events of the same tenant queued ahead of it, in order within a lane', async () => {
    const queue = new FairIngestQueue({ concurrency: 1, maxWaiting: 1000 });
    const { started, add, release } = recorder(queue);
    void add('acme', 'bulk', 'blocker', true);
    for (let n = 1; n <= 500; n += 1) void add('acme', 'bulk', `event-${n}`);
    void add('acme', 'interactive', 'upload-1');
    void add('acme', 'interactive', 'upload-2');

    release('blocker');
    await queue.onIdle();

    expect(started.slice(0, 4)).toEqual(['blocker', 'upload-1', 'upload-2', 'event-1']);
    expect(started.slice(3)).toEqual(Array.from({ length: 500 }, (_, i) => `event-${i + 1}`));
  });

  it('refuses one job beyond maxWaiting with a ThrottlingError carrying Retry-After, queues nothing then, and takes it again once a slot frees', async () => {
    const queue = new FairIngestQueue({ concurrency: 2, maxWaiting: 3, retryAfterSeconds: 7 });
    const { started, add, release } = recorder(queue);
    void add('acme', 'bulk', 'run-1', true);
    void add('acme', 'bulk', 'run-2', true);
    for (let n = 1; n <= 3; n += 1) void add('acme', 'bulk', `wait-${n}`, true);

    const refused = (): Promise<void> => add('acme', 'interactive', 'refused');
    const sizeWhenFull = queue.size;

    expect(queue.full).toBe(true);
    expect(refused).toThrow(ThrottlingError);
    expect(refused).toThrow(expect.objectContaining({ status: 429, retryAfterSeconds: 7 }));
    expect(queue.size).toBe(sizeWhenFull);
    expect(queue.pending).toBe(2);

    release('run-1');
    await new Promise((resolve) => setImmediate(resolve));
    const accepted = add('acme', 'interactive', 'late-upload');
    release('run-2');
    await new Promise((resolve) => setImmediate(resolve));
    for (const name of ['wait-1', 'wait-2', 'wait-3']) release(name);
    await Promise.all([accepted, queue.onIdle()]);

    expect(started).toEqual(['run-1', 'run-2', 'wait-1', 'late-upload', 'wait-2', 'wait-3']);
    expect(started).not.toContain('refused');
  });

  it('runs at most `concurrency` jobs at once and settles each add with its job’s outcome', async () => {
    const queue = new FairIngestQueue({ concurrency: 3, maxWaiting: 100 });
    let running = 0;
    let peak = 0;
    const job = async (): Promise<void> => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
    };
    const all = Array.from({ length: 10 }, (_, n) => queue.add(`t${n % 4}`, n % 3 === 0 ? 'interactive' : 'bulk', job));
    const failing = expect(
      queue.add('t0', 'bulk', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    await Promise.all(all);
    await failing;
    await queue.onIdle();

    expect(peak).toBe(3);
    expect(queue.size).toBe(0);
    expect(queue.pending).toBe(0);
  });

  it('refuses options that cannot work', () => {
    expect(() => new FairIngestQueue({ concurrency: 0, maxWaiting: 1 })).toThrow(RangeError);
    expect(() => new FairIngestQueue({ concurrency: 1, maxWaiting: 0 })).toThrow(RangeError);
  });
});
