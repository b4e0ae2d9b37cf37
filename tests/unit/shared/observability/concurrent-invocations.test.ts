import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../../../local/lambda-context';

// The logger reads its level once, when telemetry is first imported: INFO for this file only.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
type Telemetry = typeof import('../../../../shared/observability/telemetry');
type Stack = typeof import('../../../../shared/observability/handler-stack');
type Invocations = typeof import('../../../../shared/observability/invocation-context');

/**
 * The local runtime serves many invocations at once in one process, as Lambda Managed Instances do:
 * each log line must carry its own invocation's function name and correlation id, however the
 * invocations interleave (issue 15 saw errors logged under another function's name).
 */
interface Line {
  function_name?: string;
  correlationId?: string;
  message?: string;
  step?: number;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('concurrent invocations in one process', () => {
  const lines: Line[] = [];
  let restore: () => void = () => undefined;

  let logger: Telemetry['logger'];
  let withObservability: Stack['withObservability'];

  beforeAll(async () => {
    ({ logger } = (await import('../../../../shared/observability/telemetry')) as Telemetry);
    ({ withObservability } = (await import('../../../../shared/observability/handler-stack')) as Stack);
    await ((await import('../../../../shared/observability/invocation-context')) as Invocations).enableConcurrentInvocations();
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      for (const line of text.split('\n').filter((l) => l.startsWith('{'))) lines.push(JSON.parse(line) as Line);
      return true;
    });
    restore = () => spy.mockRestore();
  });

  afterAll(() => {
    restore();
  });

  it('logs each line with the function name and correlation id of the invocation that wrote it', async () => {
    const handler = () =>
      withObservability(
        async (event: { id: string }, _context: Context) => {
          for (let step = 0; step < 5; step += 1) {
            logger.info('working', { step });
            await tick();
          }
          return event.id;
        },
        { correlationId: (event) => event.id },
      );
    const query = handler();
    const plan = handler();
    const runs = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? query({ id: `q-${i}` }, lambdaContext('api-query')) : plan({ id: `p-${i}` }, lambdaContext('reindex-plan')),
    );
    await Promise.all(runs);

    const working = lines.filter((l) => l.message === 'working');
    expect(working).toHaveLength(100);
    for (const line of working) {
      const expected = line.correlationId?.startsWith('q-') ? 'api-query' : 'reindex-plan';
      expect({ correlationId: line.correlationId, function_name: line.function_name }).toEqual({ correlationId: line.correlationId, function_name: expected });
    }
    // Every invocation logged all its steps under its own id: none was overwritten by another.
    const perId = new Map<string, number>();
    for (const line of working) perId.set(line.correlationId ?? '', (perId.get(line.correlationId ?? '') ?? 0) + 1);
    expect([...perId.values()]).toEqual(Array(20).fill(5));
  });
});
