import {
  BedrockAgentClient,
  DeleteKnowledgeBaseDocumentsCommand,
  type DocumentIdentifier,
  GetDataSourceCommand,
  GetKnowledgeBaseDocumentsCommand,
  IngestKnowledgeBaseDocumentsCommand,
  type KnowledgeBaseDocument,
  type KnowledgeBaseDocumentDetail,
  ListKnowledgeBaseDocumentsCommand,
  type MetadataAttribute,
} from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentRuntimeClient, type KnowledgeBaseRetrievalResult, type RetrievalFilter, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema, knowledgeBaseDataSourceIdSchema, knowledgeBaseIdSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import type { IndexedChunk, ScoredChunk, StoredChunk } from '../documents/chunk';
import { ConfigurationError, DependencyUnavailableError, IndexConsistencyError, ValidationError } from '../errors';
import { allOf, planKnowledgeBaseFilter } from './knowledge-base-filter';
import { filterableMetadata, metadataString, storedChunkFromMetadata } from './chunk-metadata';
import type { ChunkGeneration, VectorQuery, VectorStore } from './vector-store';

/**
 * VectorStore on a Bedrock Knowledge Base, fed through its own ingestion API: our chunks go to a
 * CUSTOM data source with `IngestKnowledgeBaseDocuments` (inline text + inline metadata), leave it
 * with `DeleteKnowledgeBaseDocuments`, and their indexing status is read with
 * `GetKnowledgeBaseDocuments` / `ListKnowledgeBaseDocuments`. The Knowledge Base embeds the text
 * itself (`embedsText`), so the ingest pipeline never calls our embedder in this mode, and
 * RetrieveAndGenerate answers from exactly what our ingestion wrote.
 *
 * Facts this rests on (read 2026-11-30):
 * - API shapes, limits and statuses: @aws-sdk/client-bedrock-agent 3.1138.0 dist-types and the
 *   bedrock-agent 2023-06-05 Smithy model (github.com/aws/api-models-aws, and the copy in
 *   aws/aws-sdk-js-v3 codegen/sdk-codegen/aws-models/bedrock-agent.json): `documents` and
 *   `documentIdentifiers` hold 1..10 items per call; a custom document id is 1..2048 characters;
 *   inline text is 1..5,242,880 characters; 1..50 inline attributes, keys 1..200 characters, string
 *   values 1..2048 characters; ListKnowledgeBaseDocuments pages hold up to 1000; statuses STARTING,
 *   PENDING, IN_PROGRESS, INDEXED, PARTIALLY_INDEXED, METADATA_PARTIALLY_INDEXED,
 *   METADATA_UPDATE_FAILED, FAILED, NOT_FOUND, IGNORED, DELETING, DELETE_IN_PROGRESS.
 *   (The user guide, kb-direct-ingestion-add, says "up to 25 documents" per API call; the API model,
 *   which the SDK's and the service's validation follow, says 10: we send 10.)
 * - "Amazon Bedrock treats each file as one chunk" with chunking strategy NONE (ChunkingConfiguration,
 *   API reference): with a NONE data source each of our chunks stays one Knowledge Base chunk, so
 *   our chunk ids, offsets and tenant metadata survive into retrieval and citations. The store checks
 *   the data source once (GetDataSource: type CUSTOM, chunking NONE) before its first write.
 * - Inline content requires inline metadata, and inline content is accepted only by CUSTOM data
 *   sources (user guide, "Ingest documents directly into a knowledge base"). A document whose id
 *   already exists is overwritten (same page): upsert is replace-by-id.
 * - Retrieve (agent runtime): numberOfResults 1..100, query text at most 1000 characters, results
 *   carry `content.text`, `metadata` and `score`; `andAll` needs at least two filters.
 *
 * Identity: custom document id = `tenant/documentId/fingerprint/chunkId` (each part URI-encoded).
 * Every by-id call is therefore tenant-scoped by construction (custom ids are unique per data source,
 * not per tenant), and ListKnowledgeBaseDocuments, which returns ids and statuses but no metadata,
 * is enough to count and delete by document or generation.
 *
 * Asynchronous indexing: IngestKnowledgeBaseDocuments answers 202 while documents are STARTING. An
 * upsert returns once every document it sent is INDEXED, polling GetKnowledgeBaseDocuments every
 * `pollIntervalMs` for at most `timeoutMs` (RAG_KNOWLEDGE_BASE_*): a document that ends FAILED,
 * IGNORED or partially indexed is an IndexConsistencyError naming the status (the ingest state
 * machine records it and the document stays re-drivable); still indexing at the deadline is a
 * DependencyUnavailableError, which EmbedBatch retries with backoff: the retry waits for chunks still
 * being indexed instead of sending them again (which would restart their indexing), skips the
 * indexed ones and sends only what is missing or failed. Deletes wait the same way until the ids
 * are gone, so a finished delete execution no longer answers from the document. Counts only count
 * INDEXED documents, which is what Finalize checks.
 *
 * Mapping to the port:
 * - getChunks: Retrieve has no lookup by id, so it is a filtered search (tenant AND chunkId in ids,
 *   numberOfResults = number of ids, ≤ 100 per call) whose query text only orders the results. Used
 *   to resolve citations; the ingest pipeline asks `indexedChunkIds` (document status) instead.
 * - query: Retrieve by `text` (the vector is ignored: the Knowledge Base embeds the query itself),
 *   SEMANTIC search, the same tenant filter as the generator.
 * - deleteChunks / deleteDocument / countDocument / count scan ListKnowledgeBaseDocuments (paginated,
 *   1000 per page) and parse the ids; they run in ingestion and re-index, never on the query path.
 *
 * Metadata (inline attributes): tenant, documentId, key, contentType, fingerprint, version, chunkId
 * and key segments p1..p4 are what filters use; chunkIndex, start, end, page, section, title and
 * sourceUri rebuild the chunk and its citation. On an S3 Vectors index the filterable ones must fit
 * its 2 KB filterable-metadata limit (checked here); declare `KNOWLEDGE_BASE_NON_FILTERABLE_KEYS`
 * non-filterable when the index is created. Nothing is truncated: a chunk over a limit is a
 * ValidationError naming the chunk and the limit.
 */

