import { createHash } from 'node:crypto';

/**
 * The documents of emulated Bedrock Knowledge Bases, shared by the control-plane emulator (which
 * ingests and deletes them: BedrockAgentEmulator) and the runtime emulator (which retrieves and
 * answers from them: BedrockAgentRuntimeEmulator). Pass one instance to both.
 *
 * Behaviour modelled on the service (facts read 2026-11-30, see bedrock-agent-emulator.ts):
 * - indexing is asynchronous: an ingested document is STARTING, then IN_PROGRESS, and INDEXED (or
 *   FAILED) once `latency.indexMs` has passed; only INDEXED documents are retrievable;
 * - a delete marks the document DELETING; it disappears once `latency.deleteMs` has passed (until
 *   then it is still retrievable, as a vector not yet removed would be);
 * - ingesting an id that exists overwrites the document;
 * - chunking: NONE keeps each document one chunk ("Amazon Bedrock treats each file as one chunk");
 *   FIXED_SIZE splits it into pieces of about `maxTokens` tokens (4 characters per token here).
 */

export type ChunkingStrategy = 'NONE' | 'FIXED_SIZE' | 'HIERARCHICAL' | 'SEMANTIC';

export interface EmulatedDataSource {
  knowledgeBaseId: string;
  dataSourceId: string;
  name: string;
  type: 'CUSTOM' | 'S3';
  /** Undefined: the data source was created without a chunking configuration (the service's default chunking). */
  chunkingStrategy?: ChunkingStrategy;
  maxTokens?: number;
  createdAt: Date;
}

export interface EmulatedDocument {
  knowledgeBaseId: string;
  dataSourceId: string;
  id: string;
  text: string;
  /** Inline attributes as plain values (what Retrieve returns as metadata and filters on). */
  metadata: Record<string, unknown>;
  chunks: string[];
  status: string;
  statusReason?: string;
  updatedAt: Date;
  /** When the pending indexing or deletion completes (ms since epoch). */
  settlesAt: number;
  /** Set at ingestion when the document will end FAILED. */
  failure?: string;
}

export interface DocumentDetail {
  knowledgeBaseId: string;
  dataSourceId: string;
  status: string;
  identifier: { dataSourceType: 'CUSTOM'; custom: { id: string } };
  statusReason?: string;
  updatedAt: string;
}

/** One retrievable chunk, as the runtime emulator ranks and returns it. */
export interface IngestedPassage {
  text: string;
  metadata: Record<string, unknown>;
  location: { type: 'CUSTOM'; customDocumentLocation: { id: string } };
}

const CHARS_PER_TOKEN = 4;

export class KnowledgeBaseDocuments {
  /** How long indexing and deletion take; Infinity keeps documents in flight forever. */
  readonly latency = { indexMs: 0, deleteMs: 0 };
  /** Returns a reason to make an ingested document end FAILED (e.g. to test failure handling). */
  failIndexing?: (document: { id: string; text: string; metadata: Record<string, unknown> }) => string | undefined;
  private readonly dataSources = new Map<string, EmulatedDataSource>();
  private readonly documents = new Map<string, Map<string, EmulatedDocument>>();

  createDataSource(
    knowledgeBaseId: string,
    dataSourceId: string,
    options: { type?: 'CUSTOM' | 'S3'; chunkingStrategy?: ChunkingStrategy | null; maxTokens?: number; name?: string } = {},
  ): EmulatedDataSource {
    const dataSource: EmulatedDataSource = {
      knowledgeBaseId,
      dataSourceId,
      name: options.name ?? `ds-${dataSourceId}`,
      type: options.type ?? 'CUSTOM',
      ...(options.chunkingStrategy === null ? {} : { chunkingStrategy: options.chunkingStrategy ?? 'NONE' }),
      ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      createdAt: new Date(),
    };
    this.dataSources.set(this.key(knowledgeBaseId, dataSourceId), dataSource);
    this.documents.set(this.key(knowledgeBaseId, dataSourceId), new Map());
    return dataSource;
  }

  dataSource(knowledgeBaseId: string, dataSourceId: string): EmulatedDataSource | undefined {
    return this.dataSources.get(this.key(knowledgeBaseId, dataSourceId));
  }

  hasKnowledgeBase(knowledgeBaseId: string): boolean {
    return [...this.dataSources.values()].some((ds) => ds.knowledgeBaseId === knowledgeBaseId);
  }

  /** Forgets every document (data sources stay). */
  clear(): void {
    for (const docs of this.documents.values()) docs.clear();
    this.failIndexing = undefined;
    this.latency.indexMs = 0;
    this.latency.deleteMs = 0;
  }

  ingest(knowledgeBaseId: string, dataSourceId: string, document: { id: string; text: string; metadata: Record<string, unknown> }): DocumentDetail {
    const dataSource = this.require(knowledgeBaseId, dataSourceId);
    const now = Date.now();
    const failure = this.failIndexing?.(document);
    const stored: EmulatedDocument = {
      knowledgeBaseId,
      dataSourceId,
      id: document.id,
      text: document.text,
      metadata: document.metadata,
      chunks: this.chunk(document.text, dataSource),
      status: 'STARTING',
      updatedAt: new Date(now),
      settlesAt: now + this.latency.indexMs,
      ...(failure ? { failure } : {}),
    };
    this.docs(knowledgeBaseId, dataSourceId).set(document.id, stored);
    return this.detailOf(stored);
  }

