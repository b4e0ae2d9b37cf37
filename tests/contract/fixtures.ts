import type { IndexedChunk } from '../../shared/documents/chunk';

/** A vector of `dimensions` zeros with 1 at `position`: nearest-neighbour order is obvious by construction. */
export function oneHot(dimensions: number, position: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[position % dimensions] = 1;
  return vector;
}

/** A unit vector mostly along `position` with a little of `secondary`: close to, but not equal to, oneHot(position). */
export function nearOneHot(dimensions: number, position: number, secondary: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[position % dimensions] = 0.9;
  vector[secondary % dimensions] = Math.sqrt(1 - 0.81);
  return vector;
}

let counter = 0;

/** An IndexedChunk with every field set; override what a test cares about. */
export function makeChunk(dimensions: number, overrides: Partial<IndexedChunk> = {}): IndexedChunk {
  counter += 1;
  const documentId = overrides.documentId ?? 'doc-1';
  const index = overrides.index ?? 0;
  return {
    tenant: 'tenant-a',
    documentId,
    key: `tenant-a/docs/${documentId}.md`,
    version: 'a'.repeat(64),
    contentType: 'text/markdown',
    fingerprint: 'fp-1',
    id: `${documentId}-${index}-${counter}`,
    index,
    text: `Chunk ${index} of ${documentId}.`,
    location: { start: index * 100, end: index * 100 + 99, page: index + 1, section: 'Intro > Setup' },
    title: 'Handbook',
    vector: oneHot(dimensions, index),
    ...overrides,
  };
}
