import type { QueryUsage } from '../../shared/contracts/query';
/** Small HTTP helpers for end-to-end tests against a running local service. */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The local service's development token (RAG_API_KEYS unset, loopback): every request of these helpers
 * carries it unless the test sets its own `authorization` header (an empty one sends none).
 */
export const DEV_AUTHORIZATION = 'Bearer dev';

export async function request<T = unknown>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', DEV_AUTHORIZATION);
  else if (headers.get('authorization') === '') headers.delete('authorization');
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export function postJson<T = unknown>(url: string, body: unknown): Promise<JsonResponse<T>> {
  return request<T>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface DocumentListing {
  documents: {
    documentId: string;
    key: string;
    status: string;
    chunkCount: number;
    version?: string;
    failure?: { error: string; reason: string; at?: string };
    attempts?: number;
    updatedAt?: string;
  }[];
}

export interface QueryBody {
  answer: string;
  citations: { documentId: string; key: string; uri: string; excerpt: string; marker?: number; location: { start: number; end: number } }[];
  guardrail: { action: string; blocked: boolean };
  usage: QueryUsage;
  model: string;
  promptVersion: string;
  requestId: string;
}

/** Reads a markdown table of `| question | file | expected phrase |` rows (the fixtures' QUESTIONS.md). */
export function parseQuestionTable(markdown: string): { question: string; file: string; phrase: string }[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.includes('---'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .filter((cells) => cells.length >= 3 && !/^question$/i.test(cells[cells.length - 3] ?? ''))
    .map((cells) => {
      const [question, file, phrase] = cells.slice(-3) as [string, string, string];
      return { question, file, phrase };
    });
}
