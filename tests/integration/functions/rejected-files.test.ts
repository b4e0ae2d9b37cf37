import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';
import { request } from '../../helpers/http';
import { tempConfig } from '../../helpers/temp-config';

/**
 * GET /rejected-files: the operator's report of files in the documents store that are never indexed (at the
 * root, under a folder that is no tenant name, a key over RAG_MAX_KEY_BYTES), each with its reason. Only an
 * identity with the admin scope reads it; a tenant's token gets 403, and an operator token holds no tenant data.
 */
const ACME = 'acme-token-0123456789abcdef';
const OPS = 'ops-token-0123456789abcdef';
const LONG = `acme/${'deep-folder/'.repeat(6)}notes.md`;

interface RejectedFiles {
  files: { key: string; reason: string; bytes: number; lastModified: string }[];
  nextCursor?: string;
}

describe('GET /rejected-files', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const get = <T>(path: string, token: string) => request<T>(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_WATCH: 'off', RAG_API_KEYS: `${ACME}=acme,${OPS}=*`, RAG_MAX_KEY_BYTES: '64' });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0 });
    for (const key of ['root.md', 'ACME/handbook.md', LONG, 'acme/ok.md', 'acme/.DS_Store']) await runtime.services.documents.put(key, `# ${key}\n\nText.`);
  });

  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
  });

  it('lists every file that is never indexed with its reason, and nothing else', async () => {
    const res = await get<RejectedFiles>('/rejected-files', OPS);
    expect(res.status).toBe(200);
    const byKey = Object.fromEntries(res.body.files.map((f) => [f.key, f.reason]));
    expect(Object.keys(byKey).sort()).toEqual(['ACME/handbook.md', LONG, 'root.md'].sort());
    expect(byKey['root.md']).toMatch(/^at the root of the documents store/);
    expect(byKey['ACME/handbook.md']).toMatch(/^the first folder is not a tenant name/);
    expect(byKey[LONG]).toMatch(/above the limit of 64 \(RAG_MAX_KEY_BYTES\)$/);
    expect(res.body.files.every((f) => f.bytes > 0 && !Number.isNaN(Date.parse(f.lastModified)))).toBe(true);
    expect(res.body.nextCursor).toBeUndefined();
  });

  it('pages with a cursor and finds the same files', async () => {
    const keys: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get<RejectedFiles>(`/rejected-files?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, OPS);
      expect(res.status).toBe(200);
      expect(res.body.files.length).toBeLessThanOrEqual(1);
      keys.push(...res.body.files.map((f) => f.key));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(keys.sort()).toEqual(['ACME/handbook.md', LONG, 'root.md'].sort());
  });

  it('is the admin scope’s only: a tenant’s token gets 403, and the operator token reads no tenant’s data', async () => {
    const tenant = await get<{ error: { code: string; message: string } }>('/rejected-files', ACME);
    expect(tenant.status).toBe(403);
    expect(tenant.body.error).toEqual({ code: 'ForbiddenError', message: 'This route needs the rag/admin scope' });
    const operator = await get<{ error: { code: string } }>('/documents', OPS);
    expect(operator.status).toBe(403);
    expect((await get('/rejected-files?limit=0', OPS)).status).toBe(400);
  });
});
