import type { Dirent } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import type { AppConfig } from '../shared/config/config';
import { benchConfig } from './bench-config';
import type { Chunk } from '../shared/documents/chunk';
import type { Services } from '../shared/pipeline/services';
import { extractOptionsFrom, extractText } from '../shared/documents/extract';
import { documentIdFor } from '../shared/documents/identity';
import { lambdaContext } from '../local/lambda-context';
import { startLocalRuntime } from '../local/runtime';
import { s3Event } from '../local/watcher';
import { estimateTokens } from '../shared/embeddings/tokenizer';
import { costOf, totalCost } from '../shared/models/aws-prices';
import { startIngestion } from '../shared/pipeline/start-ingestion';
import { LanceDbVectorStore } from '../shared/vectors/lancedb-store';
import { BedrockRuntimeEmulator } from '../tests/emulators/bedrock-runtime-emulator';
import { QuotaProxy } from './quota-proxy';
import { SyntheticText, seededRandom } from './synthetic';
import { formatTable, round } from './table';

/**
 * Ingestion bench: N synthetic Markdown documents dropped into the documents folder of the local service, each
 * started as the object-created trigger starts it (the same ASL ingest state machine, Map over embedding batches,
 * retries),
 * with the Bedrock Titan embedder talking to the Bedrock Runtime emulator through a quota proxy. Reports
 * chunks/s, how much of the quota was used, throttles seen, and checks that every chunk reached the index.
 */
export interface IngestBenchOptions {
  documents: number;
  /** Characters per document (about chunkSize - overlap per chunk). */
  documentChars: number;
  quotaRequestsPerMinute: number;
}

export interface IngestBenchResult {
  documents: number;
  indexedDocuments: number;
  failedDocuments: number;
  expectedChunks: number;
  indexedChunks: number;
  lostChunks: number;
  /** Ingest executions that ended in error (error names only). */
  workflowFailures: string[];
  seconds: number;
  chunksPerSecond: number;
  embedder: { modelId: string; clientRateLimitRps: number; concurrency: number };
  quota: {
    requestsPerMinute: number;
    acceptedRequests: number;
    throttledRequests: number;
    /** Accepted requests per minute over the whole ingestion. */
    achievedRequestsPerMinute: number;
    /** achieved / quota over the whole ingestion (includes pipeline start-up and the tail). */
    utilisation: number;
    /** achieved / quota between the first and the last embedding request. */
    utilisationWhileEmbedding: number;
  };
}

const CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

function syntheticMarkdown(text: SyntheticText, index: number, chars: number): string {
  return `# Synthetic report ${index}\n\n${text.passage(chars)}\n`;
}

/**
 * Writes one synthetic document into the documents folder and returns its chunks as the service's own
 * extractor and chunker make them: what the run must index, computed independently of the run.
 */
