/**
 * Chunks carry where they came from (document, character offsets, page) so citations
 * are computed from stored positions, never generated.
 */
export interface ChunkLocation {
  /** Character offsets into the extracted text of the document, [start, end). */
  start: number;
  end: number;
  /** 1-based page for paginated formats (PDF), when known. */
  page?: number;
  /** Heading path for structured formats (Markdown/HTML), e.g. "Install > Linux". */
  section?: string;
}

/** A chunk as produced by the chunker, before embedding. */
export interface Chunk {
  /** Deterministic: hash of document id, document version, chunker config and position. */
  id: string;
  /** 0-based position of the chunk in its document. */
  index: number;
  text: string;
  location: ChunkLocation;
}

/** Identity and provenance shared by every chunk of one document version. */
export interface DocumentIdentity {
  tenant: string;
  /** Stable id derived from (tenant, key). */
  documentId: string;
  /** Object key in the documents store, e.g. "default/handbook/intro.md". */
  key: string;
  /** SHA-256 of the document's bytes. */
  version: string;
  contentType: string;
  /** Hash of (version, chunker config, embedding model + dimensions): which index generation a chunk belongs to. */
  fingerprint: string;
}

/** What the vector store holds per chunk. */
export interface IndexedChunk extends DocumentIdentity {
  id: string;
  index: number;
  text: string;
  location: ChunkLocation;
  vector: number[];
  /** Title of the document when the format has one. */
  title?: string;
}

/** A chunk as returned by retrieval: everything but the vector, plus a score. */
export type StoredChunk = Omit<IndexedChunk, 'vector'>;

export interface ScoredChunk {
  chunk: StoredChunk;
  score: number;
}
