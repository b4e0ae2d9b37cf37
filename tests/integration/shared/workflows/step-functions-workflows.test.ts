import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import { ConfigurationError, DependencyUnavailableError, QueryTimeoutError, ThrottlingError, ValidationError } from '../../../../shared/errors';
import { startDeadline } from '../../../../shared/reliability/deadline';
import type { QueryResponse, QueryWorkflowInput } from '../../../../shared/contracts/query';
import { ingestionExecutionName } from '../../../../shared/workflows/execution-name';
import { causeMessage, createStepFunctionsWorkflows, StepFunctionsWorkflows } from '../../../../shared/workflows/step-functions-workflows';
import type { IngestionRequest, Workflows } from '../../../../shared/workflows/workflows';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { StepFunctionsEmulator, type SyncOutcome } from '../../../emulators/sfn-emulator';

const ACCOUNT = '123456789012';
const INGEST_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:rag-ingest`;
const QUERY_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:rag-query`;
const REINDEX_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:rag-reindex`;

const RESPONSE: QueryResponse = {
  answer: 'Install the client [1].',
  citations: [],
  guardrail: { action: 'NONE', blocked: false, findings: [], guardrailId: 'local' },
  usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 },
  model: 'extractive',
  fallbackUsed: false,
  promptVersion: 'v1',
  requestId: 'req-1',
};

const INPUT: QueryWorkflowInput = { question: 'How do I connect?', tenant: 'tenant-a', requestId: 'req-1' };
const REQUEST: IngestionRequest = { tenant: 'tenant-a', key: 'tenant-a/docs/a.md', action: 'upsert', etag: 'e1', reason: 'event' };

/** A Lambda task failure as Step Functions reports it in `cause`. */
function lambdaCause(errorType: string, errorMessage: string): string {
  return JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at handler (/var/task/index.js:1:1)'] });
}

describe('StepFunctionsWorkflows over the awsJson1_0 wire format', () => {
  useFakeAwsCredentials();
  const emulator = new StepFunctionsEmulator();
  let endpoint = '';
  let outcome: SyncOutcome = { status: 'SUCCEEDED', output: RESPONSE };

  beforeAll(async () => {
    endpoint = await emulator.start();
    emulator.machines.set(INGEST_ARN, { type: 'STANDARD' });
    emulator.machines.set(REINDEX_ARN, { type: 'STANDARD' });
    emulator.machines.set(QUERY_ARN, { type: 'EXPRESS', run: () => outcome });
  });
  afterAll(async () => {
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.reset();
    outcome = { status: 'SUCCEEDED', output: RESPONSE };
  });

  const config = (env: Record<string, string> = {}): AppConfig =>
    loadConfig({
      AWS_REGION: 'us-east-1',
      RAG_WORKFLOWS: 'stepfunctions',
      RAG_INGEST_STATE_MACHINE_ARN: INGEST_ARN,
      RAG_QUERY_STATE_MACHINE_ARN: QUERY_ARN,
      RAG_REINDEX_STATE_MACHINE_ARN: REINDEX_ARN,
      RAG_AWS_MAX_ATTEMPTS: '2',
      ...env,
    });
  const workflows = (env: Record<string, string> = {}): Workflows => {
    const c = config(env);
    // The emulator stands in for both states.* and sync-states.*: no "sync-" host prefix on 127.0.0.1.
    const client = new SFNClient({ ...awsClientOptions(c, endpoint), disableHostPrefix: true, retryStrategy: fastRetries(c.aws.maxAttempts) });
    return createStepFunctionsWorkflows(c, client);
  };

  it('starts an ingestion named from the object version, and a duplicate event starts nothing', async () => {
    // Prepare: count the executions Step Functions really starts.
    const subject = workflows();
    const started: string[] = [];
    const machine = emulator.machines.get(INGEST_ARN);
    emulator.machines.set(INGEST_ARN, { type: 'STANDARD', start: (_input, name) => started.push(name) });
    // Act
    const first = await subject.startIngestion(REQUEST);
    // The same event again (same name, same input): Step Functions returns the running execution.
    const duplicate = await subject.startIngestion({ ...REQUEST });
    // The same object version from another source (same name, other input): refused.
    const other = await subject.startIngestion({ ...REQUEST, reason: 'reindex' });
    if (machine) emulator.machines.set(INGEST_ARN, machine);
    // Assess
    expect(first).toEqual({ executionName: ingestionExecutionName(REQUEST), started: true });
    expect(duplicate.executionName).toBe(first.executionName);
    expect(other).toEqual({ executionName: first.executionName, started: false });
    expect(started).toEqual([first.executionName]);
    const [call] = emulator.callsOf('StartExecution');
    expect(call?.body.stateMachineArn).toBe(INGEST_ARN);
    expect(JSON.parse(String(call?.body.input))).toEqual(REQUEST);
  });

  it('runs a query synchronously on the Express machine and returns its output', async () => {
    // Prepare
    const subject = workflows();
    // Act
    const response = await subject.runQuery(INPUT);
    // Assess
    expect(response).toEqual(RESPONSE);
    const [call] = emulator.callsOf('StartSyncExecution');
    expect(call?.body).toMatchObject({ stateMachineArn: QUERY_ARN, name: 'req-1' });
    expect(JSON.parse(String(call?.body.input))).toEqual(INPUT);
  });

  it.each([
    ['ThrottlingError', ThrottlingError],
    ['DependencyUnavailableError', DependencyUnavailableError],
    ['ValidationError', ValidationError],
  ] as const)('maps a FAILED execution with error %s to our error class, with the cause message and no stack', async (name, ErrorClass) => {
    // Prepare
    const subject = workflows();
    outcome = { status: 'FAILED', error: name, cause: lambdaCause(name, 'Bedrock said no') };
    // Act
    const attempt = subject.runQuery(INPUT);
    // Assess
    await expect(attempt).rejects.toThrow(ErrorClass);
    await expect(attempt).rejects.toThrow(/^Bedrock said no$/);
  });

  it('maps a Task whose Lambda stayed throttled past its Retry to ThrottlingError (429 with Retry-After), without its cause', async () => {
    // Prepare
    const subject = workflows();
    outcome = { status: 'FAILED', error: 'Lambda.TooManyRequestsException', cause: 'Rate Exceeded. (Service: Lambda, Status Code: 429, Request ID: abc)' };
    // Act
    const attempt = subject.runQuery(INPUT);
    // Assess
    await expect(attempt).rejects.toThrow(ThrottlingError);
    await expect(attempt).rejects.toThrow(/^The service is at capacity; retry shortly$/);
    await expect(attempt).rejects.toMatchObject({ status: 429, retryAfterSeconds: 2 });
  });

  it("abandons a query at its deadline: QueryTimeoutError with the deadline's reason, not a wait for the execution", async () => {
    // Prepare: an execution that would run for a minute.
    const subject = workflows();
    let release: () => void = () => undefined;
    const slow = new Promise<SyncOutcome>((resolve) => {
      release = () => resolve({ status: 'SUCCEEDED', output: RESPONSE });
    });
    emulator.machines.set(QUERY_ARN, { type: 'EXPRESS', run: () => slow });
    const deadline = startDeadline(50);
    try {
      // Act
      const attempt = subject.runQuery(INPUT, { signal: deadline.signal });
      // Assess
      await expect(attempt).rejects.toThrow(QueryTimeoutError);
      await expect(attempt).rejects.toThrow('The query did not finish within 50 ms and was cancelled; try again');
      // An already passed deadline sends nothing.
      const calls = emulator.callsOf('StartSyncExecution').length;
      await expect(subject.prepareQuery(INPUT, { signal: deadline.signal })).rejects.toThrow(QueryTimeoutError);
      expect(emulator.callsOf('StartSyncExecution')).toHaveLength(calls);
    } finally {
      release();
      emulator.machines.set(QUERY_ARN, { type: 'EXPRESS', run: () => outcome });
    }
  });

  it('maps unknown failures and timeouts to DependencyUnavailableError', async () => {
    // Prepare
    const subject = workflows();
    outcome = { status: 'FAILED', error: 'States.TaskFailed', cause: lambdaCause('TypeError', 'x is undefined') };
    // Act
    const failed = subject.runQuery(INPUT);
    // Assess
    await expect(failed).rejects.toThrow(DependencyUnavailableError);
    await expect(failed).rejects.toThrow('Query workflow failed (States.TaskFailed)');
    outcome = { status: 'TIMED_OUT' };
    await expect(subject.runQuery(INPUT)).rejects.toThrow(DependencyUnavailableError);
  });

  it('never passes a stack trace through from a cause', () => {
    // Prepare
    const cause = lambdaCause('ValidationError', 'question is required');
    // Act
    const message = causeMessage(cause);
    // Assess
    expect(message).toBe('question is required');
    expect(causeMessage('Error: boom\n    at f (/x.js:1:1)')).toBe('Error: boom');
  });

  it('starts a re-index once per trigger and minute', async () => {
    // Prepare: a fixed clock, so both starts fall in the same minute.
    const c = config();
    const client = new SFNClient({ ...awsClientOptions(c, endpoint), disableHostPrefix: true, retryStrategy: fastRetries(c.aws.maxAttempts) });
    const subject = new StepFunctionsWorkflows({
      client,
      ingestStateMachineArn: INGEST_ARN,
      queryStateMachineArn: QUERY_ARN,
      reindexStateMachineArn: REINDEX_ARN,
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    // Act
    const first = await subject.startReindex('schedule');
    const again = await subject.startReindex('schedule');
    const manual = await subject.startReindex('manual');
    // Assess: a doubled tick in the same minute names the same execution (Step Functions runs it once).
    expect(first.started).toBe(true);
    expect(first.executionName).toBe('reindex-schedule-20260102T0304');
    expect(again.executionName).toBe(first.executionName);
    expect(manual.executionName).toBe('reindex-manual-20260102T0304');
    expect(emulator.callsOf('StartExecution').map((c) => c.body.name)).toEqual([first.executionName, first.executionName, manual.executionName]);
    expect(emulator.callsOf('StartExecution')[0]?.body.stateMachineArn).toBe(REINDEX_ARN);
  });

  it('retries a throttled start and then succeeds', async () => {
    // Prepare
    const subject = workflows();
    emulator.setFaults({ next: [{ status: 400, code: 'ThrottlingException' }] });
    // Act
    const started = await subject.startIngestion(REQUEST);
    // Assess
    expect(started.started).toBe(true);
    expect(emulator.http.requests.map((r) => r.status)).toEqual([400, 200]);
  });

  it('surfaces ThrottlingError and DependencyUnavailableError when faults outlast the retries', async () => {
    // Prepare
    const subject = workflows();
    emulator.setFaults({
      next: [
        { status: 400, code: 'ThrottlingException' },
        { status: 400, code: 'ThrottlingException' },
      ],
    });
    // Act
    const throttled = subject.runQuery(INPUT);
    // Assess
    await expect(throttled).rejects.toThrow(ThrottlingError);
    emulator.setFaults({
      next: [
        { status: 500, code: 'InternalFailure' },
        { status: 503, code: 'ServiceUnavailable' },
      ],
    });
    await expect(subject.startIngestion(REQUEST)).rejects.toThrow(DependencyUnavailableError);
  });

  it('fails early on malformed or missing configuration', () => {
    // Prepare
    // loadConfig refuses it too; the adapter guards on its own for configurations built otherwise.
    const malformed: AppConfig = { ...config(), aws: { ...config().aws, queryStateMachineArn: 'rag-query' } };
    const noReindex = loadConfig({
      AWS_REGION: 'us-east-1',
      RAG_WORKFLOWS: 'stepfunctions',
      RAG_INGEST_STATE_MACHINE_ARN: INGEST_ARN,
      RAG_QUERY_STATE_MACHINE_ARN: QUERY_ARN,
    });
    // Act
    const build = () => createStepFunctionsWorkflows(malformed);
    // Assess
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(/RAG_QUERY_STATE_MACHINE_ARN/);
    return expect(createStepFunctionsWorkflows(noReindex).startReindex('manual')).rejects.toThrow(/RAG_REINDEX_STATE_MACHINE_ARN/);
  });
});