export const KNOWLEDGE_BASE_LIMITS = {
  documentsPerCall: 10,
  customIdChars: 2048,
  textChars: 5_242_880,
  inlineAttributes: 50,
  attributeKeyChars: 200,
  stringValueChars: 2048,
  listPage: 1000,
  retrieveResults: 100,
  queryTextChars: 1000,
} as const;

/** Metadata keys to declare non-filterable on the Knowledge Base's S3 Vectors index (chunkId stays filterable: getChunks filters on it). */
export const KNOWLEDGE_BASE_NON_FILTERABLE_KEYS = [
  'AMAZON_BEDROCK_TEXT',
  'AMAZON_BEDROCK_METADATA',
  'chunkIndex',
  'start',
  'end',
  'page',
  'section',
  'title',
  'sourceUri',
] as const;

const INDEXED = 'INDEXED';
const IN_FLIGHT: ReadonlySet<string> = new Set(['STARTING', 'PENDING', 'IN_PROGRESS']);
const BEING_DELETED: ReadonlySet<string> = new Set(['DELETING', 'DELETE_IN_PROGRESS']);
const GONE = 'NOT_FOUND';
/** The query text of a lookup by id: it only orders results that the filter already selected. */
const LOOKUP_QUERY = 'document passage';
const OVER_FETCH_FACTOR = 4;
const MAX_REASON_CHARS = 300;

