import * as z from 'zod';
import { documentIdFor } from '../../shared/documents/identity';
import { realSleep, withRetry } from '../../shared/reliability/retry';
import {
  SMOKE_EXIT_CODES,
  SmokeAuthError,
  SmokeCitationError,
  SmokeDeleteError,
  SmokeDeleteTimeoutError,
  SmokeEndpointError,
  SmokeError,
  SmokeIndexTimeoutError,
  SmokeIngestionFailedError,
  SmokeNetworkError,
  SmokeQueryError,
  type SmokeStep,
  SmokeUploadError,
} from './errors';
import type { SmokeProbe } from './probe';
import type { SmokeHttp, SmokeResponse } from './smoke-http';

/**
 * The post-deploy smoke test as one use-case over the public HTTP API: upload a document only it
 * can answer from, wait until it is INDEXED, ask, check the citation, delete it, wait until it is
 * gone. It measures each step and never throws: the report says what passed, what failed and the
 * exit code for it. A document it uploaded is deleted again even when a later step fails.
 */
export interface SmokeSettings {
  indexTimeoutMs: number;
  deleteTimeoutMs: number;
  pollIntervalMs: number;
  /** Query attempts: throttling, 503 and an answer that does not (yet) cite the upload are retried. */
  queryAttempts: number;
}

export const DEFAULT_SMOKE_SETTINGS: SmokeSettings = {
  // A first ingestion on AWS runs a Standard state machine with cold starts and embedding calls.
  indexTimeoutMs: 300_000,
  deleteTimeoutMs: 120_000,
  pollIntervalMs: 2_000,
  queryAttempts: 3,
};

export interface SmokeDeps {
  http: SmokeHttp;
  /** Monotonic milliseconds. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock for the report's start time. */
  clock?: () => Date;
  /** One line per step and status change, for a person watching a slow deployment. */
  progress?: (line: string) => void;
}

export interface SmokeQuerySummary {
  attempts: number;
  citations: number;
  citedKeys: string[];
  citesUpload: boolean;
  /** The answer names the made-up colour and number (informative: generators may paraphrase). */
  answerStatesFact: boolean;
  model: string;
  fallbackUsed?: boolean;
  guardrailBlocked: boolean;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  requestId: string;
}

export interface SmokeReport {
  passed: boolean;
  exitCode: number;
  target: string;
  runId: string;
  startedAt: string;
  document?: { key: string; documentId: string; chunkCount?: number };
  timings: { uploadToIndexedMs?: number; queryLatencyMs?: number; deleteToGoneMs?: number; totalMs: number; pollIntervalMs: number };
  query?: SmokeQuerySummary;
  failure?: { step: SmokeStep; error: string; message: string };
  /** Only after a failure: whether the uploaded document was deleted again. */
  cleanup?: 'deleted' | 'failed';
}

const documentIdPattern = /^[0-9a-f]{32}$/;

const uploadResponseSchema = z.object({ documentId: z.string().regex(documentIdPattern), key: z.string().min(1) });

const documentSchema = z.object({
  documentId: z.string(),
  key: z.string(),
  status: z.enum(['PENDING', 'INDEXED', 'FAILED', 'DELETED']),
  chunkCount: z.number().int().nonnegative(),
  failure: z.object({ error: z.string(), reason: z.string() }).optional(),
});

const queryResponseSchema = z.object({
  answer: z.string(),
  citations: z.array(z.object({ documentId: z.string(), key: z.string() })),
  guardrail: z.object({ blocked: z.boolean() }),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() }),
  model: z.string(),
  fallbackUsed: z.boolean().optional(),
  requestId: z.string(),
});

type DocumentView = z.infer<typeof documentSchema>;

