import type { BlobStore } from '../../shared/storage/blob-store';

async function allKeys(store: BlobStore, prefix: string, limit: number): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(prefix, cursor, limit);
    pages += 1;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    keys.push(...page.items.map((i) => i.key));
    cursor = page.nextCursor;
    if (pages > 100) throw new Error('list never ended');
  } while (cursor !== undefined);
  return { keys, pages };
}

export interface ContractStore {
  store: BlobStore;
  cleanup: () => Promise<void>;
  /** Where this adapter keeps the object of a key, as a reader finds it: `s3://bucket/<prefix>key`, or the key itself. */
  locationOf: (key: string) => string;
}

/**
 * Behaviour every BlobStore adapter must show; run it against each adapter. `makeStore` is called
 * before each test and `cleanup` after it; tests also use their own key prefixes.
 */
export function describeBlobStoreContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    let cleanup: () => Promise<void>;
    let locationOf: (key: string) => string;

    beforeEach(async () => {
      ({ store, cleanup, locationOf } = await makeStore());
    });

    afterEach(async () => {
      await cleanup();
    });

    it('round-trips bytes and strings', async () => {
      const bytes = Buffer.from([0, 1, 2, 254, 255, 10, 13]);

      await store.put('rt/binary.bin', bytes);
      await store.put('rt/text.txt', 'héllo wörld');

      expect(Buffer.compare(await store.get('rt/binary.bin'), bytes)).toBe(0);
      expect((await store.get('rt/text.txt')).toString('utf8')).toBe('héllo wörld');
    });

    it('overwrites on put and changes the etag', async () => {
      await store.put('ow/doc.txt', 'first');
      const before = await store.head('ow/doc.txt');

      await store.put('ow/doc.txt', 'second version');
      const after = await store.head('ow/doc.txt');

      expect((await store.get('ow/doc.txt')).toString()).toBe('second version');
      expect(after?.size).toBe(Buffer.byteLength('second version'));
      expect(after?.etag).not.toBe(before?.etag);
    });

    it('head returns size, etag, lastModified, content type and metadata', async () => {
      await store.put('hd/report.json', '{"a":1}', { contentType: 'application/json', metadata: { tenant: 'tenant-a', source: 'upload' } });

      const head = await store.head('hd/report.json');

      expect(head).toBeDefined();
      expect(head?.key).toBe('hd/report.json');
      expect(head?.size).toBe(7);
      expect(head?.etag.length).toBeGreaterThan(0);
      // Realm-safe Date check: Node's fs builds Dates outside jest's sandbox.
      expect(Object.prototype.toString.call(head?.lastModified)).toBe('[object Date]');
      expect(Number.isNaN(head?.lastModified.getTime())).toBe(false);
      expect(head?.contentType).toBe('application/json');
      expect(head?.metadata).toEqual({ tenant: 'tenant-a', source: 'upload' });
    });

    it('head of a missing key is undefined, get of a missing key throws NotFoundError', async () => {
      await expect(store.head('missing/nothing.txt')).resolves.toBeUndefined();
      await expect(store.get('missing/nothing.txt')).rejects.toMatchObject({ name: 'NotFoundError' });
    });

    it('lists recursively, sorted by key, filtered by prefix, with metadata but no internal files', async () => {
      await store.put('ls/b/2.txt', 'x', { contentType: 'text/plain', metadata: { k: 'v' } });
      await store.put('ls/a.txt', 'x');
      await store.put('ls/b/1.txt', 'x');
      await store.put('lsx/other.txt', 'x');
      await store.put('other/ls.txt', 'x');

      const page = await store.list('ls/');

      expect(page.items.map((i) => i.key)).toEqual(['ls/a.txt', 'ls/b/1.txt', 'ls/b/2.txt']);
      expect(page.nextCursor).toBeUndefined();
      const two = page.items.find((i) => i.key === 'ls/b/2.txt');
      expect(two?.size).toBe(1);
      expect(two?.contentType).toBe('text/plain');
      expect(two?.metadata).toEqual({ k: 'v' });
    });

    it('matches a prefix that is not a whole folder name', async () => {
      await store.put('pf/report-2024.txt', 'x');
      await store.put('pf/report-2025.txt', 'x');
      await store.put('pf/summary.txt', 'x');

      const page = await store.list('pf/report-');

      expect(page.items.map((i) => i.key)).toEqual(['pf/report-2024.txt', 'pf/report-2025.txt']);
    });

    it('paginates with limit and cursor, returning every key exactly once', async () => {
      const keys = ['pg/01.txt', 'pg/02.txt', 'pg/03.txt', 'pg/04.txt', 'pg/05.txt'];
      for (const key of [...keys].reverse()) await store.put(key, key);

      const first = await store.list('pg/', undefined, 2);
      const { keys: listed, pages } = await allKeys(store, 'pg/', 2);

      expect(first.items.map((i) => i.key)).toEqual(['pg/01.txt', 'pg/02.txt']);
      expect(first.nextCursor).toBeDefined();
      expect(listed).toEqual(keys);
      expect(pages).toBe(3);
    });

    it('counts the keys under a prefix, recursively and without internal files, stopping at atMost', async () => {
      await store.put('ct/a.txt', 'x', { contentType: 'text/plain' });
      await store.put('ct/b/1.txt', 'x');
      await store.put('ct/b/2.txt', 'x');
      await store.put('ctx/other.txt', 'x');

      const all = await store.count('ct/');
      const capped = await store.count('ct/', 2);
      const partial = await store.count('ct/b/');
      const none = await store.count('nothing-here/');

      expect(all).toBe(3);
      expect(capped).toBe(2);
      expect(partial).toBe(2);
      expect(none).toBe(0);
    });

    it('lists nothing for a prefix with no keys', async () => {
      await store.put('np/a.txt', 'x');

      const page = await store.list('nothing-here/');

      expect(page.items).toEqual([]);
      expect(page.nextCursor).toBeUndefined();
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      await store.put('dl/a/b/c.txt', 'x', { metadata: { k: 'v' } });
      await store.put('dl/keep.txt', 'x');

      await store.delete('dl/a/b/c.txt');
      await store.delete('dl/a/b/c.txt');
      await store.delete('dl/never-existed.txt');

      await expect(store.head('dl/a/b/c.txt')).resolves.toBeUndefined();
      await expect(store.get('dl/a/b/c.txt')).rejects.toMatchObject({ name: 'NotFoundError' });
      expect((await store.list('dl/')).items.map((i) => i.key)).toEqual(['dl/keep.txt']);
    });

    it('does not keep old metadata after a put without it', async () => {
      await store.put('md/a.txt', 'x', { contentType: 'text/csv', metadata: { old: 'yes' } });

      await store.put('md/a.txt', 'y');

      expect((await store.head('md/a.txt'))?.metadata ?? {}).toEqual({});
    });

    it('handles keys with spaces and unicode', async () => {
      const keys = ['uc/My Documents/Quarterly report.pdf', 'uc/résumé – ünïcode/日本語.txt', 'uc/emoji 🚀.md'];
      for (const [i, key] of keys.entries()) await store.put(key, `body ${i}`);

      const listed = (await store.list('uc/')).items.map((item) => item.key);

      expect([...listed].sort()).toEqual([...keys].sort());
      for (const [i, key] of keys.entries()) {
        expect((await store.get(key)).toString()).toBe(`body ${i}`);
        expect((await store.head(key))?.key).toBe(key);
      }
      await store.delete(keys[1] as string);
      expect((await store.list('uc/')).items).toHaveLength(2);
    });

    it('names where an object lives without reading it, the same before and after it is stored', async () => {
      const key = 'uri/My Documents/résumé.pdf';

      const before = store.uriFor(key);
      await store.put(key, 'x');

      expect(before).toBe(locationOf(key));
      expect(store.uriFor(key)).toBe(before);
      expect(store.uriFor('uri/other.pdf')).not.toBe(before);
    });
  });
}
