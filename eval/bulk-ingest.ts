import PQueue from 'p-queue';
import type { IndexedChunk } from '../shared/documents/chunk';
import { extractOptionsFrom, extractText } from '../shared/documents/extract';
import { documentIdFor, fingerprintFor, sha256Hex } from '../shared/documents/identity';
import { UnsupportedDocumentError } from '../shared/errors';
import type { Services } from '../shared/pipeline/services';
import type { BeirDocument } from './beir';

/**
 * Bulk ingestion for evaluation. The service ingests one document per state machine execution; for a corpus of
 * thousands of documents that is minutes of orchestration overhead measuring nothing about quality. This path
 * produces the same index rows as the ingest state machine given the same file — the service's extractor,
 * chunker and embedder, the same identity fields (documentIdFor, fingerprintFor, chunk ids from the chunker) —
 * and writes them in large upserts, because the LanceDB store refreshes its full-text index on every write.
 * tests/integration/eval/bulk-ingest-equivalence.test.ts proves the rows equal, vectors included.
 */
export interface BulkIngestOptions {
  tenant: string;
  /** Object keys are `<keyPrefix><dataset id>.md`; the prefix must start with `<tenant>/` like every service key. */
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

/** The text of a BEIR document: title, blank line, text. */
export function documentBody(doc: BeirDocument): string {
  const title = doc.title.trim();
  return title ? `${title}\n\n${doc.text}` : doc.text;
}

/**
 * The file the service is given for a BEIR document: Markdown whose front matter carries the title (so the
 * extractor sets it on every chunk, as for any titled page) and whose body is title + text. On cranfield and
 * nfcorpus the extracted text is byte-identical to the plain-text reading of the body (checked for every
 * document); a corpus with Markdown markup or line breaks inside paragraphs reads as the service reads Markdown.
 */
export function documentFile(doc: BeirDocument): Buffer {
  const title = doc.title.replace(/\s+/g, ' ').trim();
  // The extractor takes the rest of the `title:` line and drops one pair of enclosing quotes, nothing else.
  return Buffer.from(title ? `---\ntitle: "${title}"\n---\n${documentBody(doc)}` : documentBody(doc), 'utf8');
}

/** The extension makes the key's format explicit whatever the dataset id looks like ("x.pdf", "12"). */
export function documentKey(keyPrefix: string, datasetId: string): string {
  return `${keyPrefix}${datasetId}.md`;
}

/** Inverse of documentKey; undefined for keys outside the prefix. */
export function datasetIdOfKey(keyPrefix: string, key: string): string | undefined {
  if (!key.startsWith(keyPrefix) || !key.endsWith('.md')) return undefined;
  return key.slice(keyPrefix.length, -'.md'.length);
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
  // Embedding calls in flight, bounded as the ingest state machine's Map bounds them (RAG_EMBED_CONCURRENCY).
  const embedCalls = new PQueue({ concurrency: config.ingestion.embedConcurrency });
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
      const key = documentKey(options.keyPrefix, doc.id);
      const bytes = documentFile(doc);
      let extracted: Awaited<ReturnType<typeof extractText>>;
      try {
        extracted = await extractText(bytes, key, extractOptionsFrom(config.ingestion, 'text/markdown'));
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
      const title = extracted.title;
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
    const embedBatch = async (batch: (typeof flat)[number][]): Promise<IndexedChunk[]> => {
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
    };
    const embedded = await embedCalls.addAll(batches.map((batch) => () => embedBatch(batch)));
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
