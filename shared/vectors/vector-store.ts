import type { IndexedChunk, ScoredChunk, StoredChunk } from '../documents/chunk';

/** Filters applied inside the store, always combined with the tenant. */
export interface ChunkFilter {
  documentIds?: string[];
  /** Object key prefix, e.g. "default/handbook/". */
  keyPrefix?: string;
  contentTypes?: string[];
}

export interface VectorQuery {
  tenant: string;
  vector: number[];
  /** The query text, for stores that can also score by text (hybrid). */
  text?: string;
  topK: number;
  filter?: ChunkFilter;
}

/** One index generation of a document: the chunks one ingestion of one version writes. */
export interface ChunkGeneration {
  tenant: string;
  documentId: string;
  fingerprint: string;
}

export interface VectorStore {
  /**
   * True when the store embeds chunk text itself (a Bedrock Knowledge Base): callers upsert chunks
   * without vectors (`vector: []`), never call their embedder for documents (no double embedding
   * cost), and search it by `text`. Absent or false: the caller embeds.
   */
  readonly embedsText?: boolean;
  /** Insert or replace chunks by id. Idempotent. */
  upsert(chunks: IndexedChunk[]): Promise<void>;
  /** Nearest chunks of one tenant, best first. Hybrid stores fuse vector and text scores. */
  query(query: VectorQuery): Promise<ScoredChunk[]>;
  /** Chunks by id, restricted to a tenant; missing ids are left out. */
  getChunks(tenant: string, ids: string[]): Promise<StoredChunk[]>;
  /**
   * Delete a document's chunks. With `keepFingerprint`, chunks of that index generation stay
   * (used to drop stale chunks after a re-index); without it, every chunk of the document goes.
   */
  deleteDocument(tenant: string, documentId: string, options?: { keepFingerprint?: string; onlyFingerprint?: string }): Promise<void>;
  /**
   * Delete chunks by id, restricted to a tenant; missing ids are ignored. Chunk ids are
   * deterministic, so the pipeline deletes a known generation without scanning the index
   * (S3 Vectors cannot delete or count by filter).
   */
  deleteChunks(tenant: string, ids: string[]): Promise<void>;
  /** Number of chunks stored for a document, optionally of one index generation. */
  countDocument(tenant: string, documentId: string, fingerprint?: string): Promise<number>;
  /** Total chunks of a tenant (or of every tenant), e.g. to know whether the index is empty. */
  count(tenant?: string): Promise<number>;
  /**
   * The ids among `ids` (chunks of one generation) that are stored and searchable now. Stores that
   * index asynchronously leave out ids still being indexed. Absent: `getChunks` answers it (see
   * `indexedChunkIds` below), which is exact for stores that are searchable once written.
   */
  indexedChunkIds?(generation: ChunkGeneration, ids: string[]): Promise<string[]>;
  close?(): Promise<void>;
}

/** Which of `ids` the store holds searchable: the store's own answer, else a lookup by id. */
export async function indexedChunkIds(store: VectorStore, generation: ChunkGeneration, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  if (store.indexedChunkIds) return store.indexedChunkIds(generation, ids);
  return (await store.getChunks(generation.tenant, ids)).map((chunk) => chunk.id);
}
