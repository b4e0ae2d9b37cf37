import type { QueryResponse, QueryWorkflowInput } from '../contracts/query';

/** What starts an ingestion: an object event, the re-index sweep, a re-drive or an upload. */
export interface IngestionRequest {
  tenant: string;
  key: string;
  action: 'upsert' | 'delete';
  /** Change marker of the object (S3 ETag/sequencer, local size+mtime): part of the idempotent execution name. */
  etag?: string;
  reason: 'event' | 'reindex' | 'redrive' | 'upload' | 'samples';
}

export interface StartedExecution {
  executionName: string;
  /**
   * False when the orchestrator refused the name (an execution of it already ran, or runs with other
   * input: a duplicate event). Step Functions answers an identical request for a running execution with
   * that execution, so a duplicate can also come back `true`; either way no second execution runs.
   */
  started: boolean;
}

/**
 * Port: the orchestrator. Step Functions on AWS; the same ASL files in a local interpreter.
 */
export interface Workflows {
  /**
   * Starts (locally: queues) one ingest execution. Throws a ThrottlingError when the orchestrator takes no more
   * (the local queue holds RAG_INGEST_QUEUE_MAX waiting; Step Functions throttles StartExecution): nothing starts,
   * and a caller that marked the document PENDING leaves it to the next re-index sweep.
   */
  startIngestion(request: IngestionRequest): Promise<StartedExecution>;
  /**
   * Runs the query state machine synchronously (Express StartSyncExecution on AWS). When `signal` aborts, the
   * execution is cancelled (locally: no further state runs; on AWS: the request is abandoned and the Express
   * execution ends at its own TimeoutSeconds) and a QueryTimeoutError is thrown.
   */
  runQuery(input: QueryWorkflowInput, options?: QueryRunOptions): Promise<QueryResponse>;
  /**
   * Runs the query state machine up to generation (`stream: true`): a question the input guardrail
   * blocked comes back answered; otherwise the state (validated query, guard, ranked chunk ids) for
   * the caller to stream the generation itself.
   */
  prepareQuery(input: QueryWorkflowInput, options?: QueryRunOptions): Promise<PreparedQuery>;
  startReindex(trigger: 'schedule' | 'manual'): Promise<StartedExecution>;
}

export interface QueryRunOptions {
  /** Aborted at the request's deadline (shared/pipeline/deadline.ts). */
  signal?: AbortSignal;
}

export type PreparedQuery = { kind: 'answered'; response: QueryResponse } | { kind: 'ready'; state: unknown };

/** The output of a `stream: true` execution: a response when it ended at ResolveCitations, else the state. */
export function preparedQueryOf(output: unknown): PreparedQuery {
  const o = output as Partial<Record<keyof QueryResponse, unknown>> | null;
  if (o && typeof o.answer === 'string' && Array.isArray(o.citations) && typeof o.requestId === 'string')
    return { kind: 'answered', response: output as QueryResponse };
  return { kind: 'ready', state: output };
}
