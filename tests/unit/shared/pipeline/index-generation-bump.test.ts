import { bumpIndexGenerationCoalesced } from '../../../../shared/pipeline/ingest';

/** A generation store that records the order of calls and bumps. */
function recordingStore(events: string[], delayMs = 0) {
  let generation = 0;
  return {
    bumpIndexGeneration: async (tenant: string): Promise<number> => {
      events.push(`bump ${tenant}`);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      generation += 1;
      return generation;
    },
  };
}

describe('bumpIndexGenerationCoalesced', () => {
  it('serves every caller that asks before the bump starts with one bump, started after their calls', async () => {
    const events: string[] = [];
    const store = recordingStore(events);

    const calls = [1, 2, 3].map((n) => {
      events.push(`call ${n}`);
      return bumpIndexGenerationCoalesced(store, 't1');
    });
    await Promise.all(calls);

    expect(events).toEqual(['call 1', 'call 2', 'call 3', 'bump t1']);
  });

  it('gives a caller that arrives while a bump runs a new bump after it, shared with the others arriving then', async () => {
    const events: string[] = [];
    const store = recordingStore(events, 20);

    const first = bumpIndexGenerationCoalesced(store, 't1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The first bump is running now: these two must not be served by it.
    events.push('late calls');
    const late = [bumpIndexGenerationCoalesced(store, 't1'), bumpIndexGenerationCoalesced(store, 't1')];
    const results = await Promise.all([first, ...late]);

    expect(events).toEqual(['bump t1', 'late calls', 'bump t1']);
    expect(results).toEqual([1, 2, 2]);
  });

  it('bumps each tenant separately', async () => {
    const events: string[] = [];
    const store = recordingStore(events);

    await Promise.all([bumpIndexGenerationCoalesced(store, 't1'), bumpIndexGenerationCoalesced(store, 't2')]);

    expect(events.sort()).toEqual(['bump t1', 'bump t2']);
  });

  it('passes a failed bump to its callers and still bumps for the next ones', async () => {
    let fail = true;
    const calls: string[] = [];
    const store = {
      bumpIndexGeneration: async (tenant: string): Promise<number> => {
        calls.push(tenant);
        if (fail) {
          fail = false;
          throw new Error('store down');
        }
        return 7;
      },
    };

    await expect(bumpIndexGenerationCoalesced(store, 't1')).rejects.toThrow('store down');
    await expect(bumpIndexGenerationCoalesced(store, 't1')).resolves.toBe(7);
    expect(calls).toEqual(['t1', 't1']);
  });
});
