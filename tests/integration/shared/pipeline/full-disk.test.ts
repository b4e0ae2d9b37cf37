import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../../../../local/runtime';
import { documentIdFor } from '../../../../shared/documents/identity';
import { StorageFullError } from '../../../../shared/errors';
import { FilesystemBlobStore, type WriteBytes } from '../../../../shared/storage/filesystem-blob-store';
import { type DocumentListing, postJson, type QueryBody, request } from '../../../helpers/http';
import { tempConfig } from '../../../helpers/temp-config';

/**
 * Issue 15 item 6: a full disk during ingestion marks the documents FAILED with a reason a person understands,
 * leaves nothing half-indexed, and the service keeps answering queries. The disk is simulated at the file-write
 * level of the local state store (the write that would get ENOSPC from the kernel), so the store's own error
 * translation is what is tested.
 */

const diskError = (code: 'ENOSPC' | 'EDQUOT'): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: ${code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded'}, write`), { code, errno: -28, syscall: 'write' });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes files as the OS does, or fails writes above `smallest` bytes with ENOSPC while `full` (small manifests still fit). */
class FillingDisk {
  full = false;
  readonly smallest = 2048;
  readonly write: WriteBytes = async (file, bytes) => {
    if (this.full && bytes.length > this.smallest) throw diskError('ENOSPC');
    await writeFile(file, bytes);
  };
}

describe('the local file store translates a full disk (issue 15 item 6)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'rag-fulldisk-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(['ENOSPC', 'EDQUOT'] as const)('a write failing with %s is a StorageFullError that says so, without the path', async (code) => {
    const store = new FilesystemBlobStore(root, {
      writeBytes: async () => {
        throw diskError(code);
      },
    });

    const attempt = store.put('work/acme/doc/batch.json', 'x');

    await expect(attempt).rejects.toBeInstanceOf(StorageFullError);
    await expect(attempt).rejects.toThrow(code === 'ENOSPC' ? /no space left on the device/i : /disk quota/i);
    await expect(attempt).rejects.not.toThrow(root);
    // Nothing half-written is visible, and no temp file is left.
    expect(await store.head('work/acme/doc/batch.json')).toBeUndefined();
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
  });

  it('other write errors pass through unchanged', async () => {
    const store = new FilesystemBlobStore(root, {
      writeBytes: async () => {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      },
    });

    await expect(store.put('a/b.json', 'x')).rejects.toMatchObject({ code: 'EIO' });
  });

  it('removes temp files a dead process left mid-write, and keeps those of live ones', async () => {
    const tmp = path.join(root, '.tmp');
    await mkdir(tmp, { recursive: true });
    let deadPid = 4_000_000;
    while (alive(deadPid)) deadPid += 1;
    await writeFile(path.join(tmp, `${deadPid}-cut-off.tmp`), 'half a manif');
    await writeFile(path.join(tmp, 'unnamed-by-an-older-version.tmp'), 'half');
    await writeFile(path.join(tmp, `${process.pid}-in-flight.tmp`), 'being written');
    const store = new FilesystemBlobStore(root);

    await store.put('manifests/acme/doc.json', '{}');

    expect(await readdir(tmp)).toEqual([`${process.pid}-in-flight.tmp`]);
  });

  it('refuses with 400 a file name whose metadata file would not fit the 255-byte name limit, and stores it without metadata', async () => {
    const store = new FilesystemBlobStore(root);
    const key = `acme/${'n'.repeat(248)}.md`;

    await expect(store.put(key, 'x', { contentType: 'text/markdown' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/250 bytes/),
    });
    await store.put(key, 'x');

    expect(await store.head(key)).toMatchObject({ size: 1 });
  });

  it('a put whose folder a concurrent delete pruned before the write lands (makes the folder again)', async () => {
    const store = new FilesystemBlobStore(root, {
      writeBytes: async (file, bytes) => {
        await writeFile(file, bytes);
        // What a delete of the folder's last key does between this put's mkdir and its rename.
        if (!pruned) {
          pruned = true;
          await rmdir(path.join(root, 'work', 'acme', 'doc'));
        }
      },
    });
    let pruned = false;

    await store.put('work/acme/doc/batch.json', 'payload');

    expect(pruned).toBe(true);
    expect((await store.get('work/acme/doc/batch.json')).toString('utf8')).toBe('payload');
  });
});

describe('a full disk during ingestion (issue 15 item 6)', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const disk = new FillingDisk();
  const TENANT = 'default';

  /** Long enough that its extracted text and chunk batches are writes the full disk refuses. */
  const manual = (topic: string): string =>
    `# ${topic} manual\n\n${Array.from({ length: 30 }, (_, i) => `Step ${i + 1} of the ${topic} manual: turn the ${topic} dial to position ${i + 1} and wait for the green lamp before you go on.`).join('\n\n')}\n`;

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_WATCH: 'off' });
    cleanup = temp.cleanup;
    const state = new FilesystemBlobStore(temp.config.local.stateDir, { writeBytes: disk.write });
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0, services: { state } });
    await runtime.services.documents.put(`${TENANT}/kept.md`, '# Kettle\n\nThe office kettle is descaled every Thursday by the facilities team.');
    await runtime.workflows.startIngestion({ tenant: TENANT, key: `${TENANT}/kept.md`, action: 'upsert', reason: 'event' });
    await runtime.settle();
  });
  afterAll(async () => {
    await runtime.stop();
    await cleanup();
  });

  const ask = () => postJson<QueryBody>(`${runtime.url}/query`, { question: 'When is the office kettle descaled?' });

  it('marks each document FAILED with a reason a person understands, leaves no chunk or work file, and keeps answering', async () => {
    const keys = ['boiler', 'furnace', 'chiller'].map((topic) => `${TENANT}/${topic}.md`);
    for (const key of keys) await runtime.services.documents.put(key, manual(path.basename(key, '.md')));
    disk.full = true;

    // Act: the ingestions run into the full disk while a query is asked.
    for (const key of keys) await runtime.workflows.startIngestion({ tenant: TENANT, key, action: 'upsert', reason: 'event' });
    const during = await ask();
    await runtime.settle();
    const after = await ask();

    // Assess
    expect(during.status).toBe(200);
    expect(after.status).toBe(200);
    expect(after.body.citations.map((c) => c.key)).toContain(`${TENANT}/kept.md`);
    for (const key of keys) {
      const documentId = documentIdFor(TENANT, key);
      const manifest = await runtime.services.manifests.get(TENANT, documentId);
      expect({ key, status: manifest?.status, error: manifest?.failure?.error }).toEqual({ key, status: 'FAILED', error: 'StorageFullError' });
      expect(manifest?.failure?.reason).toMatch(/^No space left on the device/);
      expect(manifest?.failure?.reason).not.toMatch(/\n\s+at |\/tmp\/|\.tmp/);
      expect(await runtime.services.vectors.countDocument(TENANT, documentId)).toBe(0);
    }
    expect((await runtime.services.state.list('work/')).items).toEqual([]);
    const listing = await request<DocumentListing>(`${runtime.url}/documents?status=FAILED`);
    expect(listing.status).toBe(200);

    // Space freed: a re-drive indexes them.
    disk.full = false;
    for (const key of keys) {
      const redrive = await postJson(`${runtime.url}/documents/${documentIdFor(TENANT, key)}/redrive`, {});
      expect(redrive.status).toBe(202);
    }
    await runtime.settle();
    for (const key of keys) {
      expect((await runtime.services.manifests.get(TENANT, documentIdFor(TENANT, key)))?.status).toBe('INDEXED');
    }
  });
});
