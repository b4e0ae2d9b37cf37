import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import PQueue from 'p-queue';
import type { Context } from 'aws-lambda';
import { functionCatalog } from '../functions/catalog';
import { logger } from '../shared/observability/telemetry';
import type { QueryResponse, QueryWorkflowInput } from '../shared/contracts/query';
import { ingestionExecutionName } from '../shared/workflows/execution-name';
import {
  type IngestionRequest,
  type PreparedQuery,
  preparedQueryOf,
  type QueryRunOptions,
  type StartedExecution,
  type Workflows,
} from '../shared/workflows/workflows';
import { abortError } from '../shared/reliability/deadline';
import { FairIngestQueue, type IngestLane } from './ingest-queue';
import { lambdaContext } from './lambda-context';

/**
 * The Workflows port for the embedded runtime: the same ASL files as on AWS, run by a real ASL
 * interpreter (aws-local-stepfunctions), every Task state bound to the handler function its
 * `${Placeholder}` names in the function catalog. Ingestions run in the background from a bounded,
 * fair queue (local/ingest-queue.ts) with bounded concurrency: a full queue refuses a start with a
 * ThrottlingError; duplicate execution names are not started twice (as Step Functions refuses them).
 */
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;
type TaskBinding = { stateName: string; functionName: string; handler: LambdaHandler };
type AslState = { Type?: string; Resource?: string; ItemProcessor?: { States?: Record<string, AslState> }; Iterator?: { States?: Record<string, AslState> } };

const repoRoot = path.resolve(__dirname, '..');

