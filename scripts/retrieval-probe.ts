/**
 * Quick retrieval experiment (not the real `npm run eval`): ingests a BEIR collection (title + text as one chunk
 * per document) into a temporary LanceDB table and prints nDCG@10 (linear gain, as trec_eval / pytrec_eval),
 * Recall@100 and MRR@10 for vector only, BM25, BM25 + RM3, hybrid variants and the defaults, each with and
 * without the reranker, plus query and rerank latency percentiles.
 * Usage: npx tsx scripts/retrieval-probe.ts [datasetDir] [--dims 512] [--variants]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexedChunk, ScoredChunk } from '../shared/documents/chunk';
import { LocalEmbedder } from '../shared/embeddings/local-embedder';
import { LocalReranker } from '../shared/rerank/local-reranker';
import { DEFAULT_HYBRID, type HybridOptions, LanceDbVectorStore } from '../shared/vectors/lancedb-store';

interface Judged {
  queries: Array<{ id: string; text: string }>;
  qrels: Map<string, Map<string, number>>;
}

function readJsonl(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function loadJudged(dir: string): Judged {
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(join(dir, 'qrels', 'test.tsv'), 'utf8')
    .split('\n')
    .slice(1)) {
    const [queryId, docId, score] = line.split('\t');
    if (!queryId || !docId || score === undefined) continue;
    const grades = qrels.get(queryId) ?? new Map<string, number>();
    grades.set(docId, Number(score));
    qrels.set(queryId, grades);
  }
  const queries = readJsonl(join(dir, 'queries.jsonl'))
    .map((row) => ({ id: String(row._id), text: String(row.text ?? '') }))
    .filter((query) => qrels.has(query.id));
  return { queries, qrels };
}

function ndcgAt10(ranked: string[], grades: Map<string, number>): number {
  let dcg = 0;
  ranked.slice(0, 10).forEach((id, i) => {
    dcg += (grades.get(id) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...grades.values()].filter((grade) => grade > 0).sort((a, b) => b - a);
  let idcg = 0;
  ideal.slice(0, 10).forEach((grade, i) => {
    idcg += grade / Math.log2(i + 2);
  });
  return idcg > 0 ? dcg / idcg : 0;
}

function recallAt(ranked: string[], grades: Map<string, number>, k: number): number {
  const relevant = [...grades].filter(([, grade]) => grade > 0).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

function mrrAt10(ranked: string[], grades: Map<string, number>): number {
  const index = ranked.slice(0, 10).findIndex((id) => (grades.get(id) ?? 0) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((arg) => !arg.startsWith('--')) ?? join(__dirname, '..', '..', 'shared', 'datasets', 'cranfield');
  const dimsFlag = args.indexOf('--dims');
  const dimensions = dimsFlag >= 0 ? Number(args[dimsFlag + 1]) : 512;
  const judged = loadJudged(dir);
  const corpus = readJsonl(join(dir, 'corpus.jsonl'));
  const embedder = new LocalEmbedder({ dimensions });
  const workDir = mkdtempSync(join(tmpdir(), 'retrieval-probe-'));
  const started = Date.now();
  try {
    const store = await LanceDbVectorStore.open({ directory: workDir, dimensions });
    for (let offset = 0; offset < corpus.length; offset += embedder.batchSize) {
      const batch = corpus.slice(offset, offset + embedder.batchSize);
      const texts = batch.map((row) => `${String(row.title ?? '')}\n${String(row.text ?? '')}`);
      const { vectors } = await embedder.embed(texts, 'document');
      const chunks: IndexedChunk[] = batch.map((row, i) => ({
        tenant: 'probe',
        documentId: String(row._id),
        key: `probe/${String(row._id)}`,
        version: 'v',
        contentType: 'text/plain',
        fingerprint: 'f',
        id: String(row._id),
        index: 0,
        text: String(row.text ?? ''),
        title: String(row.title ?? ''),
        location: { start: 0, end: String(row.text ?? '').length },
        vector: vectors[i] as number[],
      }));
      await store.upsert(chunks);
    }
    const ingestMs = Date.now() - started;
    await store.close();

    // Named store configurations; every one except vector-only is also measured after reranking.
    const base = { ...DEFAULT_HYBRID, candidateDepth: 100 };
    const modes: Record<string, Partial<HybridOptions>> = {
      vector: { vectorWeight: 1, textWeight: 0 },
      bm25: { vectorWeight: 0, feedback: false },
      'bm25+rm3': { vectorWeight: 0 },
      'hybrid rrf 1:1': { vectorWeight: 1, fusion: 'rrf', feedback: false },
      default: {},
      ...(args.includes('--variants')
        ? {
            'hybrid score v.25 (no rm3)': { feedback: false },
            'hybrid rrf v.25 +rm3': { fusion: 'rrf' },
            'hybrid rrf 1:1 +rm3': { fusion: 'rrf', vectorWeight: 1 },
            'hybrid score v.1 +rm3': { vectorWeight: 0.1 },
            'hybrid score v.5 +rm3': { vectorWeight: 0.5 },
            'hybrid score v1 +rm3': { vectorWeight: 1 },
          }
        : {}),
    };
    const reranker = new LocalReranker();
    const results: Record<string, { ndcg10: number; recall100: number; mrr10: number }> = {};
    const latencies: Record<string, number[]> = {};
    const accumulate = (name: string, ranked: string[], grades: Map<string, number>): void => {
      const entry = results[name] ?? { ndcg10: 0, recall100: 0, mrr10: 0 };
      entry.ndcg10 += ndcgAt10(ranked, grades) / judged.queries.length;
      entry.recall100 += recallAt(ranked, grades, 100) / judged.queries.length;
      entry.mrr10 += mrrAt10(ranked, grades) / judged.queries.length;
      results[name] = entry;
    };
    const time = (name: string, ms: number): void => {
      const values = latencies[name] ?? [];
      values.push(ms);
      latencies[name] = values;
    };
    for (const [name, hybrid] of Object.entries(modes)) {
      const modeStore = await LanceDbVectorStore.open({ directory: workDir, dimensions, hybrid: { ...base, ...hybrid } });
      for (const query of judged.queries) {
        const grades = judged.qrels.get(query.id) as Map<string, number>;
        const t0 = performance.now();
        const [vector] = (await embedder.embed([query.text], 'query')).vectors;
        const hits: ScoredChunk[] = await modeStore.query({ tenant: 'probe', vector: vector as number[], text: query.text, topK: 100 });
        time(name, performance.now() - t0);
        accumulate(
          name,
          hits.map((hit) => hit.chunk.id),
          grades,
        );
        if (name !== 'vector') {
          const t1 = performance.now();
          const reranked = await reranker.rerank(query.text, hits, 100);
          time('rerank', performance.now() - t1);
          accumulate(
            `${name} +rerank`,
            reranked.map((hit) => hit.chunk.id),
            grades,
          );
        }
      }
      await modeStore.close();
    }
    const round = (value: number): number => Math.round(value * 1000) / 1000;
    const table = Object.fromEntries(
      Object.entries(results).map(([name, m]) => [name, { ndcg10: round(m.ndcg10), recall100: round(m.recall100), mrr10: round(m.mrr10) }]),
    );
    console.log(
      JSON.stringify(
        {
          dataset: dir,
          documents: corpus.length,
          queries: judged.queries.length,
          dimensions,
          ingestMs,
          latencyMs: Object.fromEntries(
            Object.entries(latencies).map(([name, values]) => [name, { p50: round(percentile(values, 0.5)), p95: round(percentile(values, 0.95)) }]),
          ),
          results: table,
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