export interface KnowledgeBaseStoreOptions {
  /** Agents for Amazon Bedrock build-time client (knowledge base documents). */
  agent: BedrockAgentClient;
  /** Agents for Amazon Bedrock runtime client (Retrieve). */
  runtime: BedrockAgentRuntimeClient;
  knowledgeBaseId: string;
  dataSourceId: string;
  /** Bounded wait for asynchronous indexing and deletion. */
  indexing: { timeoutMs: number; pollIntervalMs: number };
  /** Where a document lives, for citations (e.g. s3://bucket/key). */
  sourceUri?: (key: string) => string;
  sleep?: (ms: number) => Promise<void>;
}

interface ParsedId extends ChunkGeneration {
  chunkId: string;
}

/** The custom document id of one chunk: tenant-scoped by construction, parseable by a scan. */
export function customDocumentId(generation: ChunkGeneration, chunkId: string): string {
  return [generation.tenant, generation.documentId, generation.fingerprint, chunkId].map(encodeURIComponent).join('/');
}

export function parseCustomDocumentId(id: string): ParsedId | undefined {
  const parts = id.split('/');
  if (parts.length !== 4) return undefined;
  try {
    const [tenant, documentId, fingerprint, chunkId] = parts.map(decodeURIComponent) as [string, string, string, string];
    return { tenant, documentId, fingerprint, chunkId };
  } catch {
    return undefined;
  }
}

type Metadata = Record<string, unknown>;

function customIdOf(detail: KnowledgeBaseDocumentDetail): string | undefined {
  return detail.identifier?.custom?.id;
}

