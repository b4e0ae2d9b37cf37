import { SFNClient, StartExecutionCommand, StartSyncExecutionCommand, type StartSyncExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema, stateMachineArnSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import {
  ConfigurationError,
  DependencyUnavailableError,
  ForbiddenError,
  IndexConsistencyError,
  NotFoundError,
  PayloadTooLargeError,
  type RagError,
  ThrottlingError,
  UnauthorizedError,
  UnsupportedDocumentError,
  ValidationError,
} from '../errors';
import type { QueryResponse, QueryWorkflowInput } from '../contracts/query';
import { ingestionExecutionName } from './execution-name';
import { type IngestionRequest, type PreparedQuery, preparedQueryOf, type QueryRunOptions, type StartedExecution, type Workflows } from './workflows';
import { abortError } from '../reliability/deadline';

/**
 * Workflows on AWS Step Functions.
 * - startIngestion: StartExecution on the Standard ingest machine, named from (action, tenant, key,
 *   object version): a duplicate event collides with ExecutionAlreadyExists and starts nothing.
 * - runQuery: StartSyncExecution on the Express query machine (up to 5 minutes). SUCCEEDED -> its
 *   output; FAILED -> the task's error name mapped back to our error class, with the cause's
 *   message only (the Lambda error JSON also carries a stack trace, which is dropped); TIMED_OUT ->
 *   DependencyUnavailableError.
 * - startReindex: StartExecution on the re-index machine, named per trigger and minute so a doubled
 *   schedule tick starts one sweep.
 * Payloads must stay under the 256 KB Step Functions limit: inputs carry keys and questions, never text.
 */

export interface StepFunctionsWorkflowsOptions {
  client: SFNClient;
  ingestStateMachineArn: string;
  queryStateMachineArn: string;
  reindexStateMachineArn?: string;
  now?: () => number;
}

const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_CAUSE_CHARS = 300;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

type ErrorFactory = (message: string) => RagError;

/** Error names our Lambda tasks raise (shared/errors.ts), as Step Functions reports them. */
const KNOWN_ERRORS: Record<string, ErrorFactory> = {
  ValidationError: (m) => new ValidationError(m),
  PayloadTooLargeError: (m) => new PayloadTooLargeError(m),
  UnauthorizedError: (m) => new UnauthorizedError(m),
  ForbiddenError: (m) => new ForbiddenError(m),
  NotFoundError: (m) => new NotFoundError(m),
  ThrottlingError: (m) => new ThrottlingError(m),
  DependencyUnavailableError: (m) => new DependencyUnavailableError(m),
  UnsupportedDocumentError: (m) => new UnsupportedDocumentError(m),
  IndexConsistencyError: (m) => new IndexConsistencyError(m),
  ConfigurationError: (m) => new ConfigurationError(m),
};

/** The message of a failed execution's cause: Lambda's `{"errorMessage", "errorType", "trace"}` JSON or plain text. */
export function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  let message = cause;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string') {
      message = (parsed as { errorMessage: string }).errorMessage;
    } else if (typeof parsed === 'object' && parsed !== null) {
      // A structured cause without a message (e.g. a states error object): never echo it, it may hold stacks.
      return undefined;
    }
  } catch {
    // Plain-text cause, e.g. "Task timed out after 30.00 seconds".
  }
  const firstLine = message.split('\n')[0] ?? '';
  return firstLine.length > MAX_CAUSE_CHARS ? `${firstLine.slice(0, MAX_CAUSE_CHARS)}…` : firstLine;
}

/** Maps a FAILED execution's `error` name + `cause` to the project's error contract. */
export function errorFromExecution(error: string | undefined, cause: string | undefined): RagError {
  const name = error ?? 'States.Unknown';
  const message = causeMessage(cause) ?? `Query workflow failed (${name})`;
  const known = Object.hasOwn(KNOWN_ERRORS, name) ? KNOWN_ERRORS[name] : undefined;
  if (known) return known(message);
  // A Task's Lambda throttled past its Retry (reserved concurrency reached): the service is at capacity, which the
  // client should hear as 429 with Retry-After, like the local server's in-flight bound, not as a failure.
  if (name === 'Lambda.TooManyRequestsException') return new ThrottlingError('The service is at capacity; retry shortly');
  // States.Timeout, States.TaskFailed, Lambda.* and anything unknown: the dependency failed, say which way.
  return new DependencyUnavailableError(`Query workflow failed (${name})`);
}

function isQueryResponse(value: unknown): value is QueryResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof QueryResponse, unknown>>;
  return typeof v.answer === 'string' && Array.isArray(v.citations) && typeof v.requestId === 'string';
}

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : '';
}

export class StepFunctionsWorkflows implements Workflows {
  private readonly now: () => number;

