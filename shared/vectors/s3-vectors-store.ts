import {
  DeleteVectorsCommand,
  GetVectorsCommand,
  type GetOutputVector,
  ListVectorsCommand,
  type ListOutputVector,
  type PutInputVector,
  PutVectorsCommand,
  QueryVectorsCommand,
  S3VectorsClient,
} from '@aws-sdk/client-s3vectors';
import type { DocumentType } from '@smithy/types';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import type { IndexedChunk, ScoredChunk, StoredChunk } from '../documents/chunk';
import { ConfigurationError, IndexConsistencyError, ValidationError } from '../errors';
import { filterableMetadata, metadataString, planKeyPrefix, S3_VECTORS_LIMITS, storedChunkFromMetadata } from './chunk-metadata';
import type { ChunkFilter, VectorQuery, VectorStore } from './vector-store';

/**
 * VectorStore on Amazon S3 Vectors, laid out so that a Bedrock Knowledge Base configured over the same
 * index serves RetrieveAndGenerate from it.
 *
 * Vector key = chunk id. Metadata per vector:
 * - filterable (S3 Vectors limit: 2 KB per vector): tenant, documentId, key, contentType, fingerprint,
 *   version, and the key's first directory segments p1..p4 (see keyPrefix below);
 * - non-filterable (declared at index creation, `S3_VECTORS_NON_FILTERABLE_KEYS`): AMAZON_BEDROCK_TEXT
 *   (chunk text) and AMAZON_BEDROCK_METADATA (JSON with the source URI), the names a Knowledge Base
 *   reads, plus chunkId, chunkIndex, start, end, page, section, title. 40 KB in total per vector.
 * Nothing is truncated: a chunk whose metadata exceeds a limit is rejected with a ValidationError.
 *
 * keyPrefix filter: S3 Vectors has no prefix operator. Each vector stores the first directory
 * segments of its key as p1..p4 ("t/policies/leave.md" -> p1="t", p2="policies"). A prefix made of
 * whole segments ("t/policies/") becomes `$eq` conditions on them, evaluated by the service. A prefix
 * that ends inside a segment ("t/pol") or goes deeper than 4 levels filters by its whole segments and
 * then post-filters `key.startsWith(prefix)` over an over-fetched result (topK x4, at most 100), so such
 * a query may return fewer than topK hits. Every query filter includes `tenant $eq`.
 *
 * deleteDocument / countDocument / count scan the index with ListVectors (metadata, paginated) and
 * filter client-side: S3 Vectors cannot delete or count by filter. Cost grows with the index size;
 * they run in ingestion and re-index, never on the query path.
 */

/** Metadata keys to declare non-filterable when the index is created (at most 10 per index). */
export const S3_VECTORS_NON_FILTERABLE_KEYS = [
  'AMAZON_BEDROCK_TEXT',
  'AMAZON_BEDROCK_METADATA',
  'chunkId',
  'chunkIndex',
  'start',
  'end',
  'page',
  'section',
  'title',
] as const;

const OVER_FETCH_FACTOR = 4;

type Filter = Record<string, unknown>;

/** The S3 Vectors filter document for one tenant and a request filter. */
export function buildS3VectorsFilter(tenant: string, filter: ChunkFilter = {}): { filter: Filter; postFilterPrefix?: string } {
  const conditions: Filter[] = [{ tenant: { $eq: tenant } }];
  if (filter.documentIds && filter.documentIds.length > 0) conditions.push({ documentId: { $in: filter.documentIds } });
  if (filter.contentTypes && filter.contentTypes.length > 0) conditions.push({ contentType: { $in: filter.contentTypes } });
  let postFilterPrefix: string | undefined;
  if (filter.keyPrefix) {
    const plan = planKeyPrefix(filter.keyPrefix);
    for (const segment of plan.segments) conditions.push({ [segment.field]: { $eq: segment.value } });
    if (plan.needsPostFilter) postFilterPrefix = filter.keyPrefix;
  }
  return { filter: conditions.length === 1 ? (conditions[0] as Filter) : { $and: conditions }, ...(postFilterPrefix ? { postFilterPrefix } : {}) };
}

