import { createServices, useServices } from '../../../shared/container';
import { LocalWorkflows } from '../../../local/asl-workflows';
import type { Services } from '../../../shared/pipeline/services';
import { tempConfig } from '../../helpers/temp-config';

describe('LocalWorkflows on p-queue', () => {
  let services: Services;
  let workflows: LocalWorkflows;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const temp = await tempConfig({});
    cleanup = temp.cleanup;
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
    services = await createServices(temp.config, { workflows });
    useServices(services);
  });
  afterAll(async () => {
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  it('does not start a running execution name twice, records failures, and settles', async () => {
    await services.documents.put('acme/a.md', '# A\n\nSome text about pumps and valves.');
    await services.documents.put('acme/b.pdf', Buffer.from('%PDF-1.7 not a pdf'));
    const headA = await services.documents.head('acme/a.md');
    const headB = await services.documents.head('acme/b.pdf');
    const reqA = { tenant: 'acme', key: 'acme/a.md', action: 'upsert' as const, etag: headA?.etag ?? '', reason: 'event' as const };
    const first = await workflows.startIngestion(reqA);
    const second = await workflows.startIngestion(reqA);
    await workflows.startIngestion({ tenant: 'acme', key: 'acme/b.pdf', action: 'upsert', etag: headB?.etag ?? '', reason: 'event' });
    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    await workflows.settle();
    const again = await workflows.startIngestion(reqA);
    expect(again.started).toBe(true);
    await workflows.settle();
  });

  it('tells an observer every Task invocation and the outcome of each ingestion with the state transitions it took', async () => {
    await services.documents.put('acme/observed.md', '# Observed\n\nA short note about gears.');
    await services.documents.put('acme/broken.pdf', Buffer.from('%PDF-1.7 not a pdf'));
    const tasks: string[] = [];
    const ended: { succeeded: boolean; stateTransitions: number }[] = [];
    const stop = workflows.observe({
      task: (functionName, ms) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        tasks.push(functionName);
      },
      ingestionEnded: ({ succeeded, stateTransitions }) => ended.push({ succeeded, stateTransitions }),
    });

    await workflows.startIngestion({ tenant: 'acme', key: 'acme/observed.md', action: 'upsert', etag: 'e1', reason: 'event' });
    await workflows.settle();
    await workflows.startIngestion({ tenant: 'acme', key: 'acme/broken.pdf', action: 'upsert', etag: 'e2', reason: 'event' });
    await workflows.settle();
    stop();
    await workflows.startIngestion({ tenant: 'acme', key: 'acme/observed.md', action: 'upsert', etag: 'e3', reason: 'event' });
    await workflows.settle();

    expect(tasks.slice(0, 4)).toEqual(['ingest-extract', 'ingest-chunk', 'ingest-embed-batch', 'ingest-finalize']);
    // RouteAction, Extract, SkipIfUnchanged, Chunk, EmbedBatches, one EmbedBatch, Finalize.
    expect(ended[0]).toEqual({ succeeded: true, stateTransitions: 7 });
    expect(ended[1]?.succeeded).toBe(false);
    expect(tasks.slice(4)).toContain('ingest-record-failure');
    // Removed observers hear nothing more.
    expect(ended).toHaveLength(2);
  });

  it('runs at most ingestConcurrency ingestions at once: with 1, each runs its Tasks to the end before the next starts', async () => {
    const serial = await LocalWorkflows.create({ retryDelayScale: 0, ingestConcurrency: 1 });
    const parallel = await LocalWorkflows.create({ retryDelayScale: 0, ingestConcurrency: 3 });
    const order = async (runner: LocalWorkflows, name: string): Promise<string[]> => {
      // New documents each run: an unchanged one would skip its Chunk, EmbedBatch and Finalize.
      const keys = [1, 2, 3].map((n) => `acme/${name}-${n}.md`);
      for (const key of keys) await services.documents.put(key, `# ${key}\n\nA short note about gears and ${key}.`);
      const tasks: string[] = [];
      const stop = runner.observe({ task: (functionName) => tasks.push(functionName) });
      for (const key of keys) await runner.startIngestion({ tenant: 'acme', key, action: 'upsert', etag: `e-${key}`, reason: 'event' });
      await runner.settle();
      stop();
      return tasks;
    };

    const one = await order(serial, 'serial');
    const three = await order(parallel, 'parallel');

    const chain = ['ingest-extract', 'ingest-chunk', 'ingest-embed-batch', 'ingest-finalize'];
    expect(one).toEqual([...chain, ...chain, ...chain]);
    // Three at once: the second and third Extract end before the first ingestion's Finalize.
    expect(three.filter((t) => t === 'ingest-extract')).toHaveLength(3);
    expect(three.indexOf('ingest-finalize')).toBeGreaterThan(three.lastIndexOf('ingest-extract'));
    await expect(LocalWorkflows.create({ ingestConcurrency: 0 })).rejects.toThrow(RangeError);
  });
});
