import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { newManifest, ManifestStore } from '../../../../shared/pipeline/manifest';
import type { BlobStore } from '../../../../shared/storage/blob-store';
import { FilesystemBlobStore } from '../../../../shared/storage/filesystem-blob-store';

/** A page of manifests read while documents are deleted: the deleted ones drop out, the listing does not fail. */
describe('ManifestStore.list', () => {
  let dir: string;
  let state: FilesystemBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rag-manifests-'));
    state = new FilesystemBlobStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('leaves out a manifest deleted between the listing and its read, and still fails on any other read error', async () => {
    const store = new ManifestStore(state);
    for (const name of ['a', 'b', 'c']) await store.put(newManifest('acme', `acme/${name}.md`, `${name}`.repeat(32)));
    // The store lists all three; the one of b is deleted just before it is read.
    const racing: BlobStore = Object.assign(Object.create(state) as BlobStore, {
      get: async (key: string) => {
        if (key.includes('b'.repeat(32))) await state.delete(key);
        return state.get(key);
      },
    });
    const page = await new ManifestStore(racing).list('acme');
    expect(page.manifests.map((m) => m.key).sort()).toEqual(['acme/a.md', 'acme/c.md']);

    const broken: BlobStore = Object.assign(Object.create(state) as BlobStore, {
      get: async () => {
        throw new Error('EIO');
      },
    });
    await expect(new ManifestStore(broken).list('acme')).rejects.toThrow('EIO');
  });
});
