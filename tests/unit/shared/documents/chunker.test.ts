import { Chunker } from '../../../../shared/documents/chunker';
import type { Chunk } from '../../../../shared/documents/chunk';
import type { ExtractedDocument } from '../../../../shared/documents/extract';
import { chunkIdFor } from '../../../../shared/documents/identity';
import { UnsupportedDocumentError } from '../../../../shared/errors';

const IDS = { documentId: 'doc-1', fingerprint: 'fp-1' };

function prose(sentences: number, seed = 0): string {
  const words = ['expense', 'report', 'travel', 'robot', 'battery', 'policy', 'warehouse', 'manager', 'approval', 'receipt'];
  return Array.from({ length: sentences }, (_, i) => {
    const n = 6 + ((i * 7 + seed) % 9);
    const body = Array.from({ length: n }, (_, j) => words[(i * 3 + j + seed) % words.length]).join(' ');
    return `Sentence ${i + seed} is about ${body}.`;
  }).join(' ');
}

function doc(text: string, extra: Partial<ExtractedDocument> = {}): ExtractedDocument {
  return { text, contentType: 'text/plain', ...extra };
}

function expectExactOffsets(source: ExtractedDocument, chunks: Chunk[], size: number): void {
  chunks.forEach((chunk, index) => {
    expect(chunk.index).toBe(index);
    expect(chunk.text).toBe(source.text.slice(chunk.location.start, chunk.location.end));
    expect(chunk.text).toBe(chunk.text.trim());
    expect(chunk.text.length).toBeGreaterThan(0);
    expect(chunk.text.length).toBeLessThanOrEqual(size);
  });
}

/** Every non-whitespace character of the text is in at least one chunk. */
function expectFullCoverage(text: string, chunks: Chunk[]): void {
  const covered = new Uint8Array(text.length);
  for (const chunk of chunks) covered.fill(1, chunk.location.start, chunk.location.end);
  for (let i = 0; i < text.length; i += 1) {
    if (!/\s/.test(text[i] ?? '')) expect(covered[i]).toBe(1);
  }
}

describe('Chunker construction', () => {
  test('rejects overlap >= size, size < 50 and non-integers', () => {
    expect(() => new Chunker({ size: 100, overlap: 100 })).toThrow(RangeError);
    expect(() => new Chunker({ size: 100, overlap: 150 })).toThrow(RangeError);
    expect(() => new Chunker({ size: 49, overlap: 0 })).toThrow(RangeError);
    expect(() => new Chunker({ size: 100, overlap: -1 })).toThrow(RangeError);
    expect(() => new Chunker({ size: 100.5, overlap: 0 })).toThrow(RangeError);
  });

  test('configId names the algorithm and options', () => {
    expect(new Chunker({ size: 1000, overlap: 150 }).configId).toBe('recursive-v1:1000:150');
    expect(new Chunker({ size: 50, overlap: 0 }).configId).toBe('recursive-v1:50:0');
  });
});

