import { stem } from '../../shared/embeddings/tokenizer';
import type { BeirDataset, BeirDocument } from '../beir';
import { cpuMsPer, rankByScore, type ScoredDocument } from '../metrics';
import { type QueryOutcome, type RetrievalRun, scoreQuery, summarize } from '../run-retrieval';

/**
 * The plain lexical baseline the service must beat: Lucene-style BM25 (BM25Similarity, k1 0.9, b 0.4 — the
 * Anserini/BEIR defaults) over title + text, with the simplest tokenisation that is still honest: NFKD, accents
 * removed, lower case, split on anything that is not a letter or digit, Lucene's English stop set dropped.
 * No stemming, no query expansion, no phrase or proximity evidence, no vectors. Two simplifications against
 * Lucene, neither of which changes a ranking much: exact document lengths instead of Lucene's one-byte norms,
 * and ties broken by document id (trec_eval's order) rather than by index order.
 */
export interface Bm25Options {
  k1?: number;
  b?: number;
  /**
   * 'porter': Lucene EnglishAnalyzer's Porter stemming, as the reference figures in
   * ../shared/datasets/README.md were computed (`npm run eval -- --baseline bm25`). Default 'none': the
   * plainest baseline the golden-set test holds the service above.
   */
  stemming?: 'none' | 'porter';
}

/** Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET. */
export const LUCENE_ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);

export function bm25Tokens(text: string, stemming: Bm25Options['stemming'] = 'none'): string[] {
  const tokens = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token !== '' && !LUCENE_ENGLISH_STOPWORDS.has(token));
  return stemming === 'porter' ? tokens.map(stem) : tokens;
}

export class Bm25Index {
  private readonly k1: number;
  private readonly b: number;
  private readonly docs: { id: string; length: number; tf: Map<string, number> }[];
  private readonly df = new Map<string, number>();
  private readonly averageLength: number;
  private readonly stemming: Bm25Options['stemming'];

  constructor(corpus: readonly BeirDocument[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 0.9;
    this.b = options.b ?? 0.4;
    this.stemming = options.stemming ?? 'none';
    if (!(this.k1 >= 0) || !(this.b >= 0 && this.b <= 1)) throw new RangeError('BM25 needs k1 >= 0 and b in [0, 1]');
    this.docs = corpus.map((doc) => {
      const tokens = bm25Tokens(`${doc.title}\n${doc.text}`, this.stemming);
      const tf = new Map<string, number>();
      for (const token of tokens) tf.set(token, (tf.get(token) ?? 0) + 1);
      for (const token of tf.keys()) this.df.set(token, (this.df.get(token) ?? 0) + 1);
      return { id: doc.id, length: tokens.length, tf };
    });
    this.averageLength = this.docs.reduce((sum, doc) => sum + doc.length, 0) / Math.max(1, this.docs.length);
  }

  /** Lucene's idf: ln(1 + (N - df + 0.5) / (df + 0.5)), always positive. */
  idf(term: string): number {
    const df = this.df.get(term) ?? 0;
    return Math.log(1 + (this.docs.length - df + 0.5) / (df + 0.5));
  }

  /** Documents matching at least one query term, best first (score, then id as trec_eval orders ties). */
  search(query: string, topK = 100): ScoredDocument[] {
    const terms = bm25Tokens(query, this.stemming);
    const scored: ScoredDocument[] = [];
    for (const doc of this.docs) {
      const norm = this.k1 * (1 - this.b + (this.b * doc.length) / (this.averageLength || 1));
      let score = 0;
      // A repeated query term counts once per occurrence, as in a Lucene BooleanQuery of SHOULD clauses.
      for (const term of terms) {
        const tf = doc.tf.get(term) ?? 0;
        if (tf > 0) score += this.idf(term) * ((tf * (this.k1 + 1)) / (tf + norm));
      }
      if (score > 0) scored.push({ id: doc.id, score });
    }
    return scored.sort((x, y) => y.score - x.score || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0)).slice(0, topK);
  }
}

/** BM25's run over every judged query of a dataset, scored exactly as the service's runs are. */
export function runBm25Retrieval(dataset: BeirDataset, ks: number[], depth: number, options: Bm25Options = {}): RetrievalRun {
  const started = performance.now();
  const index = new Bm25Index(dataset.corpus, options);
  const cpuStart = process.cpuUsage();
  const perQuery: QueryOutcome[] = dataset.queries.map((query) => {
    const t0 = performance.now();
    const run = index.search(query.text, depth);
    const latencyMs = performance.now() - t0;
    const scoreById = new Map(run.map((entry) => [entry.id, entry.score]));
    return {
      queryId: query.id,
      ranking: rankByScore(run).map((id) => ({ id, score: scoreById.get(id) ?? 0 })),
      ...scoreQuery(run, dataset.qrels.get(query.id) ?? new Map<string, number>(), ks),
      latencyMs,
    };
  });
  const cpuMsPerQuery = cpuMsPer(cpuStart, perQuery.length);
  return { metrics: summarize(perQuery, ks), perQuery, totalMs: performance.now() - started, cpuMsPerQuery };
}
