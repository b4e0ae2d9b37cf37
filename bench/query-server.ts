/**
 * Child process of the query bench: the local service (`startLocalRuntime`, the same HTTP server, ASL
 * interpreter and handlers as `npm start`) over a synthetic index, in its own process so the load generator
 * does not share its event loop. Talks to the parent over IPC: `ready` once serving, and it accepts
 * `set-latency` (emulated model latency added to every generation), `drain` (answered once no query is
 * running, so one load level's backlog never leaks into the next) and `stop`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { IndexedChunk } from '../shared/documents/chunk';
import type { GenerationEvent, GenerationRequest, GenerationResult, Generator } from '../shared/generation/generator';
import { chunkIdFor, documentIdFor, fingerprintFor, sha256Hex } from '../shared/documents/identity';
import { SyntheticText, seededRandom } from './synthetic';

export type ToServer = { type: 'set-latency'; ms: number } | { type: 'drain' } | { type: 'stop' };
export type FromServer =
  | {
      type: 'ready';
      url: string;
      chunks: number;
      indexMs: number;
      questions: string[];
      embedder: string;
      reranker: string;
      generator: string;
      maxInFlightQueries: number;
    }
  | { type: 'latency-set'; ms: number }
  /** Sent once no query is running; `abandoned` = queries still running when asked (their clients had gone). */
  | { type: 'drained'; abandoned: number }
  | { type: 'failed'; message: string };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Stands in for a model that takes `latencyMs` to answer; everything else is the wrapped generator's. */
export class EmulatedLatencyGenerator implements Generator {
  latencyMs = 0;
  constructor(private readonly inner: Generator) {}
  get mode(): Generator['mode'] {
    return this.inner.mode;
  }
  get modelId(): string {
    return this.inner.modelId;
  }
  async generate(request: GenerationRequest): Promise<GenerationResult> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return this.inner.generate(request);
  }
  async *generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    yield* this.inner.generateStream(request);
  }
}

function send(message: FromServer): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const chunkTotal = Number(process.argv[2] ?? '10000');
  const questionTotal = Number(process.argv[3] ?? '200');
  const { benchConfig } = await import('./bench-config');
  const { startLocalRuntime } = await import('../local/runtime');
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-bench-query-'));
  const config = benchConfig(dir);
  const runtime = await startLocalRuntime(config);
  const { services } = runtime;
  const tenant = config.tenancy.defaultTenant;

  // Synthetic index: documents of 5 chunks of ~700 characters, identity fields as the ingest path fills them.
  const started = performance.now();
  const text = new SyntheticText(seededRandom(42));
  const chunksPerDocument = 5;
  const questions: string[] = [];
  const pickEvery = Math.max(1, Math.floor(chunkTotal / questionTotal));
  let rows: IndexedChunk[] = [];
  for (let n = 0; n < chunkTotal; n += chunksPerDocument) {
    const key = `${tenant}/synthetic/doc-${String(n / chunksPerDocument).padStart(5, '0')}.md`;
    const passages = Array.from({ length: Math.min(chunksPerDocument, chunkTotal - n) }, () => text.passage(700));
    const documentId = documentIdFor(tenant, key);
    const version = sha256Hex(passages.join('\n\n'));
    const fingerprint = fingerprintFor(version, services.chunker.configId, services.embedder.modelId, services.embedder.dimensions);
    const { vectors } = await services.embedder.embed(passages, 'document');
    let offset = 0;
    passages.forEach((passage, index) => {
      if ((n + index) % pickEvery === 0 && questions.length < questionTotal) questions.push(text.questionAbout(passage));
      rows.push({
        tenant,
        documentId,
        key,
        version,
        contentType: 'text/markdown',
        fingerprint,
        id: chunkIdFor(documentId, fingerprint, index),
        index,
        text: passage,
        location: { start: offset, end: offset + passage.length },
        vector: vectors[index] as number[],
        title: `Synthetic document ${n / chunksPerDocument}`,
      });
      offset += passage.length + 2;
    });
    if (rows.length >= 5000) {
      await services.vectors.upsert(rows);
      rows = [];
    }
  }
  await services.vectors.upsert(rows);
  const indexed = await services.vectors.count(tenant);

  const generator = new EmulatedLatencyGenerator(services.generator);
  // The handlers resolve ports through the registered Services object on every invocation, so swapping the
  // generator here reaches the query state machine's Generate task.
  services.generator = generator;

  // Queries in flight, counted around the query workflow the POST /query handler runs.
  const workflows = runtime.workflows;
  const runQuery = workflows.runQuery.bind(workflows);
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];
  workflows.runQuery = async (input) => {
    inFlight += 1;
    try {
      return await runQuery(input);
    } finally {
      inFlight -= 1;
      if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    }
  };
  const idle = (): Promise<void> => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));

  process.on('message', (message: ToServer) => {
    if (message.type === 'drain') {
      const abandoned = inFlight;
      void idle().then(() => send({ type: 'drained', abandoned }));
    } else if (message.type === 'set-latency') {
      generator.latencyMs = message.ms;
      send({ type: 'latency-set', ms: message.ms });
    } else if (message.type === 'stop') {
      void runtime
        .stop()
        .then(() => rm(dir, { recursive: true, force: true }))
        .finally(() => process.exit(0));
    }
  });
  send({
    type: 'ready',
    url: runtime.url,
    chunks: indexed,
    indexMs: performance.now() - started,
    questions,
    embedder: services.embedder.modelId,
    reranker: services.reranker?.modelId ?? 'none',
    generator: services.generator.modelId,
    maxInFlightQueries: config.server.queryAdmission.maxInFlight,
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    process.exit(1);
  });
}
