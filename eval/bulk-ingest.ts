import type { IndexedChunk } from '../shared/documents/chunk';
import { extractText } from '../shared/documents/extract';
import { documentIdFor, fingerprintFor, sha256Hex } from '../shared/documents/identity';
import { UnsupportedDocumentError } from '../shared/errors';
import type { Services } from '../shared/pipeline/services';
import type { BeirDocument } from './beir';

/**
 * Bulk ingestion for evaluation. The service ingests one document per state machine execution; for a corpus of
 * thousands of documents that is minutes of orchestration overhead measuring nothing about quality. This path
 * produces the same index rows — the service's chunker over the extracted text, the service's embedder, the same
 * identity fields (documentIdFor, fingerprintFor, chunk ids from the chunker) — and writes them in large upserts,
 * because the LanceDB store refreshes its full-text index on every write.
 */
export interface BulkIngestOptions {
  tenant: string;
  /** Object keys are `<keyPrefix><dataset id>.txt`; the prefix must start with `<tenant>/` like every service key. */
  keyPrefix: string;
  /** Rows per upsert call. */
  upsertRows?: number;
  /** Documents chunked and embedded per round. */
  documentsPerRound?: number;
  onProgress?: (documentsDone: number) => void;
}

export interface BulkIngestResult {
  documents: number;
  chunks: number;
  /** Documents with no text to index (empty, or rejected by extraction): skipped, as the service would fail them. */
  skippedDocuments: number;
  embeddingTokens: number;
  /** documentId (service) -> dataset id. */
  datasetIdByDocumentId: Map<string, string>;
  /** chunk id -> dataset id: retrieval hands back chunk ids only. */
  datasetIdByChunkId: Map<string, string>;
  timings: { totalMs: number; chunkMs: number; embedMs: number; upsertMs: number };
}

/** The bytes the service would store for a BEIR document: title, blank line, text. */
export function documentBody(doc: BeirDocument): string {
  const title = doc.title.trim();
  return title ? `${title}\n\n${doc.text}` : doc.text;
}

/** The extension makes the key's format explicit whatever the dataset id looks like ("x.pdf", "12"). */
export function documentKey(keyPrefix: string, datasetId: string): string {
  return `${keyPrefix}${datasetId}.txt`;
}

/** Inverse of documentKey; undefined for keys outside the prefix. */
export function datasetIdOfKey(keyPrefix: string, key: string): string | undefined {
  if (!key.startsWith(keyPrefix) || !key.endsWith('.txt')) return undefined;
  return key.slice(keyPrefix.length, -'.txt'.length);
}

async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function bulkIngest(services: Services, corpus: readonly BeirDocument[], options: BulkIngestOptions): Promise<BulkIngestResult> {
  const { chunker, embedder, vectors, config } = services;
  const upsertRows = options.upsertRows ?? 5000;
  const perRound = options.documentsPerRound ?? 500;
  const started = performance.now();
  const timings = { totalMs: 0, chunkMs: 0, embedMs: 0, upsertMs: 0 };
  const datasetIdByDocumentId = new Map<string, string>();
  const datasetIdByChunkId = new Map<string, string>();
  let chunkCount = 0;
  let skipped = 0;
  let embeddingTokens = 0;
  let done = 0;
  let pendingRows: IndexedChunk[] = [];
  // One upsert in flight while the next round is chunked and embedded: the store writes on native threads.
  let inFlight: Promise<void> = Promise.resolve();

  const flush = async (): Promise<void> => {
    if (pendingRows.length === 0) return;
    const rows = pendingRows;
    pendingRows = [];
    await inFlight;
    const t0 = performance.now();
    inFlight = vectors.upsert(rows).then(() => {
      timings.upsertMs += performance.now() - t0;
    });
  };

  for (let offset = 0; offset < corpus.length; offset += perRound) {
    const round = corpus.slice(offset, offset + perRound);
    const t0 = performance.now();
    const pending: { identity: Omit<IndexedChunk, 'id' | 'index' | 'text' | 'location' | 'vector'>; chunks: ReturnType<typeof chunker.chunk> }[] = [];
    for (const doc of round) {
      const body = documentBody(doc);
      if (body.trim() === '') {
        skipped += 1;
        continue;
      }
      const key = documentKey(options.keyPrefix, doc.id);
      const bytes = Buffer.from(body, 'utf8');
      let extracted: Awaited<ReturnType<typeof extractText>>;
      try {
        extracted = await extractText(bytes, key, {
          contentType: 'text/plain',
          maxPages: config.ingestion.maxPages,
          maxBytes: config.ingestion.maxFileBytes,
        });
      } catch (error) {
        // The service would record such a document as FAILED and index nothing: so does the evaluation.
        if (error instanceof UnsupportedDocumentError) {
          skipped += 1;
          continue;
        }
        throw error;
      }
      const documentId = documentIdFor(options.tenant, key);
      const version = sha256Hex(bytes);
      const fingerprint = fingerprintFor(version, chunker.configId, embedder.modelId, embedder.dimensions);
      const chunks = chunker.chunk(extracted, { documentId, fingerprint });
      if (chunks.length === 0) {
        skipped += 1;
        continue;
      }
      datasetIdByDocumentId.set(documentId, doc.id);
      for (const chunk of chunks) datasetIdByChunkId.set(chunk.id, doc.id);
      const title = extracted.title ?? (doc.title.trim() || undefined);
      pending.push({
        identity: {
          tenant: options.tenant,
          documentId,
          key,
          version,
          contentType: extracted.contentType,
          fingerprint,
          ...(title ? { title } : {}),
        },
        chunks,
      });
    }
    timings.chunkMs += performance.now() - t0;

    const flat = pending.flatMap((entry) => entry.chunks.map((chunk) => ({ identity: entry.identity, chunk })));
    const batches: (typeof flat)[] = [];
    for (let i = 0; i < flat.length; i += embedder.batchSize) batches.push(flat.slice(i, i + embedder.batchSize));
    const t1 = performance.now();
    const embedded = await mapLimit(batches, config.ingestion.embedConcurrency, async (batch) => {
      const result = await embedder.embed(
        batch.map((entry) => entry.chunk.text),
        'document',
      );
      if (result.vectors.length !== batch.length) throw new Error(`Embedder returned ${result.vectors.length} vectors for ${batch.length} texts`);
      embeddingTokens += result.inputTokens;
      return batch.map(
        (entry, i): IndexedChunk => ({
          ...entry.identity,
          id: entry.chunk.id,
          index: entry.chunk.index,
          text: entry.chunk.text,
          location: entry.chunk.location,
          vector: result.vectors[i] as number[],
        }),
      );
    });
    timings.embedMs += performance.now() - t1;
    for (const rows of embedded) {
      pendingRows.push(...rows);
      chunkCount += rows.length;
    }
    if (pendingRows.length >= upsertRows) await flush();
    done += round.length;
    options.onProgress?.(done);
  }
  await flush();
  await inFlight;
  timings.totalMs = performance.now() - started;
  return {
    documents: datasetIdByDocumentId.size,
    chunks: chunkCount,
    skippedDocuments: skipped,
    embeddingTokens,
    datasetIdByDocumentId,
    datasetIdByChunkId,
    timings,
  };
}
