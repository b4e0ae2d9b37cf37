import type { GenerationEvent, GenerationRequest, GenerationResult, Generator } from '../../shared/generation/generator';
import { contractChunks, FIXTURE_TENANT, VPN_QUESTION } from './generation-fixtures';

async function collect(stream: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Marker numbers written in the text, from "[1]", "[1][2]" and "[1, 2]". */
function markersIn(text: string): Set<number> {
  const markers = new Set<number>();
  for (const group of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const n of (group[1] ?? '').split(',')) markers.add(Number(n.trim()));
  }
  return markers;
}

function expectWellFormedUsage(usage: { inputTokens: number; outputTokens: number }): void {
  expect(Number.isFinite(usage.inputTokens)).toBe(true);
  expect(Number.isFinite(usage.outputTokens)).toBe(true);
  expect(usage.inputTokens).toBeGreaterThanOrEqual(0);
  expect(usage.outputTokens).toBeGreaterThanOrEqual(0);
}

/**
 * Behaviour every Generator adapter must show; run it against each adapter.
 * `supportsOwnRetrieval: false` for knowledge-base generators, which get no chunks and retrieve themselves.
 */
export function describeGeneratorContract(name: string, makeGenerator: () => Promise<Generator>, options: { supportsOwnRetrieval?: boolean } = {}): void {
  const ownRetrieval = options.supportsOwnRetrieval ?? true;

  describe(`Generator contract: ${name}`, () => {
    let generator: Generator;
    const chunks = contractChunks();
    const givenIds = new Set(chunks.map((c) => c.chunk.id));
    const request = (): GenerationRequest => ({
      tenant: FIXTURE_TENANT,
      question: VPN_QUESTION,
      chunks: ownRetrieval ? contractChunks() : [],
      promptVersion: 'v1',
      topK: 3,
    });

    beforeAll(async () => {
      generator = await makeGenerator();
    });

    it('exposes a model id and the mode it was declared with', () => {
      expect(generator.modelId.length).toBeGreaterThan(0);
      expect(generator.mode).toBe(ownRetrieval ? 'own-retrieval' : 'knowledge-base');
    });

    it('answers with text, the model that answered and non-negative usage', async () => {
      const result = await generator.generate(request());

      expect(result.text.trim().length).toBeGreaterThan(0);
      expect(result.model.length).toBeGreaterThan(0);
      expect(typeof result.fallbackUsed).toBe('boolean');
      expectWellFormedUsage(result.usage);
    });

    it('cites only given chunks, with markers that appear in the text and spans inside it', async () => {
      const result: GenerationResult = await generator.generate(request());

      expect(result.citations.length).toBeGreaterThan(0);
      const written = markersIn(result.text);
      for (const citation of result.citations) {
        expect(citation.chunkId.length).toBeGreaterThan(0);
        if (ownRetrieval) expect(givenIds.has(citation.chunkId)).toBe(true);
        if (citation.marker !== undefined) expect(written.has(citation.marker)).toBe(true);
        if (citation.answerSpan) {
          expect(citation.answerSpan.start).toBeGreaterThanOrEqual(0);
          expect(citation.answerSpan.end).toBeGreaterThanOrEqual(citation.answerSpan.start);
          expect(citation.answerSpan.end).toBeLessThanOrEqual(result.text.length);
        }
      }
    });

    it('streams deltas, then one citations event, then exactly one done, and nothing after', async () => {
      const events = await collect(generator.generateStream(request()));

      const types = events.map((e) => e.type);
      expect(types.filter((t) => t === 'done' || t === 'error')).toEqual(['done']);
      expect(types[types.length - 1]).toBe('done');
      expect(types.filter((t) => t === 'citations')).toHaveLength(1);
      const citationsAt = types.indexOf('citations');
      expect(types.lastIndexOf('delta')).toBeLessThan(citationsAt);
      expect(types.indexOf('delta')).toBe(0);
      const done = events[events.length - 1];
      if (done?.type !== 'done') throw new Error('stream did not end with done');
      expect(done.model.length).toBeGreaterThan(0);
      expectWellFormedUsage(done.usage);
      const citations = events[citationsAt];
      if (citations?.type === 'citations' && ownRetrieval) {
        for (const c of citations.citations) expect(givenIds.has(c.chunkId)).toBe(true);
      }
    });

    it('streams the same answer generate() returns', async () => {
      const result = await generator.generate(request());
      const events = await collect(generator.generateStream(request()));

      const streamed = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
      expect(streamed.trim().length).toBeGreaterThan(0);
      expect(streamed).toBe(result.text);
    });
  });
}
