import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { DependencyUnavailableError, ValidationError } from '../../../shared/errors';

/**
 * The Retry blocks of statemachines/ingest.asl.json, in the same interpreter the local runtime uses,
 * every Task replaced by a stub that counts its calls: which errors each step retries, and how often.
 */
type Definition = ConstructorParameters<typeof StateMachine>[0];

function ingestMachine(): StateMachine {
  const raw = readFileSync(path.resolve(__dirname, '../../../statemachines/ingest.asl.json'), 'utf8');
  const text = raw.replace(/\$\{(\w+)\}/g, (_match, placeholder: string) => `arn:aws:lambda:us-east-1:000000000000:function:${placeholder}`);
  return new StateMachine(JSON.parse(text) as Definition);
}

/** Runs one ingestion whose Extract fails with `extractError` and whose RecordFailure throws `recordError`. */
async function failingRecordFailure(extractError: Error, recordError: () => Error): Promise<{ recordFailureCalls: number; error: unknown }> {
  let recordFailureCalls = 0;
  const execution = ingestMachine().run(
    { tenant: 'acme', key: 'acme/a.md', action: 'upsert', etag: 'e1', reason: 'event' },
    {
      overrides: {
        taskResourceLocalHandlers: {
          Extract: async () => {
            throw extractError;
          },
          RecordFailure: async () => {
            recordFailureCalls += 1;
            throw recordError();
          },
        },
        // Retries at once: the count is under test, not the back-off.
        retryIntervalOverrides: { Extract: 0, RecordFailure: 0 },
      },
    },
  );
  const error = await execution.result.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { recordFailureCalls, error };
}

describe('ingest state machine retries (real ASL, stub tasks)', () => {
  it('does not retry RecordFailure on a ValidationError: the same input would fail the same way', async () => {
    // Act: a malformed execution input fails Extract's schema, then RecordFailure's
    const { recordFailureCalls, error } = await failingRecordFailure(new ValidationError('Invalid input'), () => new ValidationError('Invalid input'));
    // Assess
    expect(recordFailureCalls).toBe(1);
    expect((error as { cause?: Error }).cause?.name).toBe('ValidationError');
  });

  it('still retries RecordFailure on any other error, 5 times', async () => {
    // Act
    const { recordFailureCalls, error } = await failingRecordFailure(
      new ValidationError('Invalid input'),
      () => new DependencyUnavailableError('S3 unavailable'),
    );
    // Assess
    expect(recordFailureCalls).toBe(6);
    expect((error as { cause?: Error }).cause?.name).toBe('DependencyUnavailableError');
  });
});