function identifiers(ids: readonly string[]): DocumentIdentifier[] {
  return ids.map((id) => ({ dataSourceType: 'CUSTOM', custom: { id } }));
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class KnowledgeBaseStore implements VectorStore {
  readonly embedsText = true;
  private readonly target: { knowledgeBaseId: string; dataSourceId: string };
  private readonly sourceUri: (key: string) => string;
  private readonly sleep: (ms: number) => Promise<void>;
  private dataSourceChecked?: Promise<void>;

  constructor(private readonly options: KnowledgeBaseStoreOptions) {
    assertIdentifier(knowledgeBaseIdSchema, options.knowledgeBaseId, 'RAG_KNOWLEDGE_BASE_ID');
    assertIdentifier(knowledgeBaseDataSourceIdSchema, options.dataSourceId, 'RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID');
    const { timeoutMs, pollIntervalMs } = options.indexing;
    if (!(timeoutMs > 0) || !(pollIntervalMs > 0)) throw new ConfigurationError('Knowledge Base indexing timeout and poll interval must be positive');
    this.target = { knowledgeBaseId: options.knowledgeBaseId, dataSourceId: options.dataSourceId };
    this.sourceUri = options.sourceUri ?? ((key) => key);
    this.sleep = options.sleep ?? defaultSleep;
  }

  async upsert(chunks: IndexedChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    // Validate everything first: a bad chunk must not leave half a batch written.
    const byId = new Map(chunks.map((chunk) => [customDocumentId(chunk, chunk.id), this.toDocument(chunk)]));
    await this.checkDataSource();
    for (const batch of batches([...byId.values()], KNOWLEDGE_BASE_LIMITS.documentsPerCall)) {
      await this.send('IngestKnowledgeBaseDocuments', () =>
        this.options.agent.send(new IngestKnowledgeBaseDocumentsCommand({ ...this.target, documents: batch })),
      );
    }
    await this.awaitIndexed([...byId.keys()]);
  }

  async query(query: VectorQuery): Promise<ScoredChunk[]> {
    if (!query.tenant) throw new ValidationError('A vector query needs a tenant');
    const text = query.text?.trim() ?? '';
    if (text.length === 0) throw new ValidationError('The Knowledge Base store searches by text: the query needs its text');
    if (text.length > KNOWLEDGE_BASE_LIMITS.queryTextChars) {
      throw new ValidationError(`A Knowledge Base query is at most ${KNOWLEDGE_BASE_LIMITS.queryTextChars} characters (Retrieve), got ${text.length}`);
    }
    const topK = Math.min(Math.max(1, Math.floor(query.topK)), KNOWLEDGE_BASE_LIMITS.retrieveResults);
    const { filter, postFilterPrefix } = planKnowledgeBaseFilter(query.tenant, query.filter);
    const fetchK = postFilterPrefix ? Math.min(topK * OVER_FETCH_FACTOR, KNOWLEDGE_BASE_LIMITS.retrieveResults) : topK;
    const hits: ScoredChunk[] = [];
    for (const result of await this.retrieve(text, fetchK, filter, false)) {
      const chunk = this.toStoredChunk(result);
      // Defence in depth: the service filtered by tenant; a foreign chunk here is never returned.
      if (!chunk || chunk.tenant !== query.tenant) continue;
      if (postFilterPrefix && !chunk.key.startsWith(postFilterPrefix)) continue;
      hits.push({ chunk, score: result.score ?? 0 });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, topK);
  }

  async getChunks(tenant: string, ids: string[]): Promise<StoredChunk[]> {
    const found: StoredChunk[] = [];
    for (const batch of batches([...new Set(ids)], KNOWLEDGE_BASE_LIMITS.retrieveResults)) {
      const wanted = new Set(batch);
      const filter = allOf([{ equals: { key: 'tenant', value: tenant } }, { in: { key: 'chunkId', value: batch } }]);
      for (const result of await this.retrieve(LOOKUP_QUERY, batch.length, filter, true)) {
        const chunk = this.toStoredChunk(result);
        if (chunk && chunk.tenant === tenant && wanted.delete(chunk.id)) found.push(chunk);
      }
    }
    return found;
  }

  /**
   * Ids still being indexed are waited for (bounded) rather than reported missing: a retried
   * EmbedBatch would otherwise send them again, restarting their indexing.
   */
  async indexedChunkIds(generation: ChunkGeneration, ids: string[]): Promise<string[]> {
    const chunkIdOf = new Map([...new Set(ids)].map((id) => [customDocumentId(generation, id), id]));
    const details = await this.settled([...chunkIdOf.keys()], { notFoundInFlight: false });
    return [...chunkIdOf].filter(([customId]) => details.get(customId)?.status === INDEXED).map(([, chunkId]) => chunkId);
  }

  async deleteDocument(tenant: string, documentId: string, options: { keepFingerprint?: string; onlyFingerprint?: string } = {}): Promise<void> {
    await this.deleteWhere((id) => {
      if (id.tenant !== tenant || id.documentId !== documentId) return false;
      if (options.keepFingerprint !== undefined && id.fingerprint === options.keepFingerprint) return false;
      if (options.onlyFingerprint !== undefined && id.fingerprint !== options.onlyFingerprint) return false;
      return true;
    });
  }

  async deleteChunks(tenant: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const wanted = new Set(ids);
    // The ids of other tenants never match: the tenant is part of every custom id.
    await this.deleteWhere((id) => id.tenant === tenant && wanted.has(id.chunkId));
  }

  async countDocument(tenant: string, documentId: string, fingerprint?: string): Promise<number> {
    let count = 0;
    await this.scan((id, detail) => {
      if (detail.status !== INDEXED || id.tenant !== tenant || id.documentId !== documentId) return;
      if (fingerprint === undefined || id.fingerprint === fingerprint) count += 1;
    });
    return count;
  }

  async count(tenant?: string): Promise<number> {
    let count = 0;
    await this.scan((id, detail) => {
      if (detail.status === INDEXED && (tenant === undefined || id.tenant === tenant)) count += 1;
    });
    return count;
  }

  // ---------- Knowledge Base calls ----------

  /** Once per store: only a CUSTOM data source with chunking NONE keeps each chunk one Knowledge Base chunk. */
  private checkDataSource(): Promise<void> {
    this.dataSourceChecked ??= (async () => {
      const out = await this.send('GetDataSource', () => this.options.agent.send(new GetDataSourceCommand(this.target)));
      const type = out.dataSource?.dataSourceConfiguration?.type;
      const chunking = out.dataSource?.vectorIngestionConfiguration?.chunkingConfiguration?.chunkingStrategy;
      if (type !== 'CUSTOM') {
        throw new ConfigurationError(
          `Data source ${this.target.dataSourceId} is of type ${type ?? 'unknown'}: documents are ingested inline, which needs a CUSTOM data source`,
        );
      }
      if (chunking !== 'NONE') {
        throw new ConfigurationError(
          `Data source ${this.target.dataSourceId} chunks with ${chunking ?? 'the default strategy'}: it must use chunking strategy NONE so each of our chunks (ids, offsets, tenant) stays one Knowledge Base chunk`,
        );
      }
    })().catch((error: unknown) => {
      this.dataSourceChecked = undefined;
      throw error;
    });
    return this.dataSourceChecked;
  }

  /** Document details by custom id, 10 per call; an id the service does not report is absent. */
  private async details(customIds: readonly string[]): Promise<Map<string, KnowledgeBaseDocumentDetail>> {
    const found = new Map<string, KnowledgeBaseDocumentDetail>();
    for (const batch of batches(customIds, KNOWLEDGE_BASE_LIMITS.documentsPerCall)) {
      const out = await this.send('GetKnowledgeBaseDocuments', () =>
        this.options.agent.send(new GetKnowledgeBaseDocumentsCommand({ ...this.target, documentIdentifiers: identifiers(batch) })),
      );
      for (const detail of out.documentDetails ?? []) {
        const id = customIdOf(detail);
        if (id !== undefined) found.set(id, detail);
      }
    }
    return found;
  }

  /**
   * Polls until none of the ids is being indexed, for at most the indexing timeout (then a retryable
   * DependencyUnavailableError), and returns their settled details; an id the service does not
   * report is absent. Right after our own Ingest answered 202, NOT_FOUND means "not visible yet".
   */
  private async settled(customIds: string[], options: { notFoundInFlight: boolean }): Promise<Map<string, KnowledgeBaseDocumentDetail>> {
    const { timeoutMs, pollIntervalMs } = this.options.indexing;
    const deadline = Date.now() + timeoutMs;
    const settled = new Map<string, KnowledgeBaseDocumentDetail>();
    let pending = customIds;
    for (;;) {
      const details = await this.details(pending);
      const still: string[] = [];
      for (const id of pending) {
        const detail = details.get(id);
        const status = detail?.status ?? GONE;
        if (IN_FLIGHT.has(status) || (options.notFoundInFlight && status === GONE)) still.push(id);
        else if (detail) settled.set(id, detail);
      }
      if (still.length === 0) return settled;
      if (Date.now() >= deadline) {
        throw new DependencyUnavailableError(`The Knowledge Base is still indexing ${still.length} of ${customIds.length} documents after ${timeoutMs} ms`);
      }
      await this.sleep(pollIntervalMs);
      pending = still;
    }
  }

  /** Waits until every id is INDEXED; a terminal status other than INDEXED fails the batch with its reason. */
  private async awaitIndexed(customIds: string[]): Promise<void> {
    const details = await this.settled(customIds, { notFoundInFlight: true });
    const failed = customIds.flatMap((id) => {
      const detail = details.get(id);
      return detail && detail.status !== INDEXED ? [detail] : [];
    });
    const first = failed[0];
    if (first) {
      const reason = first.statusReason ? `: ${first.statusReason.slice(0, MAX_REASON_CHARS)}` : '';
      throw new IndexConsistencyError(`The Knowledge Base did not index ${failed.length} of ${customIds.length} documents (${first.status}${reason})`);
    }
  }

  /**
   * Deletes by custom id, 10 per call, and waits until the service no longer reports them nor the
   * ones `alreadyDeleting` (a delete an earlier attempt started).
   */
  private async deleteIds(toDelete: string[], alreadyDeleting: string[] = []): Promise<void> {
    const customIds = [...toDelete, ...alreadyDeleting];
    if (customIds.length === 0) return;
    for (const batch of batches(toDelete, KNOWLEDGE_BASE_LIMITS.documentsPerCall)) {
      await this.send('DeleteKnowledgeBaseDocuments', () =>
        this.options.agent.send(new DeleteKnowledgeBaseDocumentsCommand({ ...this.target, documentIdentifiers: identifiers(batch) })),
      );
    }
    const { timeoutMs, pollIntervalMs } = this.options.indexing;
    const deadline = Date.now() + timeoutMs;
    let pending = customIds;
    for (;;) {
      const details = await this.details(pending);
      pending = pending.filter((id) => {
        const status = details.get(id)?.status;
        return status !== undefined && status !== GONE;
      });
      if (pending.length === 0) return;
      if (Date.now() >= deadline) {
        throw new DependencyUnavailableError(`The Knowledge Base is still deleting ${pending.length} of ${customIds.length} documents after ${timeoutMs} ms`);
      }
      await this.sleep(pollIntervalMs);
    }
  }

  private async deleteWhere(matches: (id: ParsedId) => boolean): Promise<void> {
    const toDelete: string[] = [];
    const alreadyDeleting: string[] = [];
    await this.scan((id, detail, customId) => {
      if (!matches(id)) return;
      // A document already being deleted is not deleted twice, only waited for.
      if (BEING_DELETED.has(detail.status ?? '')) alreadyDeleting.push(customId);
      else toDelete.push(customId);
    });
    await this.deleteIds(toDelete, alreadyDeleting);
  }

  /** Visits every document of the data source (ListKnowledgeBaseDocuments, paginated). */
  private async scan(visit: (id: ParsedId, detail: KnowledgeBaseDocumentDetail, customId: string) => void): Promise<void> {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.send('ListKnowledgeBaseDocuments', () =>
        this.options.agent.send(
          new ListKnowledgeBaseDocumentsCommand({ ...this.target, maxResults: KNOWLEDGE_BASE_LIMITS.listPage, ...(token ? { nextToken: token } : {}) }),
        ),
      );
      for (const detail of out.documentDetails ?? []) {
        const customId = customIdOf(detail);
        const parsed = customId === undefined ? undefined : parseCustomDocumentId(customId);
        // Documents not written by this store (another writer of the data source) are left alone.
        if (parsed && customId !== undefined) visit(parsed, detail, customId);
      }
      nextToken = out.nextToken;
    } while (nextToken);
  }

  /** Retrieve, SEMANTIC, following pages when asked (a lookup wants every match, a query its top K). */
  private async retrieve(text: string, numberOfResults: number, filter: RetrievalFilter, allPages: boolean): Promise<KnowledgeBaseRetrievalResult[]> {
    const results: KnowledgeBaseRetrievalResult[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.send('Retrieve', () =>
        this.options.runtime.send(
          new RetrieveCommand({
            knowledgeBaseId: this.target.knowledgeBaseId,
            retrievalQuery: { text },
            retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults, overrideSearchType: 'SEMANTIC', filter } },
            ...(token ? { nextToken: token } : {}),
          }),
        ),
      );
      results.push(...(out.retrievalResults ?? []));
      nextToken = allPages ? out.nextToken : undefined;
    } while (nextToken);
    return results;
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toRagError(error, `Knowledge Base ${operation} ${this.target.knowledgeBaseId}/${this.target.dataSourceId}`);
    }
  }

  // ---------- mapping ----------

  /** One chunk as one inline CUSTOM document with inline metadata, checked against the service limits. */
  private toDocument(chunk: IndexedChunk): KnowledgeBaseDocument {
    const id = customDocumentId(chunk, chunk.id);
    const limits = KNOWLEDGE_BASE_LIMITS;
    if (chunk.id.length === 0 || id.length > limits.customIdChars) {
      throw new ValidationError(`Chunk ${chunk.id}: its document id must be 1 to ${limits.customIdChars} characters, got ${id.length}`);
    }
    if (chunk.text.length === 0 || chunk.text.length > limits.textChars) {
      throw new ValidationError(`Chunk ${chunk.id}: inline text must be 1 to ${limits.textChars} characters, got ${chunk.text.length}`);
    }
    const filterable = filterableMetadata(chunk, { chunkId: chunk.id });
    const { location } = chunk;
    const strings: Record<string, string | undefined> = { ...filterable, sourceUri: this.sourceUri(chunk.key), section: location.section, title: chunk.title };
    const numbers: Record<string, number | undefined> = { chunkIndex: chunk.index, start: location.start, end: location.end, page: location.page };
    const attributes: MetadataAttribute[] = [];
    for (const [key, value] of Object.entries(strings)) {
      // Optional fields are left out when absent or empty (a string value is at least 1 character).
      if (value === undefined || value === '') continue;
      if (value.length > limits.stringValueChars) {
        throw new ValidationError(`Chunk ${chunk.id}: metadata "${key}" is ${value.length} characters, over the limit of ${limits.stringValueChars}`);
      }
      attributes.push({ key, value: { type: 'STRING', stringValue: value } });
    }
    for (const [key, value] of Object.entries(numbers)) {
      if (value !== undefined) attributes.push({ key, value: { type: 'NUMBER', numberValue: value } });
    }
    if (attributes.length > limits.inlineAttributes)
      throw new ValidationError(`Chunk ${chunk.id}: ${attributes.length} metadata attributes, over ${limits.inlineAttributes}`);
    for (const required of ['tenant', 'documentId', 'key', 'fingerprint']) {
      if (!filterable[required]) throw new ValidationError(`Chunk ${chunk.id}: ${required} is required`);
    }
    return {
      content: {
        dataSourceType: 'CUSTOM',
        custom: { customDocumentIdentifier: { id }, sourceType: 'IN_LINE', inlineContent: { type: 'TEXT', textContent: { data: chunk.text } } },
      },
      metadata: { type: 'IN_LINE_ATTRIBUTE', inlineAttributes: attributes },
    };
  }

  /** A retrieved passage back into our chunk; undefined for a passage this store did not write. */
  private toStoredChunk(result: KnowledgeBaseRetrievalResult): StoredChunk | undefined {
    const metadata = (result.metadata ?? {}) as Metadata;
    const id = metadataString(metadata, 'chunkId');
    if (!metadataString(metadata, 'tenant') || !id) return undefined;
    return storedChunkFromMetadata(metadata, id, result.content?.text ?? '');
  }
}

