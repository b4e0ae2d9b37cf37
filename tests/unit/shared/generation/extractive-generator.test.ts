import type { ScoredChunk } from '../../../../shared/documents/chunk';
import { parseCitationMarkers } from '../../../../shared/prompts/citation-markers';
import { EXTRACTIVE_MODEL_ID, ExtractiveGenerator, NO_ANSWER_TEXT } from '../../../../shared/generation/extractive-generator';
import type { GenerationEvent, GenerationRequest } from '../../../../shared/generation/generator';
import { estimateTokens } from '../../../../shared/generation/pricing';
import { analyze } from '../../../../shared/embeddings/tokenizer';
import { describeGeneratorContract } from '../../../contract/generator.contract';
import {
  contractChunks,
  FIXTURE_TENANT,
  PARKING_SENTENCE,
  scoredChunk,
  UNRELATED_QUESTION,
  VPN_MFA_SENTENCE,
  VPN_QUESTION,
  VPN_SENTENCE,
} from '../../../contract/generation-fixtures';

describeGeneratorContract('ExtractiveGenerator', async () => new ExtractiveGenerator());

function request(question: string, chunks: ScoredChunk[]): GenerationRequest {
  return { tenant: FIXTURE_TENANT, question, chunks, promptVersion: 'v1' };
}

