import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DependencyUnavailableError } from '../../../../shared/errors';
import { ingestionExecutionName } from '../../../../shared/workflows/execution-name';
import { createStepFunctionsWorkflows, StepFunctionsWorkflows } from '../../../../shared/workflows/step-functions-workflows';
import type { IngestionRequest } from '../../../../shared/workflows/workflows';
import { useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, MOTO_REGION, motoClientOptions, motoConfig, motoEndpoint, uniqueName } from '../../harness/moto-env';

/**
 * StepFunctionsWorkflows through the real SDK client against moto's Step Functions. moto keeps
 * executions (RUNNING until stopped; it runs no state) and applies Step Functions' naming rules, which
 * our own emulator simplifies: per the StartExecution reference (@aws-sdk/client-sfn 3.1164.0,
 * StartExecutionCommand.d.ts), a Standard execution started again with the same name and input while
 * it runs is idempotent (success, same executionArn); a different input, or a closed execution, is
 * ExecutionAlreadyExists. moto has no StartSyncExecution, so runQuery stays proven against
 * tests/emulators/sfn-emulator.ts only (docs/testing-with-moto.md).
 */
const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/rag-states`;
const PASS_DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
const REQUEST: IngestionRequest = { tenant: 'tenant-a', key: 'tenant-a/docs/a.md', action: 'upsert', etag: 'e1', reason: 'event' };
const QUERY_ARN = `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT}:stateMachine:rag-query-not-on-moto`;

describe('StepFunctionsWorkflows against moto_server', () => {
  const client = new SFNClient({ ...motoClientOptions(), disableHostPrefix: true });
  let ingestArn = '';
  let reindexArn = '';

  const createMachine = async (prefix: string): Promise<string> => {
    const out = await client.send(
      new CreateStateMachineCommand({ name: uniqueName(prefix), definition: PASS_DEFINITION, roleArn: ROLE_ARN, type: 'STANDARD' }),
    );
    return out.stateMachineArn as string;
  };

  /** Fresh machines per test: execution names are remembered per state machine. */
  beforeEach(async () => {
    ingestArn = await createMachine('rag-ingest');
    reindexArn = await createMachine('rag-reindex');
  });

  const workflows = (now?: () => number): StepFunctionsWorkflows =>
    new StepFunctionsWorkflows({
      client,
      ingestStateMachineArn: ingestArn,
      queryStateMachineArn: QUERY_ARN,
      reindexStateMachineArn: reindexArn,
      ...(now ? { now } : {}),
    });

  const executionsOf = async (stateMachineArn: string) => (await client.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];

  it('starts an ingestion named from the object version, with the request as its input', async () => {
    // Prepare
    const subject = workflows();
    // Act
    const started = await subject.startIngestion(REQUEST);
    // Assess
    expect(started).toEqual({ executionName: ingestionExecutionName(REQUEST), started: true });
    const [execution] = await executionsOf(ingestArn);
    const described = await client.send(new DescribeExecutionCommand({ executionArn: execution?.executionArn }));
    expect(described).toMatchObject({ name: started.executionName, stateMachineArn: ingestArn, status: 'RUNNING' });
    expect(JSON.parse(described.input ?? '')).toEqual(REQUEST);
  });

  it('starts no second execution for a duplicate event while the first runs', async () => {
    // Prepare
    const subject = workflows();
    const first = await subject.startIngestion(REQUEST);
    // Act
    const duplicate = await subject.startIngestion({ ...REQUEST });
    // Assess: Step Functions answers the identical start with the running execution, so nothing new runs.
    // The adapter cannot tell this answer from a fresh start and reports started: true (see the docs).
    expect(duplicate.executionName).toBe(first.executionName);
    expect(await executionsOf(ingestArn)).toHaveLength(1);
  });

  it('reports started: false for a duplicate event once the first execution has closed', async () => {
    // Prepare
    const subject = workflows();
    await subject.startIngestion(REQUEST);
    const [execution] = await executionsOf(ingestArn);
    await client.send(new StopExecutionCommand({ executionArn: execution?.executionArn }));
    // Act
    const duplicate = await subject.startIngestion({ ...REQUEST });
    // Assess
    expect(duplicate).toEqual({ executionName: ingestionExecutionName(REQUEST), started: false });
    expect(await executionsOf(ingestArn)).toHaveLength(1);
  });

  it('reports started: false when the re-index sweep asks for a version an event already started', async () => {
    // Prepare: same action, tenant, key and etag give the same name; the input differs in its reason.
    const subject = workflows();
    await subject.startIngestion(REQUEST);
    // Act
    const fromSweep = await subject.startIngestion({ ...REQUEST, reason: 'reindex' });
    // Assess
    expect(fromSweep).toEqual({ executionName: ingestionExecutionName(REQUEST), started: false });
    expect(await executionsOf(ingestArn)).toHaveLength(1);
  });

  it('starts a new execution for a new object version', async () => {
    // Prepare
    const subject = workflows();
    await subject.startIngestion(REQUEST);
    // Act
    const next = await subject.startIngestion({ ...REQUEST, etag: 'e2' });
    // Assess
    expect(next.started).toBe(true);
    expect((await executionsOf(ingestArn)).map((execution) => execution.name).sort()).toEqual(
      [ingestionExecutionName(REQUEST), ingestionExecutionName({ ...REQUEST, etag: 'e2' })].sort(),
    );
  });

  it('starts one re-index per trigger and minute, on the re-index machine', async () => {
    // Prepare: a fixed clock, so every start falls in the same minute.
    const subject = workflows(() => Date.UTC(2026, 10, 30, 3, 4, 5));
    // Act
    const scheduled = await subject.startReindex('schedule');
    await subject.startReindex('schedule');
    const manual = await subject.startReindex('manual');
    // Assess
    expect(scheduled).toEqual({ executionName: 'reindex-schedule-20261130T0304', started: true });
    expect(manual).toEqual({ executionName: 'reindex-manual-20261130T0304', started: true });
    expect((await executionsOf(reindexArn)).map((execution) => execution.name).sort()).toEqual([manual.executionName, scheduled.executionName]);
    expect(await executionsOf(ingestArn)).toEqual([]);
  });

  it('keeps execution names per state machine: the same name starts on two machines', async () => {
    // Prepare: a second ingest machine, as a second stage of the stack would have.
    const other = new StepFunctionsWorkflows({ client, ingestStateMachineArn: await createMachine('rag-ingest-other'), queryStateMachineArn: QUERY_ARN });
    await workflows().startIngestion(REQUEST);
    // Act
    const started = await other.startIngestion(REQUEST);
    // Assess
    expect(started.started).toBe(true);
  });

  it('maps a state machine that does not exist to DependencyUnavailableError naming the service error', async () => {
    // Prepare
    const subject = new StepFunctionsWorkflows({
      client,
      ingestStateMachineArn: `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT}:stateMachine:${uniqueName('missing')}`,
      queryStateMachineArn: QUERY_ARN,
    });
    // Act
    const attempt = subject.startIngestion(REQUEST);
    // Assess
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
    await expect(attempt).rejects.toThrow(/StateMachineDoesNotExist/);
  });

  describe('through the factory', () => {
    useFakeAwsCredentials(MOTO_CREDENTIALS);

    it('uses the configured RAG_SFN_ENDPOINT', async () => {
      // Prepare
      const subject = createStepFunctionsWorkflows(
        motoConfig({
          RAG_WORKFLOWS: 'stepfunctions',
          RAG_SFN_ENDPOINT: motoEndpoint(),
          RAG_INGEST_STATE_MACHINE_ARN: ingestArn,
          RAG_QUERY_STATE_MACHINE_ARN: QUERY_ARN,
        }),
      );
      // Act
      const started = await subject.startIngestion(REQUEST);
      // Assess
      expect(started.started).toBe(true);
      expect(await executionsOf(ingestArn)).toHaveLength(1);
    });
  });
});
