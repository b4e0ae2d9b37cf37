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
    console.log('failures', JSON.stringify(workflows.failures));
  });
});