  delete(knowledgeBaseId: string, dataSourceId: string, id: string): DocumentDetail {
    const document = this.observe(knowledgeBaseId, dataSourceId, id);
    if (!document) return this.notFound(knowledgeBaseId, dataSourceId, id);
    if (document.status !== 'DELETING') {
      const now = Date.now();
      document.status = 'DELETING';
      document.statusReason = undefined;
      document.updatedAt = new Date(now);
      document.settlesAt = now + this.latency.deleteMs;
    }
    return this.detailOf(document);
  }

  detail(knowledgeBaseId: string, dataSourceId: string, id: string): DocumentDetail {
    const document = this.observe(knowledgeBaseId, dataSourceId, id);
    return document ? this.detailOf(document) : this.notFound(knowledgeBaseId, dataSourceId, id);
  }

  /** Every document of a data source in id order (ListKnowledgeBaseDocuments). */
  list(knowledgeBaseId: string, dataSourceId: string): DocumentDetail[] {
    return [...this.docs(knowledgeBaseId, dataSourceId).keys()].sort().flatMap((id) => {
      const document = this.observe(knowledgeBaseId, dataSourceId, id);
      return document ? [this.detailOf(document)] : [];
    });
  }

  /** Retrievable chunks of a knowledge base, over all its data sources: INDEXED, or DELETING and not yet removed. */
  passages(knowledgeBaseId: string): IngestedPassage[] {
    const passages: IngestedPassage[] = [];
    for (const dataSource of this.dataSources.values()) {
      if (dataSource.knowledgeBaseId !== knowledgeBaseId) continue;
      for (const id of [...this.docs(knowledgeBaseId, dataSource.dataSourceId).keys()]) {
        const document = this.observe(knowledgeBaseId, dataSource.dataSourceId, id);
        if (!document || (document.status !== 'INDEXED' && document.status !== 'DELETING')) continue;
        document.chunks.forEach((text, index) => {
          passages.push({
            text,
            metadata: {
              ...document.metadata,
              'x-amz-bedrock-kb-chunk-id': createHash('sha256').update(`${document.id}#${index}`).digest('hex').slice(0, 36),
              'x-amz-bedrock-kb-data-source-id': document.dataSourceId,
            },
            location: { type: 'CUSTOM', customDocumentLocation: { id: document.id } },
          });
        });
      }
    }
    return passages;
  }

  /** Stored documents of a data source, whatever their status (for assertions). */
  stored(knowledgeBaseId: string, dataSourceId: string): EmulatedDocument[] {
    return [...this.docs(knowledgeBaseId, dataSourceId).values()];
  }

  /** Applies the status change that is due, and removes a document whose deletion completed. */
  private observe(knowledgeBaseId: string, dataSourceId: string, id: string): EmulatedDocument | undefined {
    const docs = this.docs(knowledgeBaseId, dataSourceId);
    const document = docs.get(id);
    if (!document) return undefined;
    const now = Date.now();
    if (now < document.settlesAt) {
      if (document.status === 'STARTING') document.status = 'IN_PROGRESS';
      return document;
    }
    if (document.status === 'DELETING') {
      docs.delete(id);
      return undefined;
    }
    if (document.status === 'STARTING' || document.status === 'IN_PROGRESS') {
      document.status = document.failure ? 'FAILED' : 'INDEXED';
      if (document.failure) document.statusReason = document.failure;
      document.updatedAt = new Date(document.settlesAt);
    }
    return document;
  }

  private chunk(text: string, dataSource: EmulatedDataSource): string[] {
    if (dataSource.chunkingStrategy === 'NONE') return [text];
    // The service's default and FIXED_SIZE chunking both cut by tokens (default about 300).
    const size = (dataSource.maxTokens ?? 300) * CHARS_PER_TOKEN;
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
    return pieces;
  }

  private detailOf(document: EmulatedDocument): DocumentDetail {
    return {
      knowledgeBaseId: document.knowledgeBaseId,
      dataSourceId: document.dataSourceId,
      status: document.status,
      identifier: { dataSourceType: 'CUSTOM', custom: { id: document.id } },
      ...(document.statusReason ? { statusReason: document.statusReason } : {}),
      updatedAt: document.updatedAt.toISOString(),
    };
  }

  private notFound(knowledgeBaseId: string, dataSourceId: string, id: string): DocumentDetail {
    return {
      knowledgeBaseId,
      dataSourceId,
      status: 'NOT_FOUND',
      identifier: { dataSourceType: 'CUSTOM', custom: { id } },
      updatedAt: new Date().toISOString(),
    };
  }

  private require(knowledgeBaseId: string, dataSourceId: string): EmulatedDataSource {
    const dataSource = this.dataSource(knowledgeBaseId, dataSourceId);
    if (!dataSource) throw new Error(`No data source ${dataSourceId} in knowledge base ${knowledgeBaseId}`);
    return dataSource;
  }

  private docs(knowledgeBaseId: string, dataSourceId: string): Map<string, EmulatedDocument> {
    const key = this.key(knowledgeBaseId, dataSourceId);
    let docs = this.documents.get(key);
    if (!docs) {
      docs = new Map();
      this.documents.set(key, docs);
    }
    return docs;
  }

  private key(knowledgeBaseId: string, dataSourceId: string): string {
    return `${knowledgeBaseId}/${dataSourceId}`;
  }
}