export function createKnowledgeBaseStore(config: AppConfig, clients: { agent?: BedrockAgentClient; runtime?: BedrockAgentRuntimeClient } = {}): VectorStore {
  const { region, knowledgeBaseId, knowledgeBaseDataSourceId, documentsBucket, knowledgeBaseIndexing } = config.aws;
  assertIdentifier(awsRegionSchema, region, 'AWS_REGION', 'the Knowledge Base store');
  assertIdentifier(knowledgeBaseIdSchema, knowledgeBaseId, 'RAG_KNOWLEDGE_BASE_ID', 'the Knowledge Base store');
  assertIdentifier(knowledgeBaseDataSourceIdSchema, knowledgeBaseDataSourceId, 'RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID', 'the Knowledge Base store');
  return new KnowledgeBaseStore({
    agent: clients.agent ?? instrumentAwsClient(new BedrockAgentClient(awsClientOptions(config, config.aws.bedrockAgentBuildEndpoint))),
    runtime: clients.runtime ?? instrumentAwsClient(new BedrockAgentRuntimeClient(awsClientOptions(config, config.aws.bedrockAgentEndpoint))),
    knowledgeBaseId,
    dataSourceId: knowledgeBaseDataSourceId,
    indexing: knowledgeBaseIndexing,
    ...(documentsBucket ? { sourceUri: (key: string) => `s3://${documentsBucket}/${key}` } : {}),
  });
}
