import type { z } from 'zod';
import { type DocumentView, type DocumentsListQuery, documentListSchema } from '../../shared/contracts/documents';
import { CliError } from './errors';
import { failureFor, type ServiceClient, type ServiceResponse } from './service-client';

/**
 * The documents routes as the commands use them (functions/api/documents.ts): each answer is checked
 * against the API's own contract (shared/contracts/documents.ts), so a wrong service or proxy is a clear
 * error, not a crash.
 */
export type ListStatus = NonNullable<DocumentsListQuery['status']>;

export function parseAnswer<T extends z.ZodType>(schema: T, response: ServiceResponse, what: string): z.infer<T> {
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) throw new CliError(`${what}: the answer does not follow the API (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** `GET /documents`, following `nextCursor` page by page (a status filter may leave a page empty and still go on). */
export async function* listDocuments(client: ServiceClient, status?: ListStatus): AsyncGenerator<DocumentView> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  do {
    const query = new URLSearchParams({ ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) }).toString();
    const path = `/documents${query ? `?${query}` : ''}`;
    const response = await client.request('GET', path);
    if (response.status !== 200) throw failureFor(response, `GET ${path}`);
    const page = parseAnswer(documentListSchema, response, `GET ${path}`);
    yield* page.documents;
    cursor = page.nextCursor;
    // A cursor the service hands back twice would loop forever.
    if (cursor !== undefined && seen.has(cursor)) throw new CliError(`GET /documents: the service returned the cursor ${cursor} twice`);
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
}

/** `PUT /documents/content/{path}`: each segment percent-encoded, the slashes kept. */
export function uploadPath(relative: string): string {
  return `/documents/content/${relative.split('/').map(encodeURIComponent).join('/')}`;
}