/** "HTTP 400 ValidationError: Invalid request" from the API's error body, or the start of a non-JSON body. */
export function describeResponse(response: SmokeResponse): string {
  const body = response.body as { error?: { code?: unknown; message?: unknown } } | undefined;
  if (body && typeof body === 'object' && body.error && typeof body.error === 'object') {
    return `HTTP ${response.status} ${String(body.error.code ?? 'Error')}: ${String(body.error.message ?? '')}`.trim();
  }
  const text = typeof response.body === 'string' ? response.body.replace(/\s+/g, ' ').slice(0, 200) : '';
  return `HTTP ${response.status}${text ? `: ${text}` : ''}`;
}

function rejectAuth(response: SmokeResponse, step: SmokeStep): void {
  if (response.status === 401 || response.status === 403) {
    throw new SmokeAuthError(
      `${describeResponse(response)} (a bearer token for the API's JWT issuer and audience is needed: --token or RAG_SMOKE_TOKEN)`,
      step,
    );
  }
}

const transient = (status: number): boolean => status === 429 || status >= 500;

class SmokeRun {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly deps: SmokeDeps,
    private readonly settings: SmokeSettings,
    private readonly probe: SmokeProbe,
  ) {
    this.now = deps.now ?? (() => performance.now());
    this.sleep = deps.sleep ?? realSleep;
  }

  async checkHealth(): Promise<void> {
    let response: SmokeResponse;
    try {
      response = await this.deps.http.request('GET', '/health');
    } catch (error) {
      throw new SmokeEndpointError(error instanceof Error ? error.message : String(error), 'health', { cause: error });
    }
    if (response.status !== 200) throw new SmokeEndpointError(`GET /health: ${describeResponse(response)}`, 'health');
  }

  async upload(): Promise<{ key: string; documentId: string }> {
    const path = `/documents/content/${this.probe.path}`;
    let response: SmokeResponse;
    try {
      response = await this.deps.http.request('PUT', path, { contentType: this.probe.contentType, data: this.probe.content });
    } catch (error) {
      throw new SmokeUploadError(error instanceof Error ? error.message : String(error), 'upload', { cause: error });
    }
    rejectAuth(response, 'upload');
    if (response.status !== 202 && response.status !== 200) throw new SmokeUploadError(`PUT ${path}: ${describeResponse(response)}`, 'upload');
    const parsed = uploadResponseSchema.safeParse(response.body);
    if (!parsed.success) throw new SmokeUploadError(`PUT ${path}: the response has no documentId and key`, 'upload');
    const { key, documentId } = parsed.data;
    // The service derives the id from (tenant, key) and the key is `<tenant>/<path>` (shared/documents/identity.ts).
    const tenant = key.slice(0, key.indexOf('/'));
    if (!key.endsWith(`/${this.probe.path}`) || documentIdFor(tenant, key) !== documentId) {
      throw new SmokeUploadError(`PUT ${path}: key ${key} and document id ${documentId} do not match the upload path`, 'upload');
    }
    return { key, documentId };
  }

  /** Polls GET /documents/{documentId}; network failures, 429 and 5xx count as "not yet". */
  private async poll<T>(
    documentId: string,
    step: SmokeStep,
    timeoutMs: number,
    decide: (response: SmokeResponse) => T | undefined,
    onTimeout: (last: string) => SmokeError,
  ): Promise<T> {
    const deadline = this.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      try {
        const response = await this.deps.http.request('GET', `/documents/${documentId}`);
        rejectAuth(response, step);
        last = describeResponse(response);
        if (!transient(response.status)) {
          const decided = decide(response);
          if (decided !== undefined) return decided;
        }
      } catch (error) {
        if (!(error instanceof SmokeNetworkError)) throw error;
        last = error.message;
      }
      if (this.now() >= deadline) throw onTimeout(last);
      await this.sleep(this.settings.pollIntervalMs);
    }
  }

  async waitUntilIndexed(documentId: string): Promise<DocumentView> {
    let status = 'no manifest yet';
    return this.poll(
      documentId,
      'index',
      this.settings.indexTimeoutMs,
      (response) => {
        // 404 until the ingestion writes the first manifest.
        if (response.status === 404) return undefined;
        if (response.status !== 200) throw new SmokeError(`GET /documents/${documentId}: ${describeResponse(response)}`, 'index');
        const parsed = documentSchema.safeParse(response.body);
        if (!parsed.success) throw new SmokeError(`GET /documents/${documentId}: not a document view`, 'index');
        const document = parsed.data;
        if (document.status !== status) this.deps.progress?.(`status ${document.status}`);
        status = document.status;
        if (document.status === 'FAILED') {
          const failure = document.failure ? `${document.failure.error}: ${document.failure.reason}` : 'no reason recorded';
          throw new SmokeIngestionFailedError(`Ingestion failed: ${failure}`, 'index');
        }
        return document.status === 'INDEXED' ? document : undefined;
      },
      (last) => new SmokeIndexTimeoutError(`Not INDEXED after ${this.settings.indexTimeoutMs / 1000} s (status: ${status}; last answer: ${last})`, 'index'),
    );
  }

  /** Asks the question; retried (bounded, with jitter) on throttling, 5xx, network failure or a missing citation. */
  async ask(upload: { key: string; documentId: string }, record: (summary: SmokeQuerySummary, latencyMs: number) => void): Promise<void> {
    let attempts = 0;
    await withRetry(
      async () => {
        attempts += 1;
        const started = this.now();
        let response: SmokeResponse;
        try {
          response = await this.deps.http.request('POST', '/query', {
            contentType: 'application/json',
            data: JSON.stringify({ question: this.probe.question }),
          });
        } catch (error) {
          throw new SmokeQueryError(error instanceof Error ? error.message : String(error), true, { cause: error });
        }
        const latencyMs = Math.round(this.now() - started);
        rejectAuth(response, 'query');
        if (response.status !== 200) throw new SmokeQueryError(`POST /query: ${describeResponse(response)}`, transient(response.status));
        const parsed = queryResponseSchema.safeParse(response.body);
        if (!parsed.success) throw new SmokeQueryError('POST /query: the response does not follow the query contract', false);
        const answer = parsed.data;
        const citedKeys = [...new Set(answer.citations.map((c) => c.key))];
        const citesUpload = answer.citations.some((c) => c.key === upload.key && c.documentId === upload.documentId);
        const text = answer.answer.toLowerCase();
        record(
          {
            attempts,
            citations: answer.citations.length,
            citedKeys,
            citesUpload,
            answerStatesFact: text.includes(this.probe.fact.colour) && text.includes(String(this.probe.fact.passengers)),
            model: answer.model,
            ...(answer.fallbackUsed !== undefined ? { fallbackUsed: answer.fallbackUsed } : {}),
            guardrailBlocked: answer.guardrail.blocked,
            inputTokens: answer.usage.inputTokens,
            outputTokens: answer.usage.outputTokens,
            costUsd: answer.usage.costUsd,
            requestId: answer.requestId,
          },
          latencyMs,
        );
        if (!citesUpload) {
          const cited = citedKeys.length > 0 ? `it cites ${citedKeys.join(', ')}` : 'it cites nothing';
          const blocked = answer.guardrail.blocked ? ' (the guardrail blocked the answer)' : '';
          throw new SmokeCitationError(`The answer does not cite ${upload.key}: ${cited}${blocked}`, 'query');
        }
      },
      {
        maxAttempts: this.settings.queryAttempts,
        baseDelayMs: this.settings.pollIntervalMs,
        maxDelayMs: this.settings.pollIntervalMs * 8,
        isRetryable: (error) => (error instanceof SmokeQueryError && error.retryable) || error instanceof SmokeCitationError,
        sleep: this.sleep,
      },
    );
  }

  async delete(documentId: string): Promise<void> {
    const step: SmokeStep = 'delete';
    let response: SmokeResponse;
    try {
      response = await this.deps.http.request('DELETE', `/documents/${documentId}`);
    } catch (error) {
      throw new SmokeDeleteError(error instanceof Error ? error.message : String(error), step, { cause: error });
    }
    rejectAuth(response, step);
    // 404: already gone.
    if (![200, 202, 204, 404].includes(response.status)) throw new SmokeDeleteError(`DELETE /documents/${documentId}: ${describeResponse(response)}`, step);
  }

  async waitUntilGone(documentId: string): Promise<void> {
    await this.poll(
      documentId,
      'gone',
      this.settings.deleteTimeoutMs,
      (response) => (response.status === 404 ? true : undefined),
      (last) => new SmokeDeleteTimeoutError(`Still there ${this.settings.deleteTimeoutMs / 1000} s after DELETE (last answer: ${last})`, 'gone'),
    );
  }
}

