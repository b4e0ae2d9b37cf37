/**
 * The page's one way to call the API: base URL from config.js, the bearer token of this tab, and every
 * failure turned into an `ApiError` whose `userMessage` says what happened and what to do.
 */

const TOKEN_KEY = 'rag.bearerToken';

export class ApiError extends Error {
  /**
   * @param {{ status: number, code: string, message: string, retryAfterSeconds?: number, requestId?: string,
   *   issues?: { path: string, message: string }[] }} details
   */
  constructor(details) {
    super(details.message);
    this.name = 'ApiError';
    this.status = details.status;
    this.code = details.code;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.requestId = details.requestId;
    this.issues = details.issues ?? [];
  }

  /** What to tell a person, by status: the server's message where it is meant for them (4xx). */
  get userMessage() {
    switch (this.status) {
      case 0:
        return `Cannot reach the service (${this.message}). Check that it is running, then try again.`;
      case 400:
        return this.issues.length > 0 ? `${this.message}: ${this.issues.map((i) => `${i.path} ${i.message}`).join('; ')}.` : `${this.message}.`;
      case 401:
        return this.code === 'TokenRefused'
          ? 'The service refused this bearer token (401): it may have expired. Use “Bearer token” above to enter a new one.'
          : 'Sign-in needed (401): this service wants a bearer token. Use “Bearer token” above to enter one.';
      case 403:
        return 'Access denied (403): your identity has no access to this service’s documents. Use “Bearer token” above to try another token.';
      case 404:
        return `Not found (404): ${this.message}.`;
      case 413: {
        const limit = /limit of (\d+)/.exec(this.message)?.[1];
        return limit
          ? `The file is too large (413): uploads are limited to ${formatBytes(Number(limit))}. Put larger files into the documents bucket directly.`
          : 'The file is too large to upload here (413). Put larger files into the documents bucket directly.';
      }
      case 429:
        return `Too many requests (429): the models are busy.${retryHint(this.retryAfterSeconds)}`;
      case 503:
        return `The service is unavailable (503): it is starting or a dependency is down.${retryHint(this.retryAfterSeconds)}`;
      default:
        return this.status >= 500
          ? `The service failed (${this.status})${this.requestId ? `, request ${this.requestId}` : ''}. Try again later.`
          : `${this.message} (${this.status}).`;
    }
  }
}

/** @param {number | undefined} seconds */
function retryHint(seconds) {
  if (seconds === undefined) return ' Try again in a moment.';
  return ` Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
}

/** @param {number} bytes */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * `Retry-After` is either seconds or an HTTP date.
 * @param {string | null} header
 */
function parseRetryAfter(header) {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * An ApiError from a non-2xx response: the JSON error body when there is one (`{error: {code, message, issues?}, requestId}`),
 * else the status alone (a proxy's HTML page, an empty body).
 * @param {Response} response
 */
export async function apiErrorFrom(response) {
  const text = await response.text().catch(() => '');
  /** @type {{ error?: { code?: string, message?: string, issues?: { path: string, message: string }[] }, requestId?: string }} */
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the status says enough.
  }
  return new ApiError({
    status: response.status,
    code: body.error?.code ?? `Http${response.status}`,
    message: body.error?.message ?? (response.statusText || `HTTP ${response.status}`),
    retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
    requestId: body.requestId,
    issues: body.error?.issues,
  });
}

/**
 * @typedef {(reason: 'required' | 'refused') => Promise<string | undefined>} TokenPrompt
 *   Asks the person for a bearer token; undefined when they decline.
 */

export class ApiClient {
  /**
   * @param {{ baseUrl: string, queryStreamUrl?: string, storage: Storage, promptForToken: TokenPrompt, onTokenChange?: () => void }} options
   */
  constructor(options) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.queryStreamUrl = options.queryStreamUrl || `${this.baseUrl}/query/stream`;
    this.storage = options.storage;
    this.promptForToken = options.promptForToken;
    this.onTokenChange = options.onTokenChange ?? (() => undefined);
    /** @type {Promise<string | undefined> | undefined} One prompt at a time, shared by every request that met a 401. */
    this.pendingPrompt = undefined;
    /** Set when the person dismissed the prompt: later 401s only say so, until they enter a token themselves. */
    this.declined = false;
  }

  /** @param {string} path */
  url(path) {
    return path === '/query/stream' ? this.queryStreamUrl : `${this.baseUrl}${path}`;
  }

  get token() {
    return this.storage.getItem(TOKEN_KEY) ?? undefined;
  }

  /** @param {string | undefined} token */
  setToken(token) {
    if (token) {
      this.storage.setItem(TOKEN_KEY, token);
      this.declined = false;
    } else {
      this.storage.removeItem(TOKEN_KEY);
    }
    this.onTokenChange();
  }

  /**
   * Sends a request; on a 401 asks for a token once and sends it again. Resolves with a 2xx response, else rejects
   * with an ApiError (an AbortError passes through).
   * @param {string} path
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  async request(path, init = {}) {
    const sentToken = this.token;
    let response = await this.send(path, init, sentToken);
    if (response.status === 401) {
      const token = await this.tokenAfterRefusal(sentToken);
      if (token) {
        response = await this.send(path, init, token);
        if (response.status === 401) {
          this.setToken(undefined);
          throw new ApiError({ status: 401, code: 'TokenRefused', message: 'The bearer token was refused' });
        }
      }
    }
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  /**
   * A token to retry with: one another request already got, or one the person enters now.
   * @param {string | undefined} sentToken
   */
  async tokenAfterRefusal(sentToken) {
    const current = this.token;
    if (current && current !== sentToken) return current;
    if (current) this.setToken(undefined);
    if (this.declined) return undefined;
    this.pendingPrompt ??= this.promptForToken(sentToken ? 'refused' : 'required').finally(() => {
      this.pendingPrompt = undefined;
    });
    const token = await this.pendingPrompt;
    if (token) this.setToken(token);
    else this.declined = true;
    return token;
  }

  /**
   * @param {string} path
   * @param {RequestInit} init
   * @param {string | undefined} token
   */
  async send(path, init, token) {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    try {
      return await fetch(this.url(path), { ...init, headers });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError({ status: 0, code: 'NetworkError', message: error instanceof Error ? error.message : String(error) });
    }
  }
}
