import { DEV_API_TOKEN } from '../../shared/config/config';
import { parseStreamEvents, type StreamEvent } from '../../shared/contracts/stream';
import type { LoadRoute, RequestOutcome } from './load-checks';

/**
 * One request of a load client and what came back: status, Retry-After, the error body's code and, for a
 * stream, how it ended. Never throws: a request that gets no answer is status 0.
 */
export const AUTHORIZATION = `Bearer ${DEV_API_TOKEN}`;

/** A client gives up on a request after this long: past the service's 25 s query deadline and its 30 s HTTP budget. */
export const CLIENT_TIMEOUT_MS = 60_000;

/** How an SSE body of POST /query/stream ended: its `done` or `error` event; `cut` when it has neither or does not parse. */
export function streamEnd(text: string): Pick<RequestOutcome, 'streamEnd' | 'streamErrorCode'> {
  let events: StreamEvent[];
  try {
    events = parseStreamEvents(text);
  } catch {
    return { streamEnd: 'cut' };
  }
  const last = events[events.length - 1];
  if (last?.event === 'done') return { streamEnd: 'done' };
  if (last?.event === 'error') return { streamEnd: 'error', streamErrorCode: last.data.error.code };
  return { streamEnd: 'cut' };
}

/** `error.code` of our JSON error body, if the text is one. */
export function errorCodeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

function withCode<K extends string>(code: string | undefined, key: K): Partial<Record<K, string>> {
  return code === undefined ? {} : ({ [key]: code } as Partial<Record<K, string>>);
}

export interface LoadRequest {
  route: LoadRoute;
  method: string;
  url: string;
  body?: string;
  contentType?: string;
}

export async function send(request: LoadRequest): Promise<RequestOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: { authorization: AUTHORIZATION, ...(request.contentType ? { 'content-type': request.contentType } : {}) },
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    const latencyMs = performance.now() - started;
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    const ok = response.status >= 200 && response.status < 300;
    return {
      route: request.route,
      status: response.status,
      latencyMs,
      ...(retryAfter === undefined ? {} : { retryAfter }),
      ...(ok ? {} : withCode(errorCodeOf(text), 'errorCode')),
      ...(request.route === 'stream' && response.status === 200 ? streamEnd(text) : {}),
    };
  } catch {
    return { route: request.route, status: 0, latencyMs: performance.now() - started };
  }
}
