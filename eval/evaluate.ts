import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AppConfig, loadConfig } from '../shared/config/config';
import type { Services } from '../shared/pipeline/services';
import { type BeirDataset, type BeirQuery, loadBeirDataset, loadQaFile, parseQueries, type QaItem } from './beir';
import { runBm25Retrieval } from './baselines/bm25';
import { bulkIngest } from './bulk-ingest';
import { UsageError } from './errors';
import { type EvalRuntime, openEvalRuntime } from './eval-runtime';
import type { Progress } from './progress';
import { type AbstentionMetrics, type AbstentionOutcome, type QaMetrics, type QaOutcome, runAbstention, runQa, summarizeAbstention } from './run-qa';
import { type QueryOutcome, type RetrievalMetrics, runRetrieval } from './run-retrieval';

/**
 * One evaluation: load a BEIR dataset, build an isolated index in a temp folder (never the user's .rag/),
 * rank every judged query as the query state machine does (eval/run-retrieval.ts), optionally answer a QA file
 * through the query state machine itself, and report.
 */
export interface EvaluateOptions {
  datasetDir: string;
  split?: string;
  ks?: number[];
  /** QA file; undefined = use <dataset>/questions.jsonl when present; null = no QA. */
  qaFile?: string | null;
  /** Environment the configuration is read from (adapters, chunker, candidates...). Storage is always a temp folder. */
  env?: Record<string, string | undefined>;
  progress?: Progress;
  /** 'bm25': also score the reference BM25 (BM25_REFERENCE) on the same files, in-process, beside the service. */
  baseline?: 'bm25';
  /**
   * Questions the corpus cannot answer, in queries.jsonl format ({"_id", "text"}): e.g. another collection's
   * queries.jsonl. undefined = <dataset>/unanswerable.jsonl when present; null = no abstention run.
   */
  unanswerableFile?: string | null;
}

/**
 * The BM25 the dataset README's reference figures were computed with: Lucene-style, k1 0.9, b 0.4, English
 * stopwords, Porter stemming, title + text. On these files it gives nDCG@10 0.3415 (Cranfield; README 0.342)
 * and 0.2883 (NFCorpus dev; README 0.290) — measured 2026-11-30.
 */
export const BM25_REFERENCE = { k1: 0.9, b: 0.4, stemming: 'porter' } as const;

export interface BaselineReport {
  name: string;
  retrieval: RetrievalMetrics & { totalMs: number };
}

export interface EvalConfiguration {
  embedder: { modelId: string; dimensions: number };
  chunker: { configId: string; size: number; overlap: number };
  reranker: string;
  vectorStore: string;
  hybrid?: Record<string, number>;
  candidates: number;
  /** Chunks requested per query for the retrieval metrics (the request's topK). */
  retrievalDepth: number;
  /** topK of QA requests (the service default). */
  qaTopK: number;
  minRelevance: number;
  generator: string;
  guardrail: string;
  promptVersion: string;
}

export interface EvalReport {
  dataset: { name: string; dir: string; split: string; stats: BeirDataset['stats']; evaluatedQueries: number };
  configuration: EvalConfiguration;
  ingestion: {
    documents: number;
    chunks: number;
    skippedDocuments: number;
    ms: number;
    chunksPerSecond: number;
    embeddingTokens: number;
    timings: Record<string, number>;
  };
  /** `cpuMsPerQuery`: process CPU per query of the ranking path, all threads (run-retrieval.ts). */
  retrieval: RetrievalMetrics & { totalMs: number; cpuMsPerQuery: number };
  baseline?: BaselineReport;
  qa?: QaMetrics & { file: string; totalMs: number };
  /** With a QA file or an unanswerable set: answered-when-answerable and abstained-when-not. */
  abstention?: AbstentionMetrics & { totalMs: number };
  timing: { totalMs: number; startedAt: string; finishedAt: string };
  machine: { cpus: number; node: string; platform: string };
  perQuery: QueryOutcome[];
  perQuestion?: QaOutcome[];
  perAbstention?: AbstentionOutcome[];
}

export const DEFAULT_KS = [1, 3, 5, 10, 100];
/** The request schema caps topK at 100 (RAG_MAX_TOP_K), so 100 is the deepest cut-off the service can answer. */
export const MAX_DEPTH = 100;
export const EVAL_TENANT = 'eval';