async function collect(stream: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const handbook: ScoredChunk[] = [
  scoredChunk(
    'leave',
    'Employees get 25 days of paid annual leave per year. Leave requests are approved by your manager in the HR portal. The office kitchen is cleaned daily.',
    0.9,
    0,
  ),
  scoredChunk(
    'leave-carry',
    'Unused annual leave can be carried over until the end of March of the following year. Carried-over leave expires after that.',
    0.7,
    1,
  ),
  scoredChunk('parking', `${PARKING_SENTENCE} Bicycles go in the rack by the main entrance.`, 0.5, 2),
];

describe('ExtractiveGenerator', () => {
  const generator = new ExtractiveGenerator();

  it('identifies itself as a local own-retrieval model', () => {
    expect(generator.modelId).toBe(EXTRACTIVE_MODEL_ID);
    expect(generator.mode).toBe('own-retrieval');
  });

  it('answers with the relevant sentences of the ranked chunks, cited, and leaves unrelated ones out', async () => {
    const result = await generator.generate(request(VPN_QUESTION, contractChunks()));

    expect(result.text).toBe(`${VPN_SENTENCE} ${VPN_MFA_SENTENCE} [1]`);
    expect(result.citations.map((c) => [c.chunkId, c.marker])).toEqual([['chunk-vpn', 1]]);
    expect(result.fallbackUsed).toBe(false);
    expect(result.model).toBe(EXTRACTIVE_MODEL_ID);
  });

  it('never invents text: each cited span says only words of its excerpt, verbatim from the cited chunk, and markers are the only other text', async () => {
    const result = await generator.generate(request('How many days of annual leave do I get and can unused leave be carried over?', handbook));
    const byId = new Map(handbook.map((c) => [c.chunk.id, c.chunk.text]));

    let rest = result.text;
    for (const citation of result.citations) {
      const span = citation.answerSpan ?? { start: -1, end: -1 };
      const said = result.text.slice(span.start, span.end);
      const excerptTerms = new Set(analyze(citation.excerpt ?? ''));
      expect(analyze(said).filter((term) => !excerptTerms.has(term))).toEqual([]);
      expect(byId.get(citation.chunkId)?.slice(citation.excerptSpan?.start, citation.excerptSpan?.end)).toBe(citation.excerpt);
      rest = rest.replace(said, '');
    }
    expect(rest.replace(/\[\d+\]/g, '').trim()).toBe('');
    expect(result.citations.length).toBeGreaterThanOrEqual(2);
  });

  it('cites each chunk once, after the last of its sentences, with spans covering all of them', async () => {
    const chunk = scoredChunk(
      'leave',
      'Employees get 25 days of paid annual leave per year. The office kitchen is cleaned daily. Unused annual leave can be carried over until March.',
      0.9,
    );

    const result = await generator.generate(request('How many days of annual leave do I get and can unused leave be carried over?', [chunk]));

    expect(result.text).toBe('Employees get 25 days of paid annual leave per year. Unused annual leave can be carried over until March. [1]');
    expect(result.citations).toHaveLength(1);
    expect(result.citations[0]?.answerSpan).toEqual({ start: 0, end: result.text.length - ' [1]'.length });
    expect(result.citations[0]?.excerptSpan).toEqual({ start: 0, end: chunk.chunk.text.length });
  });

  it('reads as sentences: no heading, no restated FAQ question, a table row as a sentence, a header row skipped', async () => {
    const policy = scoredChunk(
      'policy',
      [
        'Travel and meals',
        '',
        'Item | Limit',
        'Meals while travelling | $75 per day',
        'Hotel, standard city | $180 per night',
        '',
        'What is the limit for a hotel? Hotels are booked through the travel desk.',
      ].join('\n'),
      0.9,
    );

    const result = await generator.generate(request('What is the hotel limit?', [policy]));

    expect(result.text).toContain('Hotel, standard city — Limit: $180 per night.');
    expect(result.text).toMatch(/^Meals while travelling — Limit: \$75 per day\. /);
    expect(result.text).not.toContain('|');
    expect(result.text).not.toContain('Travel and meals');
    expect(result.text).not.toContain('What is the limit');
    expect(result.text).not.toMatch(/^Item\b/);
    // The citation points at the rows it read, header included: the words the answer uses are there.
    expect(result.citations[0]?.excerpt).toContain('Item | Limit');
    expect(result.citations[0]?.excerpt).toContain('Hotel, standard city | $180 per night');
  });

  it('numbers distinct chunks in order of first citation and reads sentences of a chunk in document order', async () => {
    const result = await generator.generate(request('How many days of annual leave do I get and can unused leave be carried over?', handbook));

    const markers = [...result.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    const firstSeen = [...new Set(markers)];
    expect(firstSeen).toEqual(firstSeen.map((_, i) => i + 1));
    expect(new Set(result.citations.map((c) => c.chunkId))).toEqual(new Set(['leave', 'leave-carry']));
    const leaveStarts = result.citations.filter((c) => c.chunkId === 'leave').map((c) => handbook[0]?.chunk.text.indexOf(c.excerpt ?? '') ?? -1);
    expect(leaveStarts).toEqual([...leaveStarts].sort((a, b) => a - b));
    expect(result.text).not.toContain('kitchen');
    expect(result.text).not.toContain('Bicycles');
  });

  it('writes markers that parse back to the same citations', async () => {
    const result = await generator.generate(request('How many days of annual leave do I get and can unused leave be carried over?', handbook));
    const idsByMarker: string[] = [];
    for (const c of result.citations) if (c.marker !== undefined) idsByMarker[c.marker - 1] = c.chunkId;

    const parsed = parseCitationMarkers(result.text, idsByMarker);

    expect(parsed).toEqual(result.citations.map(({ chunkId, marker, answerSpan }) => ({ chunkId, marker, answerSpan })));
  });

  it('says it found nothing, with no citations, when nothing is relevant or there are no chunks', async () => {
    const unrelated = await generator.generate(request(UNRELATED_QUESTION, contractChunks()));
    const empty = await generator.generate(request(VPN_QUESTION, []));
    const stopwordsOnly = await generator.generate(request('What is it?', contractChunks()));

    for (const result of [unrelated, empty, stopwordsOnly]) {
      expect(result.text).toBe(NO_ANSWER_TEXT);
      expect(result.citations).toEqual([]);
    }
  });

  it('skips repeated sentences from overlapping chunks', async () => {
    const overlapping = [scoredChunk('a', `${VPN_SENTENCE} ${VPN_MFA_SENTENCE}`, 0.9, 0), scoredChunk('b', `${VPN_MFA_SENTENCE} ${VPN_SENTENCE}`, 0.8, 1)];

    const result = await generator.generate(request(VPN_QUESTION, overlapping));

    const excerpts = result.citations.map((c) => c.excerpt);
    expect(new Set(excerpts).size).toBe(excerpts.length);
    expect(result.citations.every((c) => c.chunkId === 'a')).toBe(true);
  });

  it('respects maxSentences and minSentenceScore', async () => {
    const question = 'How many days of annual leave do I get and can unused leave be carried over?';
    const one = await new ExtractiveGenerator({ maxSentences: 1 }).generate(request(question, handbook));
    const picky = await new ExtractiveGenerator({ minSentenceScore: 1 }).generate(request(question, handbook));

    expect(one.citations).toHaveLength(1);
    expect(picky.text).toBe(NO_ANSWER_TEXT);
    expect(() => new ExtractiveGenerator({ maxSentences: 0 })).toThrow(RangeError);
  });

  it('estimates usage from the question and context (input) and the answer (output)', async () => {
    const chunks = contractChunks();
    const result = await generator.generate(request(VPN_QUESTION, chunks));

    const context = chunks.map((c) => c.chunk.text).join('\n\n');
    expect(result.usage).toEqual({ inputTokens: estimateTokens(`${VPN_QUESTION}\n\n${context}`), outputTokens: estimateTokens(result.text) });
  });

  it('streams the answer in several deltas, then the same citations, then done', async () => {
    const result = await generator.generate(request(VPN_QUESTION, contractChunks()));

    const events = await collect(generator.generateStream(request(VPN_QUESTION, contractChunks())));

    const deltas = events.flatMap((e) => (e.type === 'delta' ? [e.text] : []));
    // Two sentences of one chunk, then its marker.
    expect(deltas).toEqual([VPN_SENTENCE, ` ${VPN_MFA_SENTENCE}`, ' [1]']);
    expect(deltas.join('')).toBe(result.text);
    expect(events[events.length - 2]).toEqual({ type: 'citations', citations: result.citations });
    expect(events[events.length - 1]).toEqual({ type: 'done', usage: result.usage, model: EXTRACTIVE_MODEL_ID, fallbackUsed: false });
  });

  it('streams the fixed reply when nothing is relevant', async () => {
    const events = await collect(generator.generateStream(request(UNRELATED_QUESTION, contractChunks())));

    expect(events.map((e) => e.type)).toEqual(['delta', 'citations', 'done']);
    expect(events[0]).toEqual({ type: 'delta', text: NO_ANSWER_TEXT });
  });
});