export async function runSmoke(deps: SmokeDeps, settings: SmokeSettings, probe: SmokeProbe, target: string): Promise<SmokeReport> {
  const now = deps.now ?? (() => performance.now());
  const run = new SmokeRun(deps, settings, probe);
  const started = now();
  const report: SmokeReport = {
    passed: false,
    exitCode: SMOKE_EXIT_CODES.unexpected,
    target,
    runId: probe.runId,
    startedAt: (deps.clock ?? (() => new Date()))().toISOString(),
    timings: { totalMs: 0, pollIntervalMs: settings.pollIntervalMs },
  };
  let uploaded: { key: string; documentId: string } | undefined;
  let deleteSent = false;
  let step: SmokeStep = 'health';
  const progress = deps.progress ?? (() => {});
  try {
    await run.checkHealth();
    step = 'upload';
    const uploadStarted = now();
    uploaded = await run.upload();
    report.document = { ...uploaded };
    progress(`uploaded ${uploaded.key} (${uploaded.documentId})`);
    step = 'index';
    const indexed = await run.waitUntilIndexed(uploaded.documentId);
    report.timings.uploadToIndexedMs = Math.round(now() - uploadStarted);
    report.document.chunkCount = indexed.chunkCount;
    step = 'query';
    await run.ask(uploaded, (summary, latencyMs) => {
      report.query = summary;
      report.timings.queryLatencyMs = latencyMs;
      progress(`query answered in ${latencyMs} ms, ${summary.citations} citation(s)`);
    });
    step = 'delete';
    const deleteStarted = now();
    deleteSent = true;
    await run.delete(uploaded.documentId);
    progress('delete accepted');
    step = 'gone';
    await run.waitUntilGone(uploaded.documentId);
    report.timings.deleteToGoneMs = Math.round(now() - deleteStarted);
    report.passed = true;
    report.exitCode = SMOKE_EXIT_CODES.passed;
  } catch (error) {
    report.exitCode = error instanceof SmokeError ? error.exitCode : SMOKE_EXIT_CODES.unexpected;
    report.failure = {
      step: error instanceof SmokeError ? error.step : step,
      error: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    };
    if (uploaded && !deleteSent) {
      try {
        await run.delete(uploaded.documentId);
        report.cleanup = 'deleted';
      } catch {
        report.cleanup = 'failed';
      }
    }
  }
  report.timings.totalMs = Math.round(now() - started);
  return report;
}

/** The report of a run that never reached the service (the stack or its output could not be read). */
export function smokeFailureReport(runId: string, target: string, error: unknown, settings: SmokeSettings, clock: () => Date = () => new Date()): SmokeReport {
  return {
    passed: false,
    exitCode: error instanceof SmokeError ? error.exitCode : SMOKE_EXIT_CODES.unexpected,
    target,
    runId,
    startedAt: clock().toISOString(),
    timings: { totalMs: 0, pollIntervalMs: settings.pollIntervalMs },
    failure: {
      step: error instanceof SmokeError ? error.step : 'resolve',
      error: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    },
  };
}
