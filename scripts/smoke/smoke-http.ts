import { SmokeNetworkError } from './errors';

/** What the smoke test needs of the service's HTTP API: one request at a time, JSON or text back. */
export interface SmokeResponse {
  status: number;
  /** `Retry-After` in seconds, when the service sent one (429/503). */
  retryAfterSeconds?: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

export type SmokeMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface SmokeHttp {
  /** Throws SmokeNetworkError when no HTTP answer arrives. */
  request(method: SmokeMethod, path: string, body?: { contentType: string; data: string }): Promise<SmokeResponse>;
}

export interface FetchSmokeHttpOptions {
  /** e.g. https://abc123.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:3000 */
  baseUrl: string;
  /** Bearer token for the JWT authorizer; the local service needs none. */
  token?: string;
  /** Per request; API Gateway itself gives up after 30 s. */
  requestTimeoutMs: number;
  fetch?: typeof fetch;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** The real client: global fetch, bearer token, a timeout on every request. */
export function fetchSmokeHttp(options: FetchSmokeHttpOptions): SmokeHttp {
  const base = options.baseUrl.replace(/\/+$/, '');
  const send = options.fetch ?? fetch;
  return {
    async request(method, path, body) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (body) headers['content-type'] = body.contentType;
      let response: Response;
      let text: string;
      try {
        response = await send(`${base}${path}`, {
          method,
          headers,
          ...(body ? { body: body.data } : {}),
          signal: AbortSignal.timeout(options.requestTimeoutMs),
        });
        text = await response.text();
      } catch (error) {
        // Duck-typed: undici's errors may come from another realm (jest), where instanceof fails.
        const failure = error as { message?: string; name?: string; cause?: { code?: string; message?: string } };
        const reason = failure.cause?.code ?? failure.cause?.message ?? (failure.name === 'TimeoutError' ? 'timed out' : failure.message) ?? String(error);
        throw new SmokeNetworkError(`${method} ${path}: no answer from ${base} (${reason})`, { cause: error });
      }
      let parsed: unknown = text;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (an HTML error page from a proxy, say): keep the text for the message.
      }
      const seconds = retryAfter(response.headers.get('retry-after'));
      return { status: response.status, body: parsed, ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}) };
    },
  };
}
