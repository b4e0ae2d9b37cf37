import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The query page on the local server: `/` is index.html, `/app/<file>` its assets. No build step:
 * plain HTML, CSS and ES modules, read from this folder on each request so an edit shows on reload.
 * Only files inside `app/` with a known extension are served; anything else is the API's 404.
 */
const webRoot = path.resolve(__dirname);
const assetsRoot = path.join(webRoot, 'app');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// The page talks only to its own origin locally; config.js can point it elsewhere on AWS (docs/web-page.md).
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The absolute path of an asset, or undefined when the request points outside `app/` or at an unknown type. */
export function resolveAsset(relative: string): string | undefined {
  if (relative.length === 0 || relative.includes('\0')) return undefined;
  const file = path.resolve(assetsRoot, relative);
  if (!file.startsWith(assetsRoot + path.sep)) return undefined;
  return contentTypes[path.extname(file)] ? file : undefined;
}

async function sendFile(reply: FastifyReply, file: string | undefined): Promise<FastifyReply> {
  const body = file ? await readFile(file).catch(() => undefined) : undefined;
  if (!file || !body) {
    reply.callNotFound();
    return reply;
  }
  reply
    .header('content-type', contentTypes[path.extname(file)])
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
  if (file.endsWith('.html')) reply.header('content-security-policy', contentSecurityPolicy);
  return reply.send(body);
}

export function registerWebPage(app: FastifyInstance): void {
  app.get('/', (_request, reply) => sendFile(reply, path.join(webRoot, 'index.html')));
  app.get('/app/*', (request, reply) => sendFile(reply, resolveAsset((request.params as { '*': string })['*'])));
}
