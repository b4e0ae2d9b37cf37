import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../shared/config/config';
import { extractText } from '../shared/documents/extract';
import { documentIdFor } from '../shared/documents/identity';
import { startLocalRuntime } from '../local/runtime';
import { startIngestion } from '../shared/pipeline/start-ingestion';
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
  const config = loadConfig({
    RAG_DATA_DIR: dir,
    PORT: '0',
    RAG_SAMPLES: 'off',
    RAG_WATCH: 'off',
    RAG_REINDEX_INTERVAL_SECONDS: '0',
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
      const body = syntheticMarkdown(text, i, options.documentChars);
      const file = path.join(config.local.documentsDir, key);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
      keys.push(key);
      // The expected chunk count comes from the service's own extractor and chunker, independently of the run.
      const extracted = await extractText(Buffer.from(body), key, {
        contentType: 'text/markdown',
        maxPages: config.ingestion.maxPages,
        maxBytes: config.ingestion.maxFileBytes,
      });
      expectedChunks += services.chunker.chunk(extracted, { documentId: documentIdFor(tenant, key), fingerprint: 'expected' }).length;
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