describe('Chunker.chunk', () => {
  test('empty or whitespace-only text gives no chunks', () => {
    const chunker = new Chunker({ size: 100, overlap: 10 });
    expect(chunker.chunk(doc(''), IDS)).toEqual([]);
    expect(chunker.chunk(doc(' \n\n\t '), IDS)).toEqual([]);
  });

  test('short text is one trimmed chunk with exact offsets', () => {
    // Prepare
    const source = doc('\n  Hello world. Short text.  \n');
    // Act
    const chunks = new Chunker({ size: 100, overlap: 10 }).chunk(source, IDS);
    // Assess
    expect(chunks).toEqual([{ id: chunkIdFor('doc-1', 'fp-1', 0), index: 0, text: 'Hello world. Short text.', location: { start: 3, end: 27 } }]);
  });

  test('chunks respect size, have exact offsets, cover the text and never cut words', () => {
    // Prepare
    const text = [prose(12), prose(3, 5), prose(20, 9)].join('\n\n');
    const source = doc(text);
    // Act
    const chunks = new Chunker({ size: 300, overlap: 60 }).chunk(source, IDS);
    // Assess
    expect(chunks.length).toBeGreaterThan(5);
    expectExactOffsets(source, chunks, 300);
    expectFullCoverage(text, chunks);
    for (const chunk of chunks) {
      expect(/\S/.test(text[chunk.location.start - 1] ?? ' ')).toBe(false);
      expect(/\S/.test(text[chunk.location.end] ?? ' ')).toBe(false);
    }
  });

  test('consecutive chunks overlap by at most `overlap` chars and start at a sentence when one fits', () => {
    // Prepare: sentences of ~40 chars, so a sentence start always fits in the overlap window.
    const text = Array.from({ length: 80 }, (_, i) => `Fact ${i} is about the ${['robot', 'battery', 'warehouse'][i % 3]} fleet.`).join(' ');
    // Act
    const chunks = new Chunker({ size: 400, overlap: 120 }).chunk(doc(text), IDS);
    // Assess
    let overlapping = 0;
    for (let i = 1; i < chunks.length; i += 1) {
      const previous = chunks[i - 1]?.location;
      const current = chunks[i]?.location;
      if (!previous || !current) throw new Error('missing chunk');
      expect(current.start).toBeGreaterThan(previous.start);
      expect(current.end).toBeGreaterThan(previous.end);
      const shared = previous.end - current.start;
      expect(shared).toBeLessThanOrEqual(120);
      if (shared > 0) {
        overlapping += 1;
        expect(text.slice(current.start)).toMatch(/^Fact \d+ /);
      }
    }
    expect(overlapping).toBeGreaterThan(chunks.length / 2);
  });

  test('overlap 0 gives disjoint chunks', () => {
    // Act
    const chunks = new Chunker({ size: 200, overlap: 0 }).chunk(doc(prose(30)), IDS);
    // Assess
    for (let i = 1; i < chunks.length; i += 1) expect(chunks[i]?.location.start).toBeGreaterThanOrEqual(chunks[i - 1]?.location.end ?? 0);
  });

  test('prefers paragraph boundaries over sentence boundaries', () => {
    // Prepare: two paragraphs of ~180 chars fit a 400 chunk only if the cut is at the paragraph.
    const first = prose(3);
    const second = prose(3, 4);
    const third = prose(3, 8);
    const text = [first, second, third].join('\n\n');
    // Act
    const chunks = new Chunker({ size: first.length + second.length + 40, overlap: 0 }).chunk(doc(text), IDS);
    // Assess
    expect(chunks[0]?.text).toBe(`${first}\n\n${second}`);
    expect(chunks[1]?.text).toBe(third);
  });

  test('a word longer than size is cut into size-long pieces', () => {
    // Prepare
    const huge = 'x'.repeat(250);
    const text = `Before the blob. ${huge} After the blob.`;
    // Act
    const chunks = new Chunker({ size: 100, overlap: 20 }).chunk(doc(text), IDS);
    // Assess
    expectExactOffsets(doc(text), chunks, 100);
    expectFullCoverage(text, chunks);
    expect(chunks.some((c) => c.text === 'x'.repeat(100))).toBe(true);
  });

  test('ids are deterministic and depend on document, fingerprint and position', () => {
    // Prepare
    const source = doc(prose(30));
    const chunker = new Chunker({ size: 300, overlap: 50 });
    // Act
    const first = chunker.chunk(source, IDS);
    const again = new Chunker({ size: 300, overlap: 50 }).chunk(source, IDS);
    const otherFingerprint = chunker.chunk(source, { ...IDS, fingerprint: 'fp-2' });
    // Assess
    expect(again).toEqual(first);
    expect(first.map((c) => c.id)).toEqual(first.map((_, i) => chunkIdFor('doc-1', 'fp-1', i)));
    expect(new Set(first.map((c) => c.id)).size).toBe(first.length);
    const otherIds = new Set(otherFingerprint.map((c) => c.id));
    expect(first.some((c) => otherIds.has(c.id))).toBe(false);
  });

  test('maps pages: each chunk carries the page where it starts', () => {
    // Prepare
    const pageOne = prose(6);
    const pageTwo = prose(6, 3);
    const text = `${pageOne}\n\n${pageTwo}`;
    const source = doc(text, {
      contentType: 'application/pdf',
      pages: [
        { start: 0, end: pageOne.length },
        { start: pageOne.length + 2, end: text.length },
      ],
    });
    // Act
    const chunks = new Chunker({ size: 200, overlap: 40 }).chunk(source, IDS);
    // Assess
    for (const chunk of chunks) {
      expect(chunk.location.page).toBe(chunk.location.start < pageOne.length ? 1 : 2);
    }
    expect(new Set(chunks.map((c) => c.location.page))).toEqual(new Set([1, 2]));
  });

  test('maps sections and never crosses a section start', () => {
    // Prepare
    const intro = 'Preface text before any heading.';
    const a = `Alpha\n\n${prose(5)}`;
    const b = `Beta\n\n${prose(5, 2)}`;
    const text = [intro, a, b].join('\n\n');
    const aStart = intro.length + 2;
    const bStart = aStart + a.length + 2;
    const source = doc(text, {
      contentType: 'text/markdown',
      sections: [
        { start: aStart, path: 'Doc > Alpha' },
        { start: bStart, path: 'Doc > Beta' },
      ],
    });
    // Act
    const chunks = new Chunker({ size: 1000, overlap: 100 }).chunk(source, IDS);
    // Assess
    expect(chunks.map((c) => c.location.section)).toEqual([undefined, 'Doc > Alpha', 'Doc > Beta']);
    expect(chunks[1]?.text).toBe(a);
    expect(chunks[2]?.text).toBe(b);
  });

  test('a 200 KB document is chunked within size, with exact offsets and full coverage', () => {
    // Prepare
    const paragraphs: string[] = [];
    for (let i = 0; paragraphs.join('\n\n').length < 200_000; i += 1) paragraphs.push(prose(3 + (i % 7), i));
    const text = paragraphs.join('\n\n');
    const source = doc(text);
    // Act
    const chunks = new Chunker({ size: 1000, overlap: 150 }).chunk(source, IDS);
    // Assess
    expect(text.length).toBeGreaterThanOrEqual(200_000);
    expectExactOffsets(source, chunks, 1000);
    expectFullCoverage(text, chunks);
    const average = chunks.reduce((sum, c) => sum + c.text.length, 0) / chunks.length;
    expect(average).toBeGreaterThan(500);
    expect(chunks.length).toBeLessThan(text.length / 500);
  });
});

