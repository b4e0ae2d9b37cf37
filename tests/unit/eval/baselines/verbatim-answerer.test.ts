import { Bm25Index } from '../../../../eval/baselines/bm25';
import { VERBATIM_MODEL_ID, verbatimAnswerer } from '../../../../eval/baselines/verbatim-answerer';
import type { BeirDocument } from '../../../../eval/beir';
import { runQa } from '../../../../eval/run-qa';

const corpus: BeirDocument[] = [
  { id: 'tides', title: 'Tides', text: 'Most coasts see two high tides a day.' },
  { id: 'surge', title: 'Storm surges', text: 'A storm surge floods low coasts during a hurricane.' },
];
const answerer = verbatimAnswerer(new Bm25Index(corpus), corpus, 'eval/g/');

describe('verbatimAnswerer', () => {
  it("answers with BM25's top document, verbatim, cited whole", async () => {
    const response = await answerer({ question: 'How many high tides a day?', tenant: 'eval', requestId: 'r1' });
    expect(response.answer).toBe('Tides\n\nMost coasts see two high tides a day.');
    expect(response.citations).toEqual([
      { documentId: 'tides', uri: 'eval/g/tides.md', key: 'eval/g/tides.md', excerpt: response.answer, location: { start: 0, end: response.answer.length } },
    ]);
    expect(response).toMatchObject({ model: VERBATIM_MODEL_ID, requestId: 'r1', guardrail: { blocked: false, groundingScore: 1 } });
  });

  it('says it found nothing, without citations, when no word matches', async () => {
    const response = await answerer({ question: 'quantum chromodynamics', tenant: 'eval', requestId: 'r2' });
    expect(response.citations).toEqual([]);
    expect(response.answer).toMatch(/could not find/);
  });

  it('is scored by run-qa like the service: right document, right answer; distractor, wrong answer and citation', async () => {
    const run = await runQa(
      answerer,
      [
        { id: 'a', question: 'How many high tides a day?', answers: ['two high tides'], docIds: ['tides'] },
        { id: 'b', question: 'How often does the sea rise on low coasts?', answers: ['two high tides'], docIds: ['tides'] },
      ],
      { tenant: 'eval', keyPrefix: 'eval/g/', datasetIdByChunkId: new Map() },
    );
    expect(run.perQuestion.map((o) => [o.id, o.contained, o.citationPrecision, o.grounded])).toEqual([
      ['a', true, 1, true],
      ['b', false, 0, true],
    ]);
  });
});
