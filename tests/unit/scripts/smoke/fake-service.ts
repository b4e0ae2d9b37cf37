import { documentIdFor } from '../../../../shared/documents/identity';
import { SmokeNetworkError } from '../../../../scripts/smoke/errors';
import type { SmokeHttp, SmokeMethod, SmokeResponse } from '../../../../scripts/smoke/smoke-http';

/**
 * An in-memory stand-in for the service's HTTP API, with the same routes, status codes and bodies
 * (functions/api/documents.ts, functions/api/query.ts), a fake clock that every request and sleep
 * advances, and knobs to break each step.
 */
export interface FakeBehaviour {
  health: number | 'unreachable';
  /** Status of PUT; 202 answers like the service. */
  uploadStatus: number;
  /** Answer with a document id that does not belong to the key. */
  wrongDocumentId: boolean;
  /** GETs answered 404 (no manifest yet), then PENDING, before INDEXED. */
  pollsUntilManifest: number;
  pollsUntilIndexed: number;
  neverIndexed: boolean;
  failure?: { error: string; reason: string };
  /** Statuses of GET /documents/{id} answered before the real one, once each (e.g. [503]). */
  pollGlitches: number[];
  /** Per query attempt: an HTTP status to fail with, 'other' to cite another document, 'ok'. */
  queryOutcomes: (number | 'other' | 'ok')[];
  deleteStatus: number;
  pollsUntilGone: number;
  neverGone: boolean;
  /** Milliseconds each request takes on the fake clock. */
  latencyMs: number;
}

export interface RecordedCall {
  method: SmokeMethod;
  path: string;
  contentType?: string;
  data?: string;
  at: number;
}

export class FakeService implements SmokeHttp {
  readonly tenant = 'acme';
  time = 1_000;
  readonly calls: RecordedCall[] = [];
  readonly behaviour: FakeBehaviour;
  private document?: { key: string; documentId: string; content: string };
  private polls = 0;
  private queries = 0;
  private deleted = false;
  private gonePolls = 0;
  private glitches: number[];

  constructor(behaviour: Partial<FakeBehaviour> = {}) {
    this.behaviour = {
      health: 200,
      uploadStatus: 202,
      wrongDocumentId: false,
      pollsUntilManifest: 1,
      pollsUntilIndexed: 3,
      neverIndexed: false,
      pollGlitches: [],
      queryOutcomes: ['ok'],
      deleteStatus: 202,
      pollsUntilGone: 2,
      neverGone: false,
      latencyMs: 50,
      ...behaviour,
    };
    this.glitches = [...this.behaviour.pollGlitches];
  }

  readonly now = (): number => this.time;
  readonly sleep = async (ms: number): Promise<void> => {
    this.time += ms;
  };

  get uploaded() {
    return this.document;
  }

  private error(status: number, code: string, message: string): SmokeResponse {
    return { status, body: { error: { code, message }, requestId: 'req-1' }, ...(status === 429 ? { retryAfterSeconds: 1 } : {}) };
  }

  async request(method: SmokeMethod, path: string, body?: { contentType: string; data: string }): Promise<SmokeResponse> {
    this.calls.push({ method, path, ...(body ? { contentType: body.contentType, data: body.data } : {}), at: this.time });
    this.time += this.behaviour.latencyMs;
    const b = this.behaviour;
    if (method === 'GET' && path === '/health') {
      if (b.health === 'unreachable') throw new SmokeNetworkError('GET /health: no answer from http://fake (ECONNREFUSED)');
      return b.health === 200 ? { status: 200, body: { status: 'ok' } } : this.error(b.health, 'NotReady', 'starting');
    }
    if (method === 'PUT' && path.startsWith('/documents/content/')) {
      if (b.uploadStatus !== 202) return this.error(b.uploadStatus, b.uploadStatus === 401 ? 'UnauthorizedError' : 'ValidationError', 'refused');
      const key = `${this.tenant}/${path.slice('/documents/content/'.length)}`;
      const documentId = b.wrongDocumentId ? documentIdFor('other', key) : documentIdFor(this.tenant, key);
      this.document = { key, documentId, content: body?.data ?? '' };
      return { status: 202, body: { documentId, key, status: 'PENDING', bytes: body?.data.length ?? 0, execution: 'exec-1' } };
    }
    const match = /^\/documents\/([0-9a-f]{32})$/.exec(path);
    if (match && this.document && match[1] === this.document.documentId) {
      const view = (status: string, extra: object = {}) => ({
        status: 200,
        body: { documentId: this.document?.documentId, key: this.document?.key, status, chunkCount: status === 'INDEXED' ? 1 : 0, attempts: 1, ...extra },
      });
      if (method === 'DELETE') {
        if (b.deleteStatus !== 202) return this.error(b.deleteStatus, 'InternalError', 'Internal error');
        this.deleted = true;
        return { status: 202, body: { documentId: this.document.documentId, status: 'DELETING', execution: 'exec-2' } };
      }
      const glitch = this.glitches.shift();
      if (glitch !== undefined) return this.error(glitch, 'ServiceUnavailableError', 'busy');
      if (this.deleted) {
        this.gonePolls += 1;
        return !b.neverGone && this.gonePolls >= b.pollsUntilGone ? this.error(404, 'NotFoundError', 'No such document') : view('INDEXED');
      }
      this.polls += 1;
      if (this.polls <= b.pollsUntilManifest) return this.error(404, 'NotFoundError', 'No such document');
      if (b.failure) return view('FAILED', { failure: { ...b.failure, at: '2026-11-30T00:00:00Z' } });
      return !b.neverIndexed && this.polls >= b.pollsUntilIndexed ? view('INDEXED') : view('PENDING');
    }
    if (method === 'POST' && path === '/query') {
      const outcome = b.queryOutcomes[Math.min(this.queries, b.queryOutcomes.length - 1)] ?? 'ok';
      this.queries += 1;
      if (typeof outcome === 'number') return this.error(outcome, outcome === 429 ? 'ThrottlingError' : 'ServiceUnavailableError', 'try later');
      const sentence = /The smoke test balloon[^\n]*/.exec(this.document?.content ?? '')?.[0] ?? '';
      const cited =
        outcome === 'ok' && this.document
          ? { documentId: this.document.documentId, key: this.document.key }
          : { documentId: documentIdFor(this.tenant, 'acme/handbook.md'), key: 'acme/handbook.md' };
      return {
        status: 200,
        body: {
          answer: outcome === 'ok' ? `${sentence} [1]` : 'The handbook says nothing about balloons [1]',
          citations: [{ marker: 1, ...cited, chunkId: 'c1', uri: `s3://docs/${cited.key}`, excerpt: sentence, location: { start: 0, end: 10 } }],
          guardrail: { action: 'NONE', blocked: false, findings: [], guardrailId: 'g' },
          usage: { inputTokens: 120, outputTokens: 30, costUsd: 0.000123 },
          model: 'fake-model',
          fallbackUsed: false,
          promptVersion: 'v1',
          requestId: `req-${this.queries}`,
        },
      };
    }
    return this.error(404, 'NotFoundError', `No route ${method} ${path}`);
  }
}