/** The configuration under test, with storage redirected to `dir` and the query depth the metrics need. */
export function evalConfig(env: Record<string, string | undefined>, dir: string, depth: number): AppConfig {
  const base = loadConfig(env);
  return loadConfig({
    ...env,
    RAG_DATA_DIR: dir,
    RAG_DOCUMENTS_DIR: path.join(dir, 'documents'),
    RAG_BLOB_STORE: 'filesystem',
    RAG_VECTOR_STORE: 'lancedb',
    RAG_SAMPLES: 'off',
    RAG_WATCH: 'off',
    RAG_REINDEX_INTERVAL_SECONDS: '0',
    RAG_WORKFLOWS: 'local',
    RAG_MAX_TOP_K: String(Math.max(depth, base.query.maxTopK)),
    RAG_CANDIDATES: String(Math.max(depth, base.query.candidates)),
  });
}

/** Hybrid settings of the vector store, when the adapter exposes them (the LanceDB store keeps them on `hybrid`). */
function hybridOf(store: unknown): Record<string, number> | undefined {
  const value: unknown = typeof store === 'object' && store !== null ? Reflect.get(store, 'hybrid') : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export function describeConfiguration(services: Services, depth: number): EvalConfiguration {
  const { config } = services;
  const hybrid = hybridOf(services.vectors);
  return {
    embedder: { modelId: services.embedder.modelId, dimensions: services.embedder.dimensions },
    chunker: { configId: services.chunker.configId, size: config.ingestion.chunkSize, overlap: config.ingestion.chunkOverlap },
    reranker: services.reranker?.modelId ?? 'none',
    vectorStore: config.adapters.vectorStore,
    ...(hybrid ? { hybrid } : {}),
    candidates: config.query.candidates,
    retrievalDepth: depth,
    qaTopK: config.query.defaultTopK,
    minRelevance: config.query.minRelevance,
    generator: services.generator.modelId,
    guardrail: config.adapters.guardrail,
    promptVersion: config.query.promptVersion,
  };
}

export function validateKs(ks: number[]): number[] {
  if (ks.length === 0) throw new UsageError('--k needs at least one cut-off');
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k > MAX_DEPTH) throw new UsageError(`--k values must be integers from 1 to ${MAX_DEPTH}, got ${k}`);
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

async function resolveQa(options: EvaluateOptions, dataset: BeirDataset): Promise<{ file: string; items: QaItem[] } | undefined> {
  if (options.qaFile === null) return undefined;
  if (options.qaFile !== undefined) return { file: path.resolve(options.qaFile), items: await loadQaFile(options.qaFile) };
  const candidate = path.join(dataset.dir, 'questions.jsonl');
  try {
    return { file: candidate, items: await loadQaFile(candidate) };
  } catch (error) {
    if (error instanceof Error && /missing QA file/.test(error.message)) return undefined;
    throw error;
  }
}

async function resolveUnanswerable(options: EvaluateOptions, dataset: BeirDataset): Promise<{ file: string; questions: BeirQuery[] } | undefined> {
  if (options.unanswerableFile === null) return undefined;
  const file = path.resolve(options.unanswerableFile ?? path.join(dataset.dir, 'unanswerable.jsonl'));
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    if (options.unanswerableFile === undefined && error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the unanswerable questions ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { file, questions: parseQueries(content, file) };
}

/**
 * The abstention run. Answerable: the QA file's questions (their outcomes are reused), else the dataset's
 * queries with at least one relevant judgement, each asked through the query state machine. Unanswerable:
 * the given questions, asked the same way. Ids are prefixed so the two sets never collide.
 */
async function abstentionRun(
  runtime: EvalRuntime,
  dataset: BeirDataset,
  qaOutcomes: readonly QaOutcome[] | undefined,
  unanswerable: { file: string; questions: BeirQuery[] } | undefined,
  progress: Progress | undefined,
): Promise<{ metrics: AbstentionMetrics & { totalMs: number }; outcomes: AbstentionOutcome[] }> {
  const t0 = performance.now();
  const answerableQueries = qaOutcomes ? [] : dataset.queries.filter((q) => [...(dataset.qrels.get(q.id)?.values() ?? [])].some((grade) => grade > 0));
  const questions = [
    ...answerableQueries.map((q) => ({ id: `answerable:${q.id}`, text: q.text, answerable: true })),
    ...(unanswerable?.questions ?? []).map((q) => ({ id: `unanswerable:${q.id}`, text: q.text, answerable: false })),
  ];
  progress?.start('abstention', questions.length);
  const asked = await runAbstention(runtime.runQuery, questions, { tenant: EVAL_TENANT, onProgress: () => progress?.tick() });
  progress?.done();
  const fromQa: AbstentionOutcome[] = (qaOutcomes ?? []).map((o) => ({
    id: `answerable:${o.id}`,
    answerable: true,
    abstained: o.abstained,
    latencyMs: o.latencyMs,
    ...(o.error !== undefined ? { error: o.error } : {}),
  }));
  const outcomes = [...fromQa, ...asked];
  return { metrics: { ...summarizeAbstention(outcomes, qaOutcomes ? 'qa' : 'queries', unanswerable?.file), totalMs: performance.now() - t0 }, outcomes };
}

function bm25Baseline(dataset: BeirDataset, ks: number[], depth: number): BaselineReport {
  const run = runBm25Retrieval(dataset, ks, depth, BM25_REFERENCE);
  return {
    name: `BM25 (Lucene-style, k1 ${BM25_REFERENCE.k1}, b ${BM25_REFERENCE.b}, Porter stemming, title + text)`,
    retrieval: { ...run.metrics, totalMs: run.totalMs },
  };
}

export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const started = new Date();
  const t0 = performance.now();
  const ks = validateKs(options.ks ?? DEFAULT_KS);
  const depth = MAX_DEPTH;
  const progress = options.progress;
  const dataset = await loadBeirDataset(options.datasetDir, options.split ?? 'test');
  const qa = await resolveQa(options, dataset);
  const unanswerable = await resolveUnanswerable(options, dataset);
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-eval-'));
  let runtime: EvalRuntime | undefined;
  try {
    const config = evalConfig(options.env ?? {}, dir, depth);
    runtime = await openEvalRuntime(config);
    const { services } = runtime;
    if (services.generator.mode === 'knowledge-base') {
      throw new UsageError(
        'The knowledge-base generator retrieves from its Knowledge Base, not from the index the evaluation builds: evaluate it with RAG_GENERATOR=extractive or bedrock-converse',
      );
    }
    const keyPrefix = `${EVAL_TENANT}/${dataset.name}/`;

    progress?.start('ingest', dataset.corpus.length);
    let reported = 0;
    const ingestion = await bulkIngest(services, dataset.corpus, {
      tenant: EVAL_TENANT,
      keyPrefix,
      onProgress: (done) => {
        progress?.tick(done - reported);
        reported = done;
      },
    });
    progress?.done();

    progress?.start('retrieve', dataset.queries.length);
    const retrieval = await runRetrieval(services, dataset.queries, dataset.qrels, ingestion.datasetIdByChunkId, {
      tenant: EVAL_TENANT,
      ks,
      depth,
      onProgress: () => progress?.tick(),
    });
    progress?.done();

    let qaResult: Awaited<ReturnType<typeof runQa>> | undefined;
    if (qa) {
      progress?.start('qa', qa.items.length);
      qaResult = await runQa(runtime.runQuery, qa.items, {
        tenant: EVAL_TENANT,
        keyPrefix,
        datasetIdByChunkId: ingestion.datasetIdByChunkId,
        onProgress: () => progress?.tick(),
      });
      progress?.done();
    }

    const abstention = qaResult || unanswerable ? await abstentionRun(runtime, dataset, qaResult?.perQuestion, unanswerable, progress) : undefined;

    const baseline = options.baseline === 'bm25' ? bm25Baseline(dataset, ks, depth) : undefined;
    const finished = new Date();
    return {
      ...(baseline ? { baseline } : {}),
      dataset: { name: dataset.name, dir: dataset.dir, split: dataset.split, stats: dataset.stats, evaluatedQueries: dataset.queries.length },
      configuration: describeConfiguration(services, depth),
      ingestion: {
        documents: ingestion.documents,
        chunks: ingestion.chunks,
        skippedDocuments: ingestion.skippedDocuments,
        ms: ingestion.timings.totalMs,
        chunksPerSecond: ingestion.chunks / Math.max(ingestion.timings.totalMs / 1000, 1e-9),
        embeddingTokens: ingestion.embeddingTokens,
        timings: { ...ingestion.timings },
      },
      retrieval: { ...retrieval.metrics, totalMs: retrieval.totalMs, cpuMsPerQuery: retrieval.cpuMsPerQuery },
      ...(qa && qaResult ? { qa: { ...qaResult.metrics, file: qa.file, totalMs: qaResult.totalMs }, perQuestion: qaResult.perQuestion } : {}),
      ...(abstention ? { abstention: abstention.metrics, perAbstention: abstention.outcomes } : {}),
      timing: { totalMs: performance.now() - t0, startedAt: started.toISOString(), finishedAt: finished.toISOString() },
      machine: { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
      perQuery: retrieval.perQuery,
    };
  } finally {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
