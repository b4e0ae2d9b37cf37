import { describeResponse } from '../smoke/run-smoke';
import {
  CliError,
  CliUsageError,
  DocumentNotFoundError,
  ServiceThrottledError,
  ServiceUnauthorizedError,
  ServiceUnreachableError,
  StreamBrokenError,
} from './errors';
import type { ServiceTarget } from './options';

/** One answer of the service's HTTP API. */
export interface ServiceResponse {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON (a proxy's HTML page, say). */
  body: unknown;
  /** `Retry-After` in seconds, when sent (429/503). */
  retryAfterSeconds?: number;
  /** The service's clock (`Date` header, whole seconds), when sent. */
  date?: Date;
}

export type ServiceMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ServiceClientOptions extends ServiceTarget {
  fetch?: typeof fetch;
  /** Per request; API Gateway itself gives up after 30 s. */
  requestTimeoutMs?: number;
  /** A stream that sends nothing for this long is broken (a generation never waits that long between deltas). */
  streamIdleTimeoutMs?: number;
}

/** Seconds from a `Retry-After` header: either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now: Date = new Date()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * The one place where an HTTP status becomes an outcome (and so an exit code): 401/403 unauthorized,
 * 404 not found, 429/503 throttled, any other 4xx a refused request, anything else unexpected.
 */
export function failureFor(response: ServiceResponse, what: string): CliError {
  const described = `${what}: ${describeResponse(response)}`;
  const { status } = response;
  if (status === 401 || status === 403) {
    return new ServiceUnauthorizedError(`${described} (a bearer token for the API's issuer and audience is needed: --token or RAG_TOKEN)`);
  }
  if (status === 404) return new DocumentNotFoundError(described);
  if (status === 429 || status === 503) {
    const after = response.retryAfterSeconds;
    return new ServiceThrottledError(`${described} (${after === undefined ? 'try again later' : `retry after ${after} s`})`, after);
  }
  if (status >= 400 && status < 500) return new CliUsageError(described);
  return new CliError(described);
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Why a request got no answer, from undici's error (duck-typed: jest runs it in another realm, where instanceof fails). */
function networkReason(error: unknown, prefer: 'code' | 'message' = 'code'): string {
  const failure = error as { message?: string; name?: string; cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError') return 'timed out';
  const cause = prefer === 'code' ? (failure.cause?.code ?? failure.cause?.message) : (failure.cause?.message ?? failure.cause?.code);
  return cause ?? failure.message ?? String(error);
}

export class ServiceClient {
  readonly baseUrl: string;
  private readonly send: typeof fetch;
  private readonly requestTimeoutMs: number;
  private readonly streamIdleTimeoutMs: number;

  constructor(private readonly options: ServiceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.send = options.fetch ?? fetch;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 35_000;
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 60_000;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}), ...extra };
  }

  /** Throws ServiceUnreachableError when no HTTP answer arrives; every status is returned, not thrown. */
  async request(method: ServiceMethod, path: string, body?: { contentType: string; data: Uint8Array | string }): Promise<ServiceResponse> {
    let response: Response;
    let text: string;
    try {
      response = await this.send(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers({ accept: 'application/json', ...(body ? { 'content-type': body.contentType } : {}) }),
        ...(body ? { body: body.data } : {}),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ServiceUnreachableError(`${method} ${path}: no answer from ${this.baseUrl} (${networkReason(error)})`, { cause: error });
    }
    return this.describe(response, text);
  }

  private describe(response: Response, text: string): ServiceResponse {
    const date = response.headers.get('date');
    const at = date ? new Date(date) : undefined;
    const after = retryAfterSeconds(response.headers.get('retry-after'));
    return {
      status: response.status,
      body: parseBody(text),
      ...(after !== undefined ? { retryAfterSeconds: after } : {}),
      ...(at && !Number.isNaN(at.getTime()) ? { date: at } : {}),
    };
  }

  /**
   * POSTs JSON and yields the `text/event-stream` answer as decoded text, chunk by chunk, as it arrives.
   * A status other than 200 throws its mapped failure; a connection that breaks or stalls mid-stream
   * throws StreamBrokenError.
   */
  async postForStream(path: string, json: unknown, extraHeaders: Record<string, string> = {}): Promise<AsyncIterable<string>> {
    const controller = new AbortController();
    const idleMs = this.streamIdleTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    };
    arm();
    let response: Response;
    try {
      response = await this.send(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: this.headers({ accept: 'text/event-stream', 'content-type': 'application/json', ...extraHeaders }),
        body: JSON.stringify(json),
        signal: controller.signal,
      });
    } catch (error) {
      clearTimeout(timer);
      throw new ServiceUnreachableError(`POST ${path}: no answer from ${this.baseUrl} (${networkReason(error)})`, { cause: error });
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !contentType.startsWith('text/event-stream') || !response.body) {
      // The error body is for the message only; losing it to a broken connection still leaves the status.
      const text = await response.text().catch(() => '');
      clearTimeout(timer);
      const answer = this.describe(response, text);
      if (answer.status === 200) throw new CliError(`POST ${path}: expected text/event-stream, got "${contentType || 'no content type'}"`);
      throw failureFor(answer, `POST ${path}`);
    }
    const reader = response.body.getReader();
    return (async function* () {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          arm();
          const { done, value } = await reader.read();
          if (done) break;
          yield decoder.decode(value, { stream: true });
        }
        const rest = decoder.decode();
        if (rest) yield rest;
      } catch (error) {
        const reason = controller.signal.aborted
          ? String((controller.signal.reason as Error | undefined)?.message ?? 'aborted')
          : networkReason(error, 'message');
        throw new StreamBrokenError(`the connection broke mid-answer (${reason})`, { cause: error });
      } finally {
        clearTimeout(timer);
        // Stops the download when the reader leaves early (a malformed event, say).
        controller.abort();
      }
    })();
  }
}
