import { Bm25Index, bm25Tokens, runBm25Retrieval } from '../../../../eval/baselines/bm25';
import type { BeirDataset, BeirDocument } from '../../../../eval/beir';

const corpus: BeirDocument[] = [
  { id: 'd1', title: 'Cats', text: 'cats sleep' },
  { id: 'd2', title: '', text: 'the dog and the cat' },
  { id: 'd3', title: '', text: 'Dogs bark at cats' },
];

describe('bm25Tokens', () => {
  it('lower-cases, folds accents, splits on non-alphanumerics, drops Lucene stop words and does not stem', () => {
    expect(bm25Tokens('The Café-owners AND their 3 cats, at 7pm!')).toEqual(['cafe', 'owners', '3', 'cats', '7pm']);
  });

  it('stems with Porter when asked, as the reference BM25 of the datasets README does', () => {
    expect(bm25Tokens('Flowing wings of the boundary layers', 'porter')).toEqual(['flow', 'wing', 'boundari', 'layer']);
    // So a query finds a document by another form of its word, which the plain baseline cannot.
    const docs: BeirDocument[] = [{ id: 'w', title: '', text: 'the wing flutters' }];
    expect(new Bm25Index(docs, { stemming: 'porter' }).search('wings').map((d) => d.id)).toEqual(['w']);
    expect(new Bm25Index(docs).search('wings')).toEqual([]);
  });
});

describe('Bm25Index', () => {
  it('scores with Lucene BM25 (k1 0.9, b 0.4) over title + text', () => {
    // Prepare: lengths 3, 2, 3 (avgdl 8/3); "cats" is in d1 twice (title + text) and in d3 once: df 2 of N 3.
    const index = new Bm25Index(corpus);
    const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const norm = 0.9 * (1 - 0.4 + (0.4 * 3) / (8 / 3));
    // Act
    const hits = index.search('cats');
    // Assess: d2 has "cat", which only a stemmer would match.
    expect(hits.map((hit) => hit.id)).toEqual(['d1', 'd3']);
    expect(hits[0]?.score).toBeCloseTo((idf * (2 * 1.9)) / (2 + norm), 12);
    expect(hits[1]?.score).toBeCloseTo((idf * 1.9) / (1 + norm), 12);
    expect(index.idf('cats')).toBeCloseTo(Math.log(1.6), 12);
  });

  it('matches case-insensitively, finds nothing for stop words alone and honours topK', () => {
    const index = new Bm25Index(corpus);
    expect(index.search('CAT').map((hit) => hit.id)).toEqual(['d2']);
    expect(index.search('the and at')).toEqual([]);
    expect(index.search('cats dogs', 1)).toHaveLength(1);
  });

  it('orders tied documents as trec_eval does (id descending)', () => {
    const index = new Bm25Index([
      { id: 'a', title: '', text: 'same words' },
      { id: 'b', title: '', text: 'same words' },
    ]);
    expect(index.search('words').map((hit) => hit.id)).toEqual(['b', 'a']);
  });

  it('takes other parameters and rejects impossible ones', () => {
    const flat = new Bm25Index(corpus, { k1: 1.2, b: 0 });
    expect(flat.search('cats')[1]?.score).toBeCloseTo(flat.idf('cats'), 12);
    expect(() => new Bm25Index(corpus, { b: 1.5 })).toThrow(RangeError);
    expect(() => new Bm25Index(corpus, { k1: -1 })).toThrow(RangeError);
  });
});

describe('runBm25Retrieval', () => {
  it('scores BM25 runs with the same trec_eval metrics as the service', () => {
    const dataset = {
      corpus,
      queries: [
        { id: 'q1', text: 'cats' },
        { id: 'q2', text: 'cat' },
      ],
      qrels: new Map([
        ['q1', new Map([['d3', 2]])],
        ['q2', new Map([['d1', 1]])],
      ]),
    } as unknown as BeirDataset;
    const run = runBm25Retrieval(dataset, [1, 10], 100);
    expect(run.perQuery.map((q) => q.ranking.map((entry) => entry.id))).toEqual([['d1', 'd3'], ['d2']]);
    // q1: relevant d3 at rank 2; q2: the relevant d1 is never found without stemming.
    expect(run.perQuery[0]?.mrr10).toBe(0.5);
    expect(run.perQuery[1]?.ndcg10).toBe(0);
    expect(run.metrics.ndcgAt10).toBeCloseTo(1 / Math.log2(3) / 2, 12);
    expect(run.metrics.recall['1']).toBe(0);
  });
});
