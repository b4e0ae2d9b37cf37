import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FilesystemBlobStore } from '../../../../shared/storage/filesystem-blob-store';
import { describeBlobStoreContract } from '../../../contract/blob-store.contract';

async function tempRoot(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'blob-store-'));
}

describeBlobStoreContract('FilesystemBlobStore', async () => {
  const root = await tempRoot();
  return { store: new FilesystemBlobStore(root), cleanup: () => rm(root, { recursive: true, force: true }), locationOf: (key: string) => key };
});

describe('FilesystemBlobStore', () => {
  let root: string;
  let store: FilesystemBlobStore;

  beforeEach(async () => {
    root = await tempRoot();
    store = new FilesystemBlobStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('never reads, heads or lists through a symlink that leads outside its folder; follows one that stays inside', async () => {
    const outside = await tempRoot();
    try {
      await writeFile(path.join(outside, 'secret.md'), '# Not yours');
      await store.put('acme/inside.md', '# Inside');
      await mkdir(path.join(root, 'acme', 'linked'), { recursive: true });
      await symlink(path.join(outside, 'secret.md'), path.join(root, 'acme', 'secret.md'));
      await symlink(outside, path.join(root, 'acme', 'linked', 'folder'));
      await symlink(path.join(root, 'acme', 'inside.md'), path.join(root, 'acme', 'alias.md'));

      await expect(store.get('acme/secret.md')).rejects.toMatchObject({ name: 'NotFoundError' });
      await expect(store.head('acme/secret.md')).resolves.toBeUndefined();
      await expect(store.get('acme/linked/folder/secret.md')).rejects.toMatchObject({ name: 'NotFoundError' });
      await expect(store.head('acme/linked/folder/secret.md')).resolves.toBeUndefined();
      expect((await store.list('acme/')).items.map((item) => item.key)).toEqual(['acme/inside.md']);
      // A link inside the folder is the user's own arrangement: read through.
      await expect(store.get('acme/alias.md')).resolves.toEqual(Buffer.from('# Inside'));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses a folder or file name over 255 bytes (the local file system limit) with ValidationError, not a failed write', async () => {
    const long = `acme/${'a'.repeat(300)}.md`;
    await expect(store.put(long, 'x')).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/255 bytes/) });
    await expect(store.put(`acme/${'a'.repeat(252)}.md`, 'x')).resolves.toBeUndefined();
  });

  it('stores a key as the file of the same relative path', async () => {
    await store.put('tenant-a/docs/guide.md', '# Guide');

    expect((await stat(path.join(root, 'tenant-a', 'docs', 'guide.md'))).size).toBe(7);
  });

  it.each(['../escape.txt', 'a/../../escape.txt', '/etc/passwd', 'a\0b', 'a//b', './a', 'a\\b', '', '.meta/x.json', '.tmp/x'])(
    'rejects the unsafe or reserved key %j with ValidationError',
    async (key) => {
      await expect(store.put(key, 'x')).rejects.toMatchObject({ name: 'ValidationError' });
      await expect(store.get(key)).rejects.toMatchObject({ name: 'ValidationError' });
    },
  );

  it('rejects list prefixes that climb out of the root and bad limits', async () => {
    await expect(store.list('../')).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(store.list('', undefined, 0)).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('keeps metadata in a sidecar that list never returns, and leaves no temp files', async () => {
    await store.put('a.txt', 'x', { contentType: 'text/plain', metadata: { k: 'v' } });

    const page = await store.list('');

    expect(page.items.map((i) => i.key)).toEqual(['a.txt']);
    expect(await readdir(path.join(root, '.meta'))).toEqual(['a.txt.json']);
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
  });

  it('lists files dropped into the folder by hand, and an empty page for a missing root', async () => {
    await writeFile(path.join(root, 'dropped.md'), 'hello');
    const missing = new FilesystemBlobStore(path.join(root, 'not-created'));

    expect((await store.list('')).items.map((i) => [i.key, i.size])).toEqual([['dropped.md', 5]]);
    expect(await missing.list('')).toEqual({ items: [] });
  });

  it('removes emptied folders up to, but never including, the root', async () => {
    await store.put('x/y/z.txt', 'x', { metadata: { k: 'v' } });

    await store.delete('x/y/z.txt');

    expect(await readdir(root)).toEqual(expect.not.arrayContaining(['x']));
    expect(await readdir(path.join(root, '.meta'))).toEqual([]);
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it('keeps folders that still hold other keys', async () => {
    await store.put('x/y/z.txt', 'x');
    await store.put('x/keep.txt', 'x');

    await store.delete('x/y/z.txt');

    expect(await readdir(path.join(root, 'x'))).toEqual(['keep.txt']);
  });

  it('treats a folder as a missing key', async () => {
    await store.put('dir/file.txt', 'x');

    await expect(store.get('dir')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(store.head('dir')).resolves.toBeUndefined();
    await expect(store.delete('dir')).resolves.toBeUndefined();
    expect((await store.get('dir/file.txt')).toString()).toBe('x');
  });

  it('reports a key that collides with a folder as a ValidationError', async () => {
    await store.put('dir/file.txt', 'x');

    await expect(store.put('dir', 'y')).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(store.put('dir/file.txt/deeper', 'y')).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('derives the etag from size and modification time', async () => {
    await store.put('e.txt', 'same');
    const first = await store.head('e.txt');

    const again = await store.head('e.txt');

    expect(again?.etag).toBe(first?.etag);
    expect(first?.etag).toMatch(/^[0-9a-f]{32}$/);
  });
});