describe('Chunker limits (RAG_MAX_CHUNKS_PER_DOCUMENT)', () => {
  const chunker = new Chunker({ size: 200, overlap: 40 });

  test('a document of exactly maxChunks chunks is chunked as without a limit', () => {
    const source = doc(prose(60));
    const unbounded = chunker.chunk(source, IDS);

    expect(chunker.chunk(source, IDS, { maxChunks: unbounded.length })).toEqual(unbounded);
  });

  test('one chunk more than maxChunks is refused with the reason, across sections too', () => {
    // Prepare: one document of one long section, one of many short sections (each heading starts a chunk).
    const long = doc(prose(60));
    const text = Array.from({ length: 30 }, (_, i) => `Heading ${i}\n\n${prose(1, i)}`).join('\n\n');
    const sectioned = doc(text, { sections: Array.from({ length: 30 }, (_, i) => ({ start: text.indexOf(`Heading ${i}\n`), path: `Heading ${i}` })) });
    for (const source of [long, sectioned]) {
      const count = chunker.chunk(source, IDS).length;
      // Act, Assess
      expect(() => chunker.chunk(source, IDS, { maxChunks: count - 1 })).toThrow(
        new UnsupportedDocumentError(`The document makes more chunks than the limit of ${count - 1} (RAG_MAX_CHUNKS_PER_DOCUMENT)`),
      );
    }
  });
});