async function writeDocument(config: AppConfig, services: Pick<Services, 'chunker'>, tenant: string, key: string, body: string): Promise<Chunk[]> {
  const file = path.join(config.local.documentsDir, key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
  const extracted = await extractText(Buffer.from(body), key, extractOptionsFrom(config.ingestion, 'text/markdown'));
  return services.chunker.chunk(extracted, { documentId: documentIdFor(tenant, key), fingerprint: 'expected' });
}

export async function runIngestBench(options: IngestBenchOptions, log: (line: string) => void = () => undefined): Promise<IngestBenchResult> {
  // The SDK needs some credentials to sign requests; these only ever reach the local emulator.
  const saved = Object.fromEntries(CREDENTIALS.map((name) => [name, process.env[name]]));
  process.env.AWS_ACCESS_KEY_ID = 'bench';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  delete process.env.AWS_SESSION_TOKEN;

  const emulator = new BedrockRuntimeEmulator();
  const proxy = new QuotaProxy(await emulator.start(), options.quotaRequestsPerMinute);
  const endpoint = await proxy.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-bench-ingest-'));
  const rps = options.quotaRequestsPerMinute / 60;
  const config = benchConfig(dir, {
    RAG_EMBEDDER: 'bedrock-titan',
    RAG_EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
    RAG_EMBEDDING_DIMENSIONS: '512',
    AWS_REGION: 'us-east-1',
    RAG_BEDROCK_ENDPOINT: endpoint,
    // The client-side limiter is set to the quota, as an operator would configure it.
    RAG_EMBED_RPS: String(rps),
  });
  const runtime = await startLocalRuntime(config);
  try {
    const { services } = runtime;
    const tenant = config.tenancy.defaultTenant;
    const text = new SyntheticText(seededRandom(7));
    const keys: string[] = [];
    let expectedChunks = 0;
    for (let i = 0; i < options.documents; i += 1) {
      const key = `${tenant}/bench/report-${String(i).padStart(4, '0')}.md`;
      keys.push(key);
      expectedChunks += (await writeDocument(config, services, tenant, key, syntheticMarkdown(text, i, options.documentChars))).length;
    }
    log(`ingest: ${options.documents} documents (${expectedChunks} chunks) against a quota of ${options.quotaRequestsPerMinute} requests/min`);

    const started = performance.now();
    // What the object-created trigger does for each file: mark it PENDING and start its ingest execution.
    for (const key of keys) {
      const head = await services.documents.head(key);
      await startIngestion(services, { tenant, key, action: 'upsert', etag: head?.etag, reason: 'upload' });
    }
    await runtime.settle();
    const seconds = (performance.now() - started) / 1000;

    let indexedDocuments = 0;
    let failedDocuments = 0;
    let indexedChunks = 0;
    for (const key of keys) {
      const documentId = documentIdFor(tenant, key);
      const manifest = await services.manifests.get(tenant, documentId);
      const stored = await services.vectors.countDocument(tenant, documentId);
      indexedChunks += stored;
      if (manifest?.status === 'INDEXED' && manifest.chunkCount === stored) indexedDocuments += 1;
      else failedDocuments += 1;
    }
    const { accepted, throttled, firstAcceptedAt, lastAcceptedAt } = proxy.stats;
    const activeSeconds = firstAcceptedAt !== undefined && lastAcceptedAt !== undefined ? (lastAcceptedAt - firstAcceptedAt) / 1000 : 0;
    const achievedPerMinute = (accepted / seconds) * 60;
    // n requests spaced evenly over t seconds is a rate of (n - 1) / t.
    const activePerMinute = activeSeconds > 0 ? ((accepted - 1) / activeSeconds) * 60 : 0;
    return {
      documents: options.documents,
      indexedDocuments,
      failedDocuments,
      expectedChunks,
      indexedChunks,
      lostChunks: expectedChunks - indexedChunks,
      workflowFailures: runtime.workflows.failures.map((failure) => failure.error),
      seconds: round(seconds),
      chunksPerSecond: round(indexedChunks / seconds),
      embedder: { modelId: services.embedder.modelId, clientRateLimitRps: round(rps, 3), concurrency: config.ingestion.embedConcurrency },
      quota: {
        requestsPerMinute: options.quotaRequestsPerMinute,
        acceptedRequests: accepted,
        throttledRequests: throttled,
        achievedRequestsPerMinute: round(achievedPerMinute, 1),
        utilisation: round(achievedPerMinute / options.quotaRequestsPerMinute, 3),
        utilisationWhileEmbedding: round(activePerMinute / options.quotaRequestsPerMinute, 3),
      },
    };
  } finally {
    await runtime.stop();
    await proxy.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
    for (const name of CREDENTIALS) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export function formatIngestBench(result: IngestBenchResult): string {
  const q = result.quota;
  return [
    `Ingestion: ${result.documents} documents through the ingest state machine, ${result.embedder.modelId} via the Bedrock emulator behind a ${q.requestsPerMinute}/min quota`,
    formatTable(
      ['chunks', 'indexed', 'lost', 'failed docs', 'seconds', 'chunks/s', 'requests', 'throttled', 'achieved/min', 'utilisation', 'while embedding'],
      [
        [
          result.expectedChunks,
          result.indexedChunks,
          result.lostChunks,
          result.failedDocuments,
          result.seconds,
          result.chunksPerSecond,
          q.acceptedRequests,
          q.throttledRequests,
          q.achievedRequestsPerMinute,
          q.utilisation,
          q.utilisationWhileEmbedding,
        ],
      ],
    ),
  ].join('\n');
}

/**
 * Burst mode: many tiny files through the local ingest state machine, started as the folder watcher starts them
 * (an S3 "Object Created" event per file to the trigger handler), with the default embedded stack. Reports the
 * completion rate per corpus-size bucket (does one more document cost the same at 100 and at 10,000 indexed?),
 * RSS and the index folder's bytes per bucket, at the end and after a quiet period (old versions are cleaned up
 * once no reader can need them), bytes per indexed chunk, what holds memory at the RSS peak, and what the same
 * executions would cost on AWS, from the billable units counted on this run and the published prices in
 * shared/models/aws-prices.ts.
 */
export interface IngestBurstOptions {
  documents: number;
  /** Characters per document: small enough for one chunk. */
  documentChars: number;
  /** Documents per rate bucket. */
  bucketSize: number;
  /**
   * Seconds to wait after the burst before the last disk and memory figures (default 40): longer than the index's
   * version retention (10 s), its idle delay and the cleanup passes that follow, so they show what stays once the cleanup has run.
   */
  quietSeconds?: number;
}

/** Where resident memory sits at one moment (MB): the JS heap, buffers outside it, LanceDB's caches. */
export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  /** Memory of C++ objects bound to JS objects, including array buffers. */
  externalMb: number;
  arrayBuffersMb: number;
  /** LanceDB's index and metadata caches; undefined with another vector store. */
  lancedbCacheMb: number | undefined;
}

export interface BurstBucket {
  /** Documents already indexed when the bucket started. */
  from: number;
  to: number;
  seconds: number;
  documentsPerSecond: number;
  /** Index folder bytes when the bucket ended. */
  indexBytes: number;
  /** Resident memory when the bucket ended (MB). */
  rssMb: number;
}

export interface IngestBurstResult {
  documents: number;
  indexedDocuments: number;
  failedExecutions: number;
  /** Error names of the failed executions. */
  workflowFailures: string[];
  seconds: number;
  documentsPerSecond: number;
  buckets: BurstBucket[];
  /** Last bucket's rate over the first's: 1 when cost does not grow with the corpus. */
  lastToFirstBucketRate: number;
  rssMb: { start: number; peak: number; end: number; afterQuiet: number };
  /** Memory at the RSS peak, by where it sits. */
  atPeak: MemorySample;
  indexBytes: number;
  /** Index folder bytes after `quietSeconds` without writes. */
  indexBytesAfterQuiet: number;
  quietSeconds: number;
  /** Chunks in the index at the end. */
  indexedChunks: number;
  /** Index folder bytes per indexed chunk, at the end and after the quiet period. */
  bytesPerChunk: { end: number; afterQuiet: number };
  perDocument: { stateTransitions: number; lambdaInvocations: number; lambdaGbSeconds: number; embeddingTokens: number; s3VectorsPutRequests: number };
  awsCostPer1000Documents: AwsIngestCost;
}

export interface AwsIngestCost {
  stepFunctionsStandard: number | undefined;
  stepFunctionsExpressRequests: number | undefined;
  lambdaRequests: number | undefined;
  lambdaDurationArm64: number | undefined;
  titanEmbeddings: number | undefined;
  s3VectorsPuts: number | undefined;
  /** Standard workflow total; undefined (with the unpriced parts named) when a price is unknown. */
  total: number | undefined;
  unpriced: string[];
  /** What comparable open projects publish, as they state it (monthly, per 1,000 documents): their claim, not measured here. */
  comparableProjectsClaimUsdPerMonth: [number, number];
}

/** Memory configured per function in serverless.yml (the provider default when a function sets none). */
export function lambdaMemoryMb(serverlessYml: string): { defaultMb: number; byFunction: Map<string, number> } {
  const defaultMb = Number(/^provider:[\s\S]*?^ {2}memorySize: (\d+)/m.exec(serverlessYml)?.[1] ?? 1024);
  const byFunction = new Map<string, number>();
  const functionsAt = serverlessYml.search(/^functions:/m);
  if (functionsAt >= 0) {
    const section = serverlessYml.slice(functionsAt).split(/^\S/m)[1] ?? '';
    for (const block of section.split(/^ {2}(?=[\w-]+:\s*$)/m)) {
      const name = /^([\w-]+):/.exec(block)?.[1];
      const memory = /^ {4}memorySize: (\d+)/m.exec(block)?.[1];
      if (name && memory) byFunction.set(name, Number(memory));
    }
  }
  return { defaultMb, byFunction };
}

/** Per-bucket completion rates from the ordered completion times (ms) of a run that started at `startedAt`. */
export function rateBuckets(completedAt: number[], startedAt: number, bucketSize: number): Omit<BurstBucket, 'indexBytes' | 'rssMb'>[] {
  const buckets: Omit<BurstBucket, 'indexBytes' | 'rssMb'>[] = [];
  for (let from = 0; from < completedAt.length; from += bucketSize) {
    const to = Math.min(from + bucketSize, completedAt.length);
    const begin = from === 0 ? startedAt : (completedAt[from - 1] as number);
    const seconds = ((completedAt[to - 1] as number) - begin) / 1000;
    buckets.push({ from, to, seconds: round(seconds), documentsPerSecond: round(seconds > 0 ? (to - from) / seconds : 0) });
  }
  return buckets;
}

/** AWS cost of 1,000 documents from per-document billable units (ingestion only, one-off; storage not included). */
export function awsIngestCost(perDocument: IngestBurstResult['perDocument'], vectorBytesPerDocument: number): AwsIngestCost {
  const n = 1000;
  // Each PutVectors request is billed at least 128 KB (see the price's source).
  const putGb = (perDocument.s3VectorsPutRequests * Math.max(128 * 1024, vectorBytesPerDocument / Math.max(1, perDocument.s3VectorsPutRequests))) / 1024 ** 3;
  const parts = [
    { name: 'stepFunctionsStandardTransitions', cost: costOf('stepFunctionsStandardTransitions', perDocument.stateTransitions * n) },
    { name: 'lambdaRequests', cost: costOf('lambdaRequests', perDocument.lambdaInvocations * n) },
    { name: 'lambdaGbSecondsArm64', cost: costOf('lambdaGbSecondsArm64', perDocument.lambdaGbSeconds * n) },
    { name: 'bedrockTitanEmbedV2InputTokens', cost: costOf('bedrockTitanEmbedV2InputTokens', perDocument.embeddingTokens * n) },
    { name: 's3VectorsPutGb', cost: costOf('s3VectorsPutGb', putGb * n) },
  ] as const;
  const total = totalCost([...parts]);
  return {
    stepFunctionsStandard: parts[0].cost,
    stepFunctionsExpressRequests: costOf('stepFunctionsExpressRequests', n),
    lambdaRequests: parts[1].cost,
    lambdaDurationArm64: parts[2].cost,
    titanEmbeddings: parts[3].cost,
    s3VectorsPuts: parts[4].cost,
    total: total.usd,
    unpriced: total.unpriced,
    comparableProjectsClaimUsdPerMonth: [7, 10],
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(file);
    else if (entry.isFile()) total += (await stat(file).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

function memorySample(vectors: unknown): MemorySample {
  const usage = process.memoryUsage();
  return {
    rssMb: mb(usage.rss),
    heapUsedMb: mb(usage.heapUsed),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
    lancedbCacheMb: vectors instanceof LanceDbVectorStore ? mb(vectors.cacheSizeBytes()) : undefined,
  };
}

export async function runIngestBurst(options: IngestBurstOptions, log: (line: string) => void = () => undefined): Promise<IngestBurstResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-bench-burst-'));
  const config = benchConfig(dir, {
    // The memory knob under test, when given (e.g. RAG_LANCEDB_CACHE_MB=64 npm run bench -- ingest --burst 10000).
    ...(process.env.RAG_LANCEDB_CACHE_MB ? { RAG_LANCEDB_CACHE_MB: process.env.RAG_LANCEDB_CACHE_MB } : {}),
  });
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  let atPeak: MemorySample = memorySample(undefined);
  let vectors: unknown;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > rssPeak) {
      rssPeak = rss;
      atPeak = memorySample(vectors);
    }
  }, 100);
  const runtime = await startLocalRuntime(config);
  try {
    await runtime.settle();
    const { services } = runtime;
    vectors = services.vectors;
    const tenant = config.tenancy.defaultTenant;
    const text = new SyntheticText(seededRandom(11));
    const keys: string[] = [];
    let embeddingTokens = 0;
    let vectorBytes = 0;
    for (let i = 0; i < options.documents; i += 1) {
      const key = `${tenant}/burst/${String(Math.floor(i / 1000)).padStart(3, '0')}/note-${String(i).padStart(6, '0')}.md`;
      keys.push(key);
      // Tokens and vector bytes Titan and S3 Vectors would bill.
      for (const chunk of await writeDocument(config, services, tenant, key, `# Note ${i}\n\n${text.passage(options.documentChars)}\n`)) {
        embeddingTokens += estimateTokens(chunk.text);
        vectorBytes += services.embedder.dimensions * 4 + Buffer.byteLength(chunk.text);
      }
    }
    log(`burst: ${options.documents} documents of ~${options.documentChars} characters written; starting`);

    const memory = lambdaMemoryMb(await readFile(path.join(__dirname, '..', 'serverless.yml'), 'utf8'));
    const completedAt: number[] = [];
    const bucketBytes: Promise<number>[] = [];
    const bucketRss: number[] = [];
    let transitions = 0;
    let invocations = 0;
    let gbSeconds = 0;
    let embedBatches = 0;
    let failed = 0;
    const stopObserving = runtime.workflows.observe({
      task(functionName, ms) {
        invocations += 1;
        if (functionName === 'ingest-embed-batch') embedBatches += 1;
        gbSeconds += ((memory.byFunction.get(functionName) ?? memory.defaultMb) / 1024) * (ms / 1000);
      },
      ingestionEnded({ succeeded, stateTransitions }) {
        transitions += stateTransitions;
        if (!succeeded) failed += 1;
        completedAt.push(performance.now());
        if (completedAt.length % options.bucketSize === 0) {
          bucketBytes.push(folderBytes(config.local.vectorsUri));
          bucketRss.push(mb(process.memoryUsage().rss));
          log(`burst: ${completedAt.length} settled, rss ${mb(process.memoryUsage().rss)} MB`);
        }
      },
    });
    const { handler: trigger } = (await import('../functions/ingest/trigger')) as { handler: (event: unknown, context: Context) => Promise<unknown> };
    const startedAt = performance.now();
    // What the folder watcher does for each new file: its S3 event to the trigger function.
    for (const key of keys) {
      const head = await services.documents.head(key);
      await trigger(s3Event('Object Created', key, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
    }
    await runtime.settle();
    const seconds = (performance.now() - startedAt) / 1000;
    stopObserving();
    // The trigger runs once per file too: a Lambda invocation on AWS.
    invocations += keys.length;

    let indexedDocuments = 0;
    for (const key of keys) {
      if ((await services.manifests.get(tenant, documentIdFor(tenant, key)))?.status === 'INDEXED') indexedDocuments += 1;
    }
    const sizes = await Promise.all(bucketBytes);
    const indexBytes = await folderBytes(config.local.vectorsUri);
    const rssEnd = mb(process.memoryUsage().rss);
    const buckets = rateBuckets(completedAt, startedAt, options.bucketSize).map((bucket, i) => ({
      ...bucket,
      indexBytes: sizes[i] ?? indexBytes,
      rssMb: bucketRss[i] ?? rssEnd,
    }));
    const indexedChunks = await services.vectors.count(tenant);
    const quietSeconds = options.quietSeconds ?? 40;
    log(`burst: settled; ${quietSeconds} s quiet before the last disk and memory figures`);
    await new Promise((resolve) => setTimeout(resolve, quietSeconds * 1000));
    const indexBytesAfterQuiet = await folderBytes(config.local.vectorsUri);
    const n = keys.length;
    const perDocument = {
      stateTransitions: round(transitions / n, 2),
      lambdaInvocations: round(invocations / n, 2),
      lambdaGbSeconds: round(gbSeconds / n, 5),
      embeddingTokens: round(embeddingTokens / n, 1),
      s3VectorsPutRequests: round(embedBatches / n, 2),
    };
    const first = buckets[0]?.documentsPerSecond ?? 0;
    const last = buckets[buckets.length - 1]?.documentsPerSecond ?? 0;
    return {
      documents: n,
      indexedDocuments,
      failedExecutions: failed,
      workflowFailures: runtime.workflows.failures.map((failure) => failure.error),
      seconds: round(seconds),
      documentsPerSecond: round(n / seconds),
      buckets,
      lastToFirstBucketRate: round(first > 0 ? last / first : 0, 3),
      rssMb: { start: mb(rssStart), peak: mb(rssPeak), end: rssEnd, afterQuiet: mb(process.memoryUsage().rss) },
      atPeak,
      indexBytes,
      indexBytesAfterQuiet,
      quietSeconds,
      indexedChunks,
      bytesPerChunk: { end: Math.round(indexBytes / Math.max(1, indexedChunks)), afterQuiet: Math.round(indexBytesAfterQuiet / Math.max(1, indexedChunks)) },
      perDocument,
      awsCostPer1000Documents: awsIngestCost(perDocument, vectorBytes / n),
    };
  } finally {
    clearInterval(sampler);
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const usd = (value: number | undefined): string => (value === undefined ? 'unpriced' : `$${value.toFixed(4)}`);

export function formatIngestBurst(result: IngestBurstResult): string {
  const cost = result.awsCostPer1000Documents;
  const per = result.perDocument;
  return [
    `Burst: ${result.documents} small documents through the local ingest state machine: ${result.documentsPerSecond} documents/s over ${result.seconds} s, ${result.indexedDocuments} indexed, ${result.failedExecutions} failed${result.workflowFailures.length > 0 ? ` (${[...new Set(result.workflowFailures)].join(', ')})` : ''}`,
    formatTable(
      ['indexed before', 'documents', 'seconds', 'documents/s', 'index MB', 'RSS MB'],
      result.buckets.map((b) => [b.from, b.to - b.from, b.seconds, b.documentsPerSecond, mb(b.indexBytes), b.rssMb]),
    ),
    `last/first bucket rate ${result.lastToFirstBucketRate}; RSS start ${result.rssMb.start} MB, peak ${result.rssMb.peak} MB, end ${result.rssMb.end} MB; index ${mb(result.indexBytes)} MB`,
    `Index: ${result.indexedChunks} chunks, ${result.bytesPerChunk.end} bytes per chunk at the end; after ${result.quietSeconds} s quiet ${mb(result.indexBytesAfterQuiet)} MB (${result.bytesPerChunk.afterQuiet} bytes per chunk), RSS ${result.rssMb.afterQuiet} MB`,
    `At the RSS peak: JS heap ${result.atPeak.heapUsedMb} MB, external ${result.atPeak.externalMb} MB (array buffers ${result.atPeak.arrayBuffersMb} MB), LanceDB caches ${result.atPeak.lancedbCacheMb ?? 'n/a'} MB; the rest of ${result.atPeak.rssMb} MB is native (LanceDB, SQLite, allocator)`,
    `Per document: ${per.stateTransitions} state transitions, ${per.lambdaInvocations} Lambda invocations, ${per.lambdaGbSeconds} GB-s (local handler time x configured memory), ${per.embeddingTokens} embedding tokens (estimated), ${per.s3VectorsPutRequests} PutVectors`,
    `AWS cost per 1,000 documents (one-off ingestion, us-east-1 list prices, see shared/models/aws-prices.ts): Step Functions Standard ${usd(cost.stepFunctionsStandard)} (Express requests ${usd(cost.stepFunctionsExpressRequests)} + unpriced duration), Lambda requests ${usd(cost.lambdaRequests)}, Lambda arm64 duration ${usd(cost.lambdaDurationArm64)}, Titan V2 ${usd(cost.titanEmbeddings)}, S3 Vectors PUT ${usd(cost.s3VectorsPuts)}: total ${usd(cost.total)}${cost.unpriced.length > 0 ? ` (unpriced: ${cost.unpriced.join(', ')})` : ''}`,
    `Comparable open projects claim $${cost.comparableProjectsClaimUsdPerMonth[0]}-${cost.comparableProjectsClaimUsdPerMonth[1]}/month per 1,000 documents (their published claim, a monthly running figure, not measured here).`,
  ].join('\n');
}

/** `--burst <n> [--bucket <n>] [--chars <n>]`: the burst options, until bench/cli.ts passes them (see its ingest bench). */
export function parseBurstArgs(args: string[]): IngestBurstOptions {
  const value = (flag: string, fallback: number): number => {
    const at = args.indexOf(flag);
    if (at < 0) return fallback;
    const parsed = Number(args[at + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} expects a positive integer`);
    return parsed;
  };
  return { documents: value('--burst', 2000), bucketSize: value('--bucket', 1000), documentChars: value('--chars', 300) };
}

if (require.main === module) {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const options = parseBurstArgs(process.argv.slice(2));
  runIngestBurst(options, (line) => process.stderr.write(`${line}\n`))
    .then((result) => {
      process.stdout.write(`${formatIngestBurst(result)}\n${process.argv.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : ''}`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