function loadDefinition(name: string): { definition: Record<string, unknown>; placeholders: Map<string, string> } {
  const raw = readFileSync(path.join(repoRoot, 'statemachines', `${name}.asl.json`), 'utf8');
  const placeholders = new Map<string, string>();
  // DefinitionSubstitutions do this on AWS; here every placeholder becomes a local function ARN.
  const text = raw.replace(/\$\{(\w+)\}/g, (_match, placeholder: string) => {
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${placeholder}`;
    placeholders.set(arn, placeholder);
    return arn;
  });
  return { definition: JSON.parse(text) as Record<string, unknown>, placeholders };
}

function taskStates(states: Record<string, AslState> | undefined): [string, AslState][] {
  return Object.entries(states ?? {}).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? ([[name, state]] as [string, AslState][]) : []),
    ...taskStates(state.ItemProcessor?.States ?? state.Iterator?.States),
  ]);
}

async function bindTasks(definition: Record<string, unknown>, placeholders: Map<string, string>): Promise<TaskBinding[]> {
  const bindings: TaskBinding[] = [];
  for (const [stateName, state] of taskStates(definition.States as Record<string, AslState>)) {
    const placeholder = placeholders.get(state.Resource ?? '');
    const entry = functionCatalog.find((f) => f.aslPlaceholder === placeholder);
    if (!entry) throw new Error(`Task state ${stateName} uses ${state.Resource}, which no catalog function provides`);
    const module = (await import(path.join(repoRoot, entry.module))) as { handler: LambdaHandler };
    bindings.push({ stateName, functionName: entry.name, handler: module.handler });
  }
  return bindings;
}

interface LoadedMachine {
  machine: StateMachine;
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

/**
 * What an observer (the ingest bench) learns of each ingest execution: the billable units Step Functions and
 * Lambda would count for it on AWS, measured on the same ASL run locally.
 */
export interface WorkflowObserver {
  /** One Task invocation (a Lambda request on AWS) and how long its handler ran. */
  task?(functionName: string, milliseconds: number): void;
  /** One ingest execution ended; `stateTransitions` counts every state entered or retried (what Standard bills). */
  ingestionEnded?(outcome: { executionName: string; succeeded: boolean; stateTransitions: number }): void;
}

async function loadMachine(name: string, tasks: PQueue, observers: WorkflowObserver[]): Promise<LoadedMachine> {
  const { definition, placeholders } = loadDefinition(name);
  const bindings = await bindTasks(definition, placeholders);
  const timed = (b: TaskBinding, input: unknown) => async (): Promise<unknown> => {
    const started = performance.now();
    try {
      return await b.handler(input, lambdaContext(b.functionName));
    } finally {
      const ms = performance.now() - started;
      for (const observer of observers) observer.task?.(b.functionName, ms);
    }
  };
  const handlers = Object.fromEntries(bindings.map((b) => [b.stateName, (input: unknown) => tasks.add(timed(b, input))] as const));
  return { machine: new StateMachine(definition as unknown as ConstructorParameters<typeof StateMachine>[0]), handlers };
}

/** Counts the events Step Functions Standard bills as state transitions. */
async function countTransitions(events: AsyncGenerator<{ type: string }>): Promise<number> {
  let transitions = 0;
  for await (const event of events) if (event.type === 'StateEntered' || event.type === 'StateRetried') transitions += 1;
  return transitions;
}

/** The error a Task threw, as the caller of the execution should see it. */
function unwrap(error: unknown): unknown {
  return error instanceof ExecutionError && error.cause ? error.cause : error;
}

export interface LocalWorkflowsOptions {
  /**
   * Test seam (the local server keeps the default): any value but 1 retries every ASL Task at once
   * instead of waiting out its Retry interval; tests pass 0.
   */
  retryDelayScale?: number;
  /** Ingest executions run at once (RAG_LOCAL_INGESTIONS); default DEFAULT_INGEST_CONCURRENCY. */
  ingestConcurrency?: number;
  /** Ingest executions waiting for a slot (RAG_INGEST_QUEUE_MAX); one more start is refused (429). Default DEFAULT_INGEST_QUEUE_MAX. */
  ingestQueueMax?: number;
}

/**
 * Ingestions running at once: on AWS each execution has its own Lambdas; here they all share one process. Each
 * spends most of its time waiting on the index and the disk (a CPU profile of a burst shows the main thread idle
 * 60% of the time at 8), and the vector store commits concurrent writes together: 8, 32 and 64 at once settled a
 * 2,000-file burst at 28, 45 and 61 documents/s (2026-12-01, quiet 2-core machine). Payloads are blob keys, not
 * text; what bounds memory per ingestion is the file-size limit.
 */
export const DEFAULT_INGEST_CONCURRENCY = 64;

/** RAG_INGEST_QUEUE_MAX's default: a 10,000-file burst waits whole, with room for the uploads that come during it. */
export const DEFAULT_INGEST_QUEUE_MAX = 20_000;

/** Uploads and re-drives have a person waiting: they go ahead of folder events, sweeps and samples. */
function laneOf(reason: IngestionRequest['reason']): IngestLane {
  return reason === 'upload' || reason === 'redrive' ? 'interactive' : 'bulk';
}

export class LocalWorkflows implements Workflows {
  /** Execution names queued or running: Step Functions refuses a second start of a running name. */
  private readonly known = new Set<string>();
  private readonly ingestions: FairIngestQueue;
  private reindexRun?: Promise<void>;
  /** Starts refused since the queue was last found full (logged once when full, and with this count when it has room again). */
  private refusedSinceFull = 0;
  readonly failures: { executionName: string; error: string }[] = [];

  private constructor(
    private readonly ingest: LoadedMachine,
    private readonly query: LoadedMachine,
    private readonly reindex: LoadedMachine,
    private readonly retryDelayScale: number,
    /** Every Task invocation of every machine (unbounded: it only tracks them); a failed Map does not cancel its running iterations, so settle() waits for them too. */
    private readonly tasks: PQueue,
    private readonly observers: WorkflowObserver[],
    ingestions: FairIngestQueue,
  ) {
    this.ingestions = ingestions;
  }

  static async create(options: LocalWorkflowsOptions = {}): Promise<LocalWorkflows> {
    const tasks = new PQueue();
    const observers: WorkflowObserver[] = [];
    const [ingest, query, reindex] = await Promise.all([
      loadMachine('ingest', tasks, observers),
      loadMachine('query', tasks, observers),
      loadMachine('reindex', tasks, observers),
    ]);
    const ingestConcurrency = options.ingestConcurrency ?? DEFAULT_INGEST_CONCURRENCY;
    if (!Number.isInteger(ingestConcurrency) || ingestConcurrency < 1) throw new RangeError('ingestConcurrency must be an integer >= 1');
    const ingestQueueMax = options.ingestQueueMax ?? DEFAULT_INGEST_QUEUE_MAX;
    if (!Number.isInteger(ingestQueueMax) || ingestQueueMax < 1) throw new RangeError('ingestQueueMax must be an integer >= 1');
    const ingestions = new FairIngestQueue({ concurrency: ingestConcurrency, maxWaiting: ingestQueueMax });
    return new LocalWorkflows(ingest, query, reindex, options.retryDelayScale ?? 1, tasks, observers, ingestions);
  }

  /** Registers an observer of Task invocations and ingest executions; returns its removal. */
  observe(observer: WorkflowObserver): () => void {
    this.observers.push(observer);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  private async run(loaded: LoadedMachine, input: unknown, onTransitions?: (count: number) => void, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw abortError(signal);
    const overrides: Record<string, unknown> = { taskResourceLocalHandlers: loaded.handlers };
    if (this.retryDelayScale !== 1) {
      overrides.retryIntervalOverrides = Object.fromEntries(Object.keys(loaded.handlers).map((state) => [state, 0]));
    }
    const execution = loaded.machine.run(input as Parameters<StateMachine['run']>[0], { overrides });
    // At the deadline the interpreter aborts the execution: the running Task finishes, no state runs after it.
    const cancel = () => execution.abort();
    signal?.addEventListener('abort', cancel, { once: true });
    // Events are read only for an observer: nobody else needs them.
    const counted = onTransitions ? countTransitions(execution.eventLogs).then(onTransitions) : undefined;
    try {
      return await execution.result;
    } catch (error) {
      if (signal?.aborted && error instanceof ExecutionAbortedError) throw abortError(signal);
      throw unwrap(error);
    } finally {
      signal?.removeEventListener('abort', cancel);
      await counted;
    }
  }

  /** Ingestions waiting for a slot, and running. */
  get ingestQueue(): { waiting: number; running: number } {
    return { waiting: this.ingestions.size, running: this.ingestions.pending };
  }

  /**
   * Queues one ingest execution. A name already queued or running starts nothing (Step Functions refuses it too);
   * a full queue throws a ThrottlingError and queues nothing, as StartExecution does when it throttles.
   */
  async startIngestion(request: IngestionRequest): Promise<StartedExecution> {
    const executionName = ingestionExecutionName(request);
    if (this.known.has(executionName)) return { executionName, started: false };
    this.known.add(executionName);
    try {
      void this.ingestions.add(request.tenant, laneOf(request.reason), () => this.runIngestion(request, executionName));
    } catch (error) {
      // Refused (queue full): nothing runs under the name, so a later start of it may run.
      this.known.delete(executionName);
      if (this.refusedSinceFull === 0) logger.warn('Ingest queue full: starts are refused until it has room', { waiting: this.ingestions.size });
      this.refusedSinceFull += 1;
      throw error;
    }
    if (this.refusedSinceFull > 0) {
      logger.info('Ingest queue has room again', { refused: this.refusedSinceFull });
      this.refusedSinceFull = 0;
    }
    return { executionName, started: true };
  }

  private async runIngestion(request: IngestionRequest, executionName: string): Promise<void> {
    let succeeded = false;
    let stateTransitions = 0;
    const observed = this.observers.length > 0;
    try {
      await this.run(this.ingest, request, observed ? (count) => (stateTransitions = count) : undefined);
      succeeded = true;
    } catch (error) {
      // The state machine already recorded the failure in the manifest; keep a short trace here.
      const name = error instanceof Error ? error.name : 'UnknownError';
      this.failures.push({ executionName, error: name });
      logger.warn('Ingestion execution failed', { executionName, error: name });
    } finally {
      // A later event for the same object version (e.g. after a delete) may start again.
      this.known.delete(executionName);
      for (const observer of this.observers) observer.ingestionEnded?.({ executionName, succeeded, stateTransitions });
    }
  }

  async prepareQuery(input: QueryWorkflowInput, options: QueryRunOptions = {}): Promise<PreparedQuery> {
    return preparedQueryOf(await this.run(this.query, { ...input, stream: true }, undefined, options.signal));
  }

  async runQuery(input: QueryWorkflowInput, options: QueryRunOptions = {}): Promise<QueryResponse> {
    return (await this.run(this.query, input, undefined, options.signal)) as QueryResponse;
  }

  async startReindex(trigger: 'schedule' | 'manual'): Promise<StartedExecution> {
    const executionName = `reindex-${trigger}-${Date.now()}`;
    if (this.reindexRun) return { executionName, started: false };
    this.reindexRun = this.run(this.reindex, { trigger })
      .then(() => undefined)
      .catch((error: unknown) => {
        logger.warn('Re-index sweep failed', { error: error instanceof Error ? error.name : 'UnknownError' });
      })
      .finally(() => {
        this.reindexRun = undefined;
      });
    return { executionName, started: true };
  }

  /** Waits for the current re-index sweep (if any), the ingestions it started and every Task still in flight. */
  async settle(): Promise<void> {
    do {
      while (this.reindexRun) await this.reindexRun;
      await this.ingestions.onIdle();
      await this.tasks.onIdle();
    } while (this.reindexRun || this.ingestions.size > 0 || this.ingestions.pending > 0 || this.tasks.pending > 0);
  }
}
