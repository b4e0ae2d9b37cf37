/**
 * Child process of the load run: the local service (`startLocalRuntime`, the same HTTP server, folder watcher,
 * ASL interpreter and handlers as `npm start`) over a data folder the parent prepared, generating with the
 * Bedrock Converse adapter against the parent's emulated endpoint. Its own process, so the load clients do not
 * share its event loop and its resident memory is its own. IPC: `ready` once the seed corpus is indexed;
 * `gc` (a full collection before the end sample), `verify` (settle, sweep, then report every document's
 * manifest and stored chunks next to what the chunker makes of the file on disk) and `stop`.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { DocumentObservation } from './ingestion-checks';

export interface LoadServerSettings {
  dataDir: string;
  /** Loopback address to bind (the parent refuses any other). */
  host: string;
  bedrockUrl: string;
  /** Primary then fallback Converse model. */
  modelIds: string[];
}

/** process.memoryUsage() of the service, in bytes. */
export interface ServiceMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export type ToLoadServer = { type: 'gc' } | { type: 'verify'; keys: string[] } | { type: 'stop' };
export type FromLoadServer =
  | { type: 'ready'; url: string; documentsDir: string; tenant: string; maxInFlightQueries: number; queryTimeoutSeconds: number; generator: string }
  /** process.memoryUsage() right after the collection. */
  | { type: 'gc-done'; memory: ServiceMemory }
  | {
      type: 'verified';
      /** The documents the parent wrote or uploaded (deleted ones included). */
      observations: DocumentObservation[];
      /** Manifests of documents the parent never wrote. */
      unknownManifests: { key: string; status: string }[];
      /** Chunks stored for the tenant, over every document. */
      storedChunks: number;
      settleRounds: number;
    }
  | { type: 'failed'; message: string };

function send(message: FromLoadServer): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  // The parent gone (finished, killed, or past its time bound): the service must not outlive it.
  process.on('disconnect', () => process.exit(1));
  const settings = JSON.parse(process.argv[2] ?? '{}') as LoadServerSettings;
  const { loadConfig } = await import('../../shared/config/config');
  const { startLocalRuntime } = await import('../../local/runtime');
  const { documentIdFor, sha256Hex } = await import('../../shared/documents/identity');
  const { extractText, extractOptionsFrom } = await import('../../shared/documents/extract');
  const { currentFingerprint } = await import('../../shared/pipeline/ingest');
  const config = loadConfig({
    RAG_DATA_DIR: settings.dataDir,
    HOST: settings.host,
    PORT: '0',
    RAG_SAMPLES: 'off',
    RAG_WATCH: 'on',
    // No timer sweep inside a 60 s run; `verify` sweeps once the load is over.
    RAG_REINDEX_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'WARN',
    AWS_REGION: 'us-east-1',
    RAG_GENERATOR: 'bedrock-converse',
    RAG_GENERATION_MODEL_IDS: settings.modelIds.join(','),
    RAG_BEDROCK_ENDPOINT: settings.bedrockUrl,
  });
  const runtime = await startLocalRuntime(config);
  const { services } = runtime;
  const tenant = config.tenancy.defaultTenant;
  await runtime.settle();

  const pendingCount = async (): Promise<number> => {
    let pending = 0;
    let cursor: string | undefined;
    do {
      const page = await services.manifests.list(tenant, cursor);
      pending += page.manifests.filter((m) => m.status === 'PENDING').length;
      cursor = page.nextCursor;
    } while (cursor);
    return pending;
  };

  const verify = async (keys: string[]): Promise<FromLoadServer> => {
    // Uploads refused by a full queue and folder events past it stay PENDING for the next sweep: run sweeps
    // until none is left (bounded: the parent's overall timeout stops a run that never settles).
    let settleRounds = 0;
    do {
      settleRounds += 1;
      await runtime.settle();
      await runtime.workflows.startReindex('manual');
      await runtime.settle();
    } while ((await pendingCount()) > 0 && settleRounds < 20);
    const known = new Set(keys);
    const observations: DocumentObservation[] = [];
    for (const key of keys) {
      const documentId = documentIdFor(tenant, key);
      const manifest = await services.manifests.get(tenant, documentId);
      const stored = await services.vectors.countDocument(tenant, documentId);
      const bytes = await readFile(path.join(config.local.documentsDir, key)).catch(() => undefined);
      let expectedChunks: number | undefined;
      let expectedVersion: string | undefined;
      if (bytes) {
        expectedVersion = sha256Hex(bytes);
        const extracted = await extractText(bytes, key, extractOptionsFrom(config.ingestion));
        expectedChunks = services.chunker.chunk(
          extracted,
          { documentId, fingerprint: currentFingerprint(services, expectedVersion) },
          { maxChunks: config.ingestion.maxChunksPerDocument },
        ).length;
      }
      observations.push({
        key,
        onDisk: bytes !== undefined,
        ...(expectedChunks === undefined ? {} : { expectedChunks }),
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
        ...(manifest ? { status: manifest.status, chunkCount: manifest.chunkCount } : {}),
        ...(manifest?.version ? { version: manifest.version } : {}),
        ...(manifest?.failure ? { failure: `${manifest.failure.error}: ${manifest.failure.reason}` } : {}),
        storedChunks: stored,
      });
    }
    const unknownManifests: { key: string; status: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await services.manifests.list(tenant, cursor);
      for (const m of page.manifests) if (!known.has(m.key) && m.status !== 'DELETED') unknownManifests.push({ key: m.key, status: m.status });
      cursor = page.nextCursor;
    } while (cursor);
    return { type: 'verified', observations, unknownManifests, storedChunks: await services.vectors.count(tenant), settleRounds };
  };

  process.on('message', (message: ToLoadServer) => {
    if (message.type === 'gc') {
      // Started with --expose-gc: the end sample measures what is retained, not garbage not yet collected.
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      send({ type: 'gc-done', memory: { rss, heapUsed, heapTotal, external, arrayBuffers } });
    } else if (message.type === 'verify') {
      verify(message.keys).then(send, (error: unknown) =>
        send({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      );
    } else if (message.type === 'stop') {
      void runtime.stop().finally(() => process.exit(0));
    }
  });
  send({
    type: 'ready',
    url: runtime.url,
    documentsDir: config.local.documentsDir,
    tenant,
    maxInFlightQueries: config.server.queryAdmission.maxInFlight,
    queryTimeoutSeconds: Math.round(config.query.timeoutMs / 1000),
    generator: services.generator.modelId,
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    process.exit(1);
  });
}