export interface S3VectorsStoreOptions {
  client: S3VectorsClient;
  vectorBucketName: string;
  indexName: string;
  dimensions: number;
  /** Where a document lives, for AMAZON_BEDROCK_METADATA.source (e.g. s3://bucket/key). */
  sourceUri?: (key: string) => string;
}

type Metadata = Record<string, unknown>;

function asRecord(value: unknown): Metadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
}

export class S3VectorsStore implements VectorStore {
  private readonly client: S3VectorsClient;
  private readonly target: { vectorBucketName: string; indexName: string };
  private readonly dimensions: number;
  private readonly sourceUri: (key: string) => string;

  constructor(options: S3VectorsStoreOptions) {
    if (!options.vectorBucketName || !options.indexName) throw new ConfigurationError('S3VectorsStore needs a vector bucket and an index name');
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1 || options.dimensions > 4096) {
      throw new ConfigurationError(`S3VectorsStore dimensions must be an integer from 1 to 4096, got ${options.dimensions}`);
    }
    this.client = options.client;
    this.target = { vectorBucketName: options.vectorBucketName, indexName: options.indexName };
    this.dimensions = options.dimensions;
    this.sourceUri = options.sourceUri ?? ((key) => key);
  }

  async upsert(chunks: IndexedChunk[]): Promise<void> {
    // Validate everything first: a bad chunk must not leave half a document written.
    const vectors = chunks.map((chunk) => this.toPutVector(chunk));
    for (let i = 0; i < vectors.length; i += S3_VECTORS_LIMITS.putBatch) {
      const batch = vectors.slice(i, i + S3_VECTORS_LIMITS.putBatch);
      await this.send('PutVectors', () => this.client.send(new PutVectorsCommand({ ...this.target, vectors: batch })));
    }
  }

  async query(query: VectorQuery): Promise<ScoredChunk[]> {
    this.checkVector(query.vector, 'query vector');
    if (!query.tenant) throw new ValidationError('A vector query needs a tenant');
    const topK = Math.min(Math.max(1, Math.floor(query.topK)), S3_VECTORS_LIMITS.maxTopK);
    const { filter, postFilterPrefix } = buildS3VectorsFilter(query.tenant, query.filter);
    const fetchK = postFilterPrefix ? Math.min(topK * OVER_FETCH_FACTOR, S3_VECTORS_LIMITS.maxTopK) : topK;
    // QueryVectors pages its results when topK exceeds the page size: follow nextToken with the same
    // query until it is absent (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-query.html,
    // read 2026-11-30), or topK 100 could silently return fewer hits.
    const hits: ScoredChunk[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const token = nextToken;
      const out = await this.send('QueryVectors', () =>
        this.client.send(
          new QueryVectorsCommand({
            ...this.target,
            topK: fetchK,
            queryVector: { float32: query.vector },
            filter: filter as DocumentType,
            returnMetadata: true,
            returnDistance: true,
            ...(token ? { nextToken: token } : {}),
          }),
        ),
      );
      for (const vector of out.vectors ?? []) {
        if (vector.key === undefined) continue;
        const chunk = this.toStoredChunk(vector.key, vector.metadata);
        // Defence in depth: the service filtered by tenant; a foreign chunk here is never returned.
        if (chunk.tenant !== query.tenant) continue;
        if (postFilterPrefix && !chunk.key.startsWith(postFilterPrefix)) continue;
        hits.push({ chunk, score: this.score(vector.distance, out.distanceMetric) });
      }
      nextToken = out.nextToken;
      pages += 1;
      // topK is at most 100 results: more pages than results means the service misbehaves.
    } while (nextToken && pages < S3_VECTORS_LIMITS.maxTopK);
    return hits.sort((a, b) => b.score - a.score).slice(0, topK);
  }

  async getChunks(tenant: string, ids: string[]): Promise<StoredChunk[]> {
    const unique = [...new Set(ids)];
    const found: StoredChunk[] = [];
    for (let i = 0; i < unique.length; i += S3_VECTORS_LIMITS.getBatch) {
      const keys = unique.slice(i, i + S3_VECTORS_LIMITS.getBatch);
      const out = await this.send('GetVectors', () =>
        this.client.send(new GetVectorsCommand({ ...this.target, keys, returnMetadata: true, returnData: false })),
      );
      for (const vector of (out.vectors ?? []) as GetOutputVector[]) {
        if (vector.key === undefined) continue;
        const chunk = this.toStoredChunk(vector.key, vector.metadata);
        if (chunk.tenant === tenant) found.push(chunk);
      }
    }
    return found;
  }

  async deleteDocument(tenant: string, documentId: string, options: { keepFingerprint?: string; onlyFingerprint?: string } = {}): Promise<void> {
    const keys: string[] = [];
    await this.scan((metadata, key) => {
      if (metadataString(metadata, 'tenant') !== tenant || metadataString(metadata, 'documentId') !== documentId) return;
      const fingerprint = metadataString(metadata, 'fingerprint');
      if (options.keepFingerprint !== undefined && fingerprint === options.keepFingerprint) return;
      if (options.onlyFingerprint !== undefined && fingerprint !== options.onlyFingerprint) return;
      keys.push(key);
    });
    for (let i = 0; i < keys.length; i += S3_VECTORS_LIMITS.deleteBatch) {
      const batch = keys.slice(i, i + S3_VECTORS_LIMITS.deleteBatch);
      await this.send('DeleteVectors', () => this.client.send(new DeleteVectorsCommand({ ...this.target, keys: batch })));
    }
  }

  async deleteChunks(tenant: string, ids: string[]): Promise<void> {
    // Keys are chunk ids; read them back first so a key of another tenant is never deleted.
    const keys = (await this.getChunks(tenant, ids)).map((chunk) => chunk.id);
    for (let i = 0; i < keys.length; i += S3_VECTORS_LIMITS.deleteBatch) {
      const batch = keys.slice(i, i + S3_VECTORS_LIMITS.deleteBatch);
      await this.send('DeleteVectors', () => this.client.send(new DeleteVectorsCommand({ ...this.target, keys: batch })));
    }
  }

  async countDocument(tenant: string, documentId: string, fingerprint?: string): Promise<number> {
    let count = 0;
    await this.scan((metadata) => {
      if (metadataString(metadata, 'tenant') !== tenant || metadataString(metadata, 'documentId') !== documentId) return;
      if (fingerprint !== undefined && metadataString(metadata, 'fingerprint') !== fingerprint) return;
      count += 1;
    });
    return count;
  }

  async count(tenant?: string): Promise<number> {
    let count = 0;
    await this.scan((metadata) => {
      if (tenant === undefined || metadataString(metadata, 'tenant') === tenant) count += 1;
    });
    return count;
  }

  /** Visits every vector's metadata with ListVectors, page by page (no vector data is transferred). */
  private async scan(visit: (metadata: Metadata, key: string) => void): Promise<void> {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.send('ListVectors', () =>
        this.client.send(
          new ListVectorsCommand({
            ...this.target,
            maxResults: S3_VECTORS_LIMITS.listPage,
            returnMetadata: true,
            returnData: false,
            ...(token ? { nextToken: token } : {}),
          }),
        ),
      );
      for (const vector of (out.vectors ?? []) as ListOutputVector[]) {
        if (vector.key !== undefined) visit(asRecord(vector.metadata), vector.key);
      }
      nextToken = out.nextToken;
    } while (nextToken);
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toRagError(error, `S3 Vectors ${operation} ${this.target.indexName}`);
    }
  }

  private checkVector(vector: readonly number[], what: string): void {
    if (vector.length !== this.dimensions) {
      throw new ValidationError(`The ${what} has ${vector.length} dimensions; the index expects ${this.dimensions}`);
    }
    if (!vector.every((x) => Number.isFinite(x))) throw new ValidationError(`The ${what} holds a non-finite number`);
  }

  /** Builds the metadata document and checks the service limits, naming the chunk and the limit. */
  private toPutVector(chunk: IndexedChunk): PutInputVector {
    this.checkVector(chunk.vector, `vector of chunk ${chunk.id}`);
    if (chunk.id.length === 0 || Buffer.byteLength(chunk.id) > S3_VECTORS_LIMITS.keyBytes) {
      throw new ValidationError(`Chunk id must be 1 to ${S3_VECTORS_LIMITS.keyBytes} bytes`);
    }
    const filterable = filterableMetadata(chunk);
    const { location } = chunk;
    const metadata: Metadata = {
      ...filterable,
      AMAZON_BEDROCK_TEXT: chunk.text,
      AMAZON_BEDROCK_METADATA: JSON.stringify({
        source: this.sourceUri(chunk.key),
        documentId: chunk.documentId,
        ...(chunk.title ? { title: chunk.title } : {}),
      }),
      chunkId: chunk.id,
      chunkIndex: chunk.index,
      start: location.start,
      end: location.end,
      ...(location.page !== undefined ? { page: location.page } : {}),
      ...(location.section !== undefined ? { section: location.section } : {}),
      ...(chunk.title !== undefined ? { title: chunk.title } : {}),
    };
    const totalBytes = Buffer.byteLength(JSON.stringify(metadata));
    if (totalBytes > S3_VECTORS_LIMITS.totalMetadataBytes) {
      throw new ValidationError(
        `Metadata of chunk ${chunk.id} is ${totalBytes} bytes, over the S3 Vectors limit of ${S3_VECTORS_LIMITS.totalMetadataBytes} (chunk text too long?)`,
      );
    }
    return { key: chunk.id, data: { float32: chunk.vector }, metadata: metadata as DocumentType };
  }

  private toStoredChunk(key: string, raw: unknown): StoredChunk {
    const metadata = asRecord(raw);
    if (!metadataString(metadata, 'tenant')) throw new IndexConsistencyError(`Vector ${key} carries no tenant metadata`);
    return storedChunkFromMetadata(metadata, key, metadataString(metadata, 'AMAZON_BEDROCK_TEXT'));
  }

  /** Similarity in [0,1]-ish, higher is better: cosine distance d -> 1 - d; euclidean d -> 1 / (1 + d). */
  private score(distance: number | undefined, metric: string | undefined): number {
    if (distance === undefined) return 0;
    return metric === 'euclidean' ? 1 / (1 + distance) : 1 - distance;
  }
}

export function createS3VectorsStore(config: AppConfig, dimensions: number, client?: S3VectorsClient): VectorStore {
  const { s3VectorsBucket, s3VectorsIndex, region, documentsBucket } = config.aws;
  assertIdentifier(awsRegionSchema, region, 'AWS_REGION', 'the S3 Vectors store');
  if (!s3VectorsBucket) throw new ConfigurationError('RAG_S3VECTORS_BUCKET is required for the S3 Vectors store');
  if (!s3VectorsIndex) throw new ConfigurationError('RAG_S3VECTORS_INDEX is required for the S3 Vectors store');
  return new S3VectorsStore({
    client: client ?? instrumentAwsClient(new S3VectorsClient(awsClientOptions(config, config.aws.s3VectorsEndpoint))),
    vectorBucketName: s3VectorsBucket,
    indexName: s3VectorsIndex,
    dimensions,
    ...(documentsBucket ? { sourceUri: (key: string) => `s3://${documentsBucket}/${key}` } : {}),
  });
}
