import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { createLocalServer } from '../../local/server';
import { LocalAuth } from '../../local/auth';
import { resolveAsset } from '../../local/web/register-web-page';

/**
 * The page's static route on the local server (no browser needed): `/` and `/app/*` are served even while the
 * service is starting, with their content types and a content security policy, and nothing outside
 * local/web/app is reachable, however the path is written.
 */
describe('the query page route on the local server', () => {
  let server: FastifyInstance;
  let base: string;

  /** A GET with the path sent exactly as written (fetch would normalise `..` away). */
  const rawGet = (rawPath: string) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/`, { path: rawPath }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    server = await createLocalServer({
      host: '127.0.0.1',
      port: 0,
      tenantClaim: 'custom:tenant',
      auth: new LocalAuth([{ token: 'dev', tenant: 'default', admin: true }]),
      isReady: () => false,
    });
    const address = server.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves the page at / with a content security policy, while the API still answers 503', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<script type="module" src="app/main.js"></script>');
    expect((await fetch(`${base}/documents`, { headers: { authorization: 'Bearer dev' } })).status).toBe(503);
    expect((await fetch(`${base}/documents`)).status).toBe(401);
  });

  it('serves the assets with their content types', async () => {
    for (const [asset, type] of [
      ['/app/main.js', 'text/javascript; charset=utf-8'],
      ['/app/sse.js', 'text/javascript; charset=utf-8'],
      ['/app/config.js', 'text/javascript; charset=utf-8'],
      ['/app/styles.css', 'text/css; charset=utf-8'],
    ]) {
      const res = await fetch(`${base}${asset}`);
      expect({ asset, status: res.status, type: res.headers.get('content-type') }).toEqual({ asset, status: 200, type });
    }
  });

  it('answers 404 for anything outside local/web/app or of an unknown type', async () => {
    for (const rawPath of [
      '/app/',
      '/app/missing.js',
      '/app/../register-web-page.ts',
      '/app/..%2fregister-web-page.ts',
      '/app/%2e%2e/%2e%2e/server.ts',
      '/app/..%2f..%2f..%2fpackage.json',
      '/app/..%5c..%5cserver.ts',
      '/app/%00main.js',
      '/app/main.js%00.css',
      '/index.html',
      '/tsconfig.json',
    ]) {
      const res = await rawGet(rawPath);
      expect({ rawPath, status: res.status }).toEqual({ rawPath, status: 404 });
      expect(res.body).not.toMatch(/import|registerWebPage|"dependencies"/);
    }
  });

  it('resolves only files inside app/ with a served extension', () => {
    expect(resolveAsset('main.js')).toMatch(/local\/web\/app\/main\.js$/);
    expect(resolveAsset('../register-web-page.ts')).toBeUndefined();
    expect(resolveAsset('../../server.ts')).toBeUndefined();
    expect(resolveAsset('/etc/passwd')).toBeUndefined();
    expect(resolveAsset('')).toBeUndefined();
    expect(resolveAsset('main.js\0.css')).toBeUndefined();
    expect(resolveAsset('notes.txt')).toBeUndefined();
  });
});
