import { SmokeNetworkError } from '../../../../scripts/smoke/errors';
import { fetchSmokeHttp } from '../../../../scripts/smoke/smoke-http';

describe('fetchSmokeHttp', () => {
  it('sends the bearer token, the content type and the body to <base><path>', async () => {
    // Prepare
    const seen: { url: string; init: RequestInit }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ documentId: 'x' }), { status: 202, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    const http = fetchSmokeHttp({ baseUrl: 'https://api.example/', token: 'jwt', requestTimeoutMs: 1_000, fetch: fakeFetch });

    // Act
    const response = await http.request('PUT', '/documents/content/smoke/a.md', { contentType: 'text/markdown', data: '# A' });

    // Assess
    expect(response).toEqual({ status: 202, body: { documentId: 'x' } });
    expect(seen[0]?.url).toBe('https://api.example/documents/content/smoke/a.md');
    expect(seen[0]?.init).toMatchObject({ method: 'PUT', body: '# A', headers: { authorization: 'Bearer jwt', 'content-type': 'text/markdown' } });
    expect(seen[0]?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends no authorization header without a token, keeps non-JSON bodies as text and reads Retry-After', async () => {
    let headers: Record<string, string> = {};
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      headers = init.headers as Record<string, string>;
      return new Response('<html>Too Many Requests</html>', { status: 429, headers: { 'retry-after': '7' } });
    }) as unknown as typeof fetch;

    const response = await fetchSmokeHttp({ baseUrl: 'http://127.0.0.1:1', requestTimeoutMs: 1_000, fetch: fakeFetch }).request('GET', '/health');

    expect(headers.authorization).toBeUndefined();
    expect(response).toEqual({ status: 429, retryAfterSeconds: 7, body: '<html>Too Many Requests</html>' });
  });

  it('turns a request that gets no answer into a SmokeNetworkError naming the base URL and cause', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const fakeFetch = (async () => {
      throw refused;
    }) as unknown as typeof fetch;

    const attempt = fetchSmokeHttp({ baseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 1_000, fetch: fakeFetch }).request('GET', '/health');

    await expect(attempt).rejects.toThrow(SmokeNetworkError);
    await expect(attempt).rejects.toThrow('GET /health: no answer from http://127.0.0.1:9 (ECONNREFUSED)');
  });
});
