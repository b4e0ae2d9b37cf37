import { type EmulatorRequest, type EmulatorResponse, ServiceEmulator } from './http-emulator';

/**
 * AWS Step Functions on 127.0.0.1, speaking the awsJson1_0 protocol the real `@aws-sdk/client-sfn`
 * uses: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`, JSON bodies, errors as
 * `{"__type": "<Code>", "message": ...}` with status 400. Implemented: StartExecution (Standard
 * machines; the same name and input again returns the execution, another input -> ExecutionAlreadyExists), StartSyncExecution (Express
 * machines; the test decides the outcome: SUCCEEDED with output, FAILED with error + cause, TIMED_OUT).
 * Clients must set `disableHostPrefix: true`: the SDK otherwise prefixes StartSyncExecution's host
 * with "sync-", which cannot resolve for 127.0.0.1.
 */

export type SyncOutcome = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause?: string } | { status: 'TIMED_OUT' };

export interface EmulatedStateMachine {
  type: 'STANDARD' | 'EXPRESS';
  /** Express machines: what the synchronous execution returns for an input. */
  run?: (input: unknown) => SyncOutcome | Promise<SyncOutcome>;
  /** Standard machines: called with each accepted execution (e.g. to run the ASL locally). */
  start?: (input: unknown, name: string) => void;
}

export interface SfnCall {
  operation: string;
  body: Record<string, unknown>;
}

/** Step Functions payloads are limited to 256 KB (UTF-8). */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const NAME = /^[A-Za-z0-9_-]{1,80}$/;

function error(code: string, message: string): EmulatorResponse {
  return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: code, message } };
}

function ok(body: unknown): EmulatorResponse {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body };
}

export class StepFunctionsEmulator extends ServiceEmulator<SfnCall> {
  readonly machines = new Map<string, EmulatedStateMachine>();
  private readonly executions = new Map<string, Map<string, { input: string; startDate: number }>>();
  private counter = 0;

  constructor() {
    super([{ method: 'POST', pattern: /^\/$/, handle: (req) => this.dispatch(req) }]);
  }

  protected override resetState(): void {
    this.executions.clear();
  }

  callsOf(operation: string): SfnCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  private async dispatch(req: EmulatorRequest): Promise<EmulatorResponse> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const body = req.json<Record<string, unknown>>();
    this.calls.push({ operation, body });
    if (operation === 'StartExecution') return this.startExecution(body, false);
    if (operation === 'StartSyncExecution') return this.startExecution(body, true);
    return error('UnknownOperationException', `Unknown operation ${target}`);
  }

  private async startExecution(body: Record<string, unknown>, sync: boolean): Promise<EmulatorResponse> {
    const arn = body.stateMachineArn;
    if (typeof arn !== 'string') return error('ValidationException', 'stateMachineArn is required');
    const machine = this.machines.get(arn);
    if (!machine) return error('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const input = typeof body.input === 'string' ? body.input : '{}';
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) return error('InvalidExecutionInput', 'Input exceeds 262144 bytes');
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      return error('InvalidExecutionInput', 'Input is not valid JSON');
    }
    this.counter += 1;
    const name = typeof body.name === 'string' ? body.name : `emulated-${this.counter}`;
    if (!NAME.test(name)) return error('InvalidName', `Invalid Name: '${name}'`);
    const executionArn = `${arn.replace(':stateMachine:', `:${machine.type === 'EXPRESS' ? 'express' : 'execution'}:`)}:${name}`;
    const now = Date.now() / 1000;
    if (!sync) {
      if (machine.type !== 'STANDARD') return error('StateMachineTypeNotSupported', 'Use StartSyncExecution for Express state machines');
      // StartExecution is idempotent for the same name and input (the existing execution is returned and
      // nothing new runs); the same name with another input is ExecutionAlreadyExists
      // (StartExecutionCommand docs, @aws-sdk/client-sfn 3.1164.0). AWS also refuses the name once that
      // execution has closed; the emulator does not track closing, so it keeps answering idempotently.
      const names = this.executions.get(arn) ?? new Map<string, { input: string; startDate: number }>();
      const existing = names.get(name);
      if (existing && existing.input !== input) return error('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      if (existing) return ok({ executionArn, startDate: existing.startDate });
      names.set(name, { input, startDate: now });
      this.executions.set(arn, names);
      machine.start?.(parsed, name);
      return ok({ executionArn, startDate: now });
    }
    if (machine.type !== 'EXPRESS' || !machine.run) return error('StateMachineTypeNotSupported', 'This operation is only supported by Express state machines');
    const outcome = await machine.run(parsed);
    const common = {
      executionArn,
      stateMachineArn: arn,
      name,
      startDate: now,
      stopDate: now + 0.05,
      input,
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: 100 },
    };
    if (outcome.status === 'SUCCEEDED') return ok({ ...common, status: 'SUCCEEDED', output: JSON.stringify(outcome.output) });
    if (outcome.status === 'FAILED')
      return ok({ ...common, status: 'FAILED', error: outcome.error, ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}) });
    return ok({ ...common, status: 'TIMED_OUT' });
  }
}