  constructor(private readonly options: StepFunctionsWorkflowsOptions) {
    assertIdentifier(stateMachineArnSchema, options.ingestStateMachineArn, 'RAG_INGEST_STATE_MACHINE_ARN');
    assertIdentifier(stateMachineArnSchema, options.queryStateMachineArn, 'RAG_QUERY_STATE_MACHINE_ARN');
    if (options.reindexStateMachineArn !== undefined) assertIdentifier(stateMachineArnSchema, options.reindexStateMachineArn, 'RAG_REINDEX_STATE_MACHINE_ARN');
    this.now = options.now ?? Date.now;
  }

  async startIngestion(request: IngestionRequest): Promise<StartedExecution> {
    return this.start(this.options.ingestStateMachineArn, ingestionExecutionName(request, this.now), request);
  }

  async runQuery(input: QueryWorkflowInput, options: QueryRunOptions = {}): Promise<QueryResponse> {
    const output = await this.runQueryExecution(input, options.signal);
    if (!isQueryResponse(output)) throw new DependencyUnavailableError('Query workflow returned output without answer, citations and requestId');
    return output;
  }

  async prepareQuery(input: QueryWorkflowInput, options: QueryRunOptions = {}): Promise<PreparedQuery> {
    return preparedQueryOf(await this.runQueryExecution({ ...input, stream: true }, options.signal));
  }

  /**
   * One synchronous Express execution of the query state machine; its JSON output. At the deadline the request
   * is abandoned (the SDK's abortSignal); the execution itself ends at the machine's TimeoutSeconds, since an
   * Express execution cannot be stopped (StopExecution is for Standard workflows).
   */
  private async runQueryExecution(input: QueryWorkflowInput, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw abortError(signal);
    const payload = this.payload(input);
    let out: StartSyncExecutionCommandOutput;
    try {
      out = await this.options.client.send(
        new StartSyncExecutionCommand({
          stateMachineArn: this.options.queryStateMachineArn,
          input: payload,
          // The request id names the execution so traces and logs line up; Express names need not be unique.
          ...(EXECUTION_NAME.test(input.requestId) ? { name: input.requestId } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw toRagError(error, 'StartSyncExecution query');
    }
    switch (out.status) {
      case 'SUCCEEDED':
        try {
          return JSON.parse(out.output ?? '');
        } catch {
          throw new DependencyUnavailableError('Query workflow returned output that is not JSON');
        }
      case 'FAILED':
        throw errorFromExecution(out.error, out.cause);
      case 'TIMED_OUT':
        throw new DependencyUnavailableError('Query workflow timed out');
      default:
        throw new DependencyUnavailableError(`Query workflow ended with status ${out.status ?? 'unknown'}`);
    }
  }

  async startReindex(trigger: 'schedule' | 'manual'): Promise<StartedExecution> {
    const arn = this.options.reindexStateMachineArn;
    if (!arn) throw new ConfigurationError('RAG_REINDEX_STATE_MACHINE_ARN is required to start a re-index on Step Functions');
    // One sweep per trigger and minute: a doubled schedule tick collides instead of running twice.
    const minute = new Date(this.now()).toISOString().slice(0, 16).replace(/[-:]/g, '');
    return this.start(arn, `reindex-${trigger}-${minute}`, { trigger });
  }

  private async start(stateMachineArn: string, executionName: string, input: unknown): Promise<StartedExecution> {
    try {
      await this.options.client.send(new StartExecutionCommand({ stateMachineArn, name: executionName, input: this.payload(input) }));
      return { executionName, started: true };
    } catch (error) {
      if (errorName(error) === 'ExecutionAlreadyExists') return { executionName, started: false };
      throw toRagError(error, 'StartExecution');
    }
  }

  private payload(input: unknown): string {
    const json = JSON.stringify(input);
    if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError('Workflow input exceeds the 256 KB Step Functions limit');
    return json;
  }
}

export function createStepFunctionsWorkflows(config: AppConfig, client?: SFNClient): Workflows {
  const { region, ingestStateMachineArn, queryStateMachineArn, reindexStateMachineArn } = config.aws;
  assertIdentifier(awsRegionSchema, region, 'AWS_REGION', 'Step Functions workflows');
  assertIdentifier(stateMachineArnSchema, ingestStateMachineArn, 'RAG_INGEST_STATE_MACHINE_ARN', 'Step Functions workflows');
  assertIdentifier(stateMachineArnSchema, queryStateMachineArn, 'RAG_QUERY_STATE_MACHINE_ARN', 'Step Functions workflows');
  return new StepFunctionsWorkflows({
    // With an endpoint override (emulator, VPC endpoint) the SDK must not prefix the host with
    // "sync-" for StartSyncExecution.
    client:
      client ??
      instrumentAwsClient(
        new SFNClient({ ...awsClientOptions(config, config.aws.sfnEndpoint), ...(config.aws.sfnEndpoint ? { disableHostPrefix: true } : {}) }),
      ),
    ingestStateMachineArn,
    queryStateMachineArn,
    ...(reindexStateMachineArn ? { reindexStateMachineArn } : {}),
  });
}
