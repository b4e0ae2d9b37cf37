import { BooleanQuery, type Connection, type FullTextQuery, Index, MatchQuery, Occur, Session, type Table, connect } from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from 'apache-arrow';
import type { IndexedChunk, ScoredChunk, StoredChunk } from '../documents/chunk';
import { DEFAULT_RRF_K, type FusedResult, reciprocalRankFusion, weightedScoreFusion } from './fusion';
import { DEFAULT_FEEDBACK, type FeedbackOptions, type WeightedTerm, expandQuery, topFeedbackDocuments, validateFeedbackOptions } from './query-expansion';
import { STOPWORDS, tokenize } from '../embeddings/tokenizer';
import type { ChunkFilter, VectorQuery, VectorStore } from './vector-store';

export interface HybridOptions {
  /** Weight of the vector (cosine) ranking in fusion; 0 disables it. */
  vectorWeight: number;
  /** Weight of the full-text (BM25) ranking; 0 disables it. */
  textWeight: number;
  /**
   * `score`: convex combination of min-max normalised scores (keeps how much better the top hits are, so a weak
   * side with a small weight cannot push a strong side's clear winners down); `rrf`: reciprocal rank fusion.
   */
  fusion: 'score' | 'rrf';
  rrfK: number;
  /** How deep each ranking is read before fusion (at least topK). */
  candidateDepth: number;
  /** RM3 query expansion: a second full-text pass expanded from the first pass's top hits; false disables it. */
  feedback: FeedbackOptions | false;
}

export interface LanceDbVectorStoreOptions {
  directory: string;
  dimensions: number;
  tableName?: string;
  hybrid?: Partial<HybridOptions>;
  /**
   * Rows changed since the last optimisation that make an upsert fold them into the indices at once, however few
   * commits brought them (default 10,000; raised to `optimizeGrowth` of the table when that is larger). Smaller
   * changes wait for the budget below or for writes to pause; a query that finds unindexed rows indexes them
   * before searching: LanceDB scores unindexed rows on another scale than indexed ones, which garbles weighted
   * (RM3) queries (nDCG@10 0.39 -> 0.05 on cranfield with ~10% of rows unindexed).
   */
  optimizeEveryRows?: number;
  /**
   * Commits (table versions) since the last optimisation before one is considered (default 5), and 20 times
   * this before one is forced whatever the rows. Reads and merge-inserts scan unindexed fragments, which costs far
   * more than the index under concurrent ingestion (measured 2026-12-01, 2,000-file burst, 64 ingestions on 2
   * cores: a chunk lookup took 0.05 s on average when optimising every 5 commits, 0.35 s every 10 to 17, 0.74 s
   * every 50), so the floor stays low.
   */
  optimizeEveryWrites?: number;
  /**
   * Rows changed since the last optimisation, as a fraction of the table's rows then, before the next one
   * (default 0.02). Every optimisation rewrites every indexed fragment: LanceDB never compacts indexed with
   * unindexed fragments, so each run folds the previous run's fragment into the rest, and the JS API (0.31)
   * exposes no compaction options to stop that. Spacing runs by a fraction of the table bounds the rewriting to a
   * constant 1 + 1/g (51) rewrites per row over any burst, where a fixed number of commits (or, before, every
   * 500 ms pause) rewrote the whole table ever more often as it grew: 852-956 MB folder after a 10,000-file
   * burst, 86 MB at g = 0.05 with 10 s retention (measured 2026-12-01). A larger g makes fewer rewrites but more
   * unindexed rows for every lookup to scan (see optimizeEveryWrites): 0.05 lost a quarter of the burst rate.
   */
  optimizeGrowth?: number;
  /**
   * How long a superseded table version stays readable (default 10 s): a read checks the latest version out
   * when it starts (readConsistencyInterval 0), so a version is only needed by reads that began before its
   * successor was committed, and those took 0.05-0.35 s on average in a 64-ingestion burst on 2 cores. The
   * cleanup keeps the version that was latest this long ago and everything after it (see `cleanupCutoff`), not
   * every version created in the window as before: a version that stayed latest through an idle hour is still
   * protected when the next write supersedes it, and the optimisation's own compaction time is allowed for.
   */
  retainVersionsMs?: number;
  /**
   * LanceDB's index and metadata cache sizes (defaults 256 MiB and 64 MiB; LanceDB's own are 6 GB and 1 GB).
   * Every optimisation writes new index files and the old ones stay cached until evicted, so the caches fill to
   * their size during a burst (320 MB after 10,000 files, measured 2026-12-01). Smaller caches (64 + 32 MiB)
   * re-read file metadata on every lookup and the burst was slower.
   */
  cacheBytes?: { index: number; metadata: number };
}

/**
 * Defaults for the bundled lexical embedder, whose cosine is a weaker copy of BM25's evidence (same words, no IDF):
 * it adds nothing BM25 + RM3 lacks, so it is not fused (vector weight 0; it still ranks when there is no text to
 * search or no word matches). Measured 2026-12-01 (docs/adr/0007): fusing it at 0.25 lowered nDCG@10 on both sets (Cranfield 0.4075 ->
 * 0.4027, NFCorpus dev 0.3165 -> 0.3064) and its brute-force scan cost 13-32 ms CPU per query. With a neural
 * embedder (Titan, Cohere) configure a vector weight near the text weight, as the vectors port does.
 */
export const DEFAULT_HYBRID: HybridOptions = {
  vectorWeight: 0,
  textWeight: 1,
  fusion: 'score',
  rrfK: DEFAULT_RRF_K,
  candidateDepth: 100,
  feedback: DEFAULT_FEEDBACK,
};
const DEFAULT_OPTIMIZE_EVERY_ROWS = 10_000;
const DEFAULT_OPTIMIZE_EVERY_WRITES = 5;
const DEFAULT_OPTIMIZE_GROWTH = 0.02;
const DEFAULT_RETAIN_VERSIONS_MS = 10_000;
/** Commits since the last optimisation that force one, as a multiple of optimizeEveryWrites. */
const MAX_WRITES_FACTOR = 20;
/** Least time allowed for an optimisation's compaction before its cleanup (see cleanupCutoff). */
const MIN_CLEANUP_ALLOWANCE_MS = 1_000;
/** Time between computing a cleanup cut and LanceDB applying it, besides compaction (see cleanupCutoff). */
const CALL_DRIFT_MS = 1_000;
const DEFAULT_CACHE_BYTES = { index: 256 * 1024 * 1024, metadata: 64 * 1024 * 1024 };
/**
 * Scalar indices: a btree on the chunk id (merge-insert and lookups by id read the index, not every row) and a
 * bitmap on the tenant (few distinct values; every query prefilters on it: the weighted RM3 pass fell from
 * 14.6 to 9.6 ms CPU on 8,228 chunks, docs/adr/0007).
 */
const SCALAR_INDICES = [
  { column: 'id', name: 'id_idx', config: (): ReturnType<typeof Index.btree> => Index.btree() },
  { column: 'tenant', name: 'tenant_idx', config: (): ReturnType<typeof Index.bitmap> => Index.bitmap() },
] as const;

export interface OptimisationPolicy {
  everyRows: number;
  everyWrites: number;
  growth: number;
  retainVersionsMs: number;
}

/** What has changed since the last optimisation. */
export interface ChangesSinceOptimisation {
  /** Rows inserted, updated or deleted. */
  rows: number;
  /** Commits (table versions). */
  writes: number;
  /** Rows in the table when it was last optimised. */
  tableRows: number;
}

/**
 * Whether a write should optimise now: a bulk of rows, or enough commits and enough rows relative to the table
 * (the geometric budget, see optimizeGrowth), or so many commits that their fragments must be folded whatever
 * their size.
 */
export function optimisationDue(changes: ChangesSinceOptimisation, policy: Pick<OptimisationPolicy, 'everyRows' | 'everyWrites' | 'growth'>): boolean {
  const growthRows = policy.growth * changes.tableRows;
  if (changes.rows >= Math.max(policy.everyRows, growthRows)) return true;
  if (changes.writes >= policy.everyWrites && changes.rows >= growthRows) return true;
  return changes.writes >= MAX_WRITES_FACTOR * policy.everyWrites;
}

/**
 * The `cleanupOlderThan` that drops only versions no reader can still be on. A read checks out the latest version
 * when it starts, so a version is needed only by reads that began before its successor existed: the version that
 * was latest `retainMs` ago and every later one stay, all earlier ones go. LanceDB measures the age when it cleans
 * up, after the same call's compaction and after the call crossed into native code, so the cut is moved earlier by
 * `commitsFirstMs` (how long the call may commit first; 0 when it commits nothing) and by CALL_DRIFT_MS. When the
 * version of `retainMs` ago is still the latest and nothing commits first, every other version goes.
 * `retainMs` 0 keeps only the latest version.
 */
export function cleanupCutoff(versions: ReadonlyArray<{ version: number; timestamp: Date }>, now: number, retainMs: number, commitsFirstMs: number): Date {
  if (retainMs === 0) return new Date(now);
  const ordered = [...versions].sort((a, b) => a.version - b.version);
  const readable = ordered.filter((version) => version.timestamp.getTime() <= now - retainMs);
  const kept = readable[readable.length - 1];
  // Everything is younger than the retention: the oldest stays, and so everything.
  const cut = (kept ?? ordered[0])?.timestamp.getTime() ?? now - retainMs;
  if (kept && kept === ordered[ordered.length - 1] && commitsFirstMs === 0) return new Date(now);
  return new Date(cut - commitsFirstMs - CALL_DRIFT_MS);
}

/** Rows of concurrent upserts that wait for the same commit (group commit). */
interface PendingUpsert {
  rows: Map<string, ChunkRow>;
  committed: Promise<void>;
}
/**
 * Quiet time after the last write before the background optimisation indexes what the budget left over. Longer
 * than the hiccups of a running burst (at 500 ms, pauses in a burst each rewrote the table), short enough that
 * the first query after an upload rarely pays for the optimisation itself.
 */
const OPTIMIZE_DEBOUNCE_MS = 2_000;
const FTS_COLUMN = 'search_text';
const FTS_INDEX_NAME = `${FTS_COLUMN}_idx`;
// Every column except the vector and the derived search text: what retrieval hands back.
const RESULT_COLUMNS = [
  'id',
  'tenant',
  'document_id',
  'object_key',
  'doc_version',
  'content_type',
  'fingerprint',
  'chunk_index',
  'text',
  'loc_start',
  'loc_end',
  'loc_page',
  'loc_section',
  'title',
];

/** One row of the chunks table. Flat, snake_case columns: SQL filters need no identifier quoting. */
interface ChunkRow {
  id: string;
  tenant: string;
  document_id: string;
  object_key: string;
  doc_version: string;
  content_type: string;
  fingerprint: string;
  chunk_index: number;
  text: string;
  loc_start: number;
  loc_end: number;
  loc_page: number | null;
  loc_section: string | null;
  title: string | null;
  search_text: string;
  vector: number[];
}

export function chunkTableSchema(dimensions: number): Schema {
  const text = (name: string, nullable = false): Field => new Field(name, new Utf8(), nullable);
  const int = (name: string, nullable = false): Field => new Field(name, new Int32(), nullable);
  return new Schema([
    text('id'),
    text('tenant'),
    text('document_id'),
    text('object_key'),
    text('doc_version'),
    text('content_type'),
    text('fingerprint'),
    int('chunk_index'),
    text('text'),
    int('loc_start'),
    int('loc_end'),
    int('loc_page', true),
    text('loc_section', true),
    text('title', true),
    text(FTS_COLUMN),
    new Field('vector', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), false),
  ]);
}

/** SQL string literal: single quotes doubled (tenants and keys may contain them). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** LIKE pattern matching values that start with `prefix`; wildcards in the prefix match literally. */
export function sqlLikePrefix(prefix: string): string {
  const escaped = prefix.replace(/[\\%_]/g, (character) => `\\${character}`);
  return `${sqlString(`${escaped}%`)} ESCAPE '\\'`;
}

function sqlIn(column: string, values: string[]): string {
  // An empty list matches nothing; "IN ()" is not valid SQL.
  if (values.length === 0) return 'FALSE';
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

/** The tenant predicate always comes first; every query path uses it as a prefilter. */
export function buildPredicate(tenant: string, filter?: ChunkFilter): string {
  const clauses = [`tenant = ${sqlString(tenant)}`];
  if (filter?.documentIds) clauses.push(sqlIn('document_id', filter.documentIds));
  if (filter?.contentTypes) clauses.push(sqlIn('content_type', filter.contentTypes));
  if (filter?.keyPrefix) clauses.push(`object_key LIKE ${sqlLikePrefix(filter.keyPrefix)}`);
  return clauses.map((clause) => `(${clause})`).join(' AND ');
}

/**
 * Question words ("what", "how", "which") are not in the index's short stopword list and only add noise to
 * BM25; the index's own analyzer still stems what is left. Falls back to all tokens for all-stopword queries.
 */
export function textQuery(question: string): string {
  const tokens = tokenize(question);
  const content = tokens.filter((token) => !STOPWORDS.has(token));
  return (content.length > 0 ? content : tokens).join(' ');
}

/** One SHOULD clause per term, boosted by its weight: BM25 scores add up as sum_t w_t * bm25(t, d). */
export function weightedTextQuery(terms: WeightedTerm[]): FullTextQuery {
  return new BooleanQuery(terms.map((term): [Occur, FullTextQuery] => [Occur.Should, new MatchQuery(term.term, FTS_COLUMN, { boost: term.weight })]));
}

function toRow(chunk: IndexedChunk, dimensions: number): ChunkRow {
  if (chunk.vector.length !== dimensions) {
    throw new RangeError(`chunk ${chunk.id} has ${chunk.vector.length} dimensions, the table expects ${dimensions}`);
  }
  return {
    id: chunk.id,
    tenant: chunk.tenant,
    document_id: chunk.documentId,
    object_key: chunk.key,
    doc_version: chunk.version,
    content_type: chunk.contentType,
    fingerprint: chunk.fingerprint,
    chunk_index: chunk.index,
    text: chunk.text,
    loc_start: chunk.location.start,
    loc_end: chunk.location.end,
    loc_page: chunk.location.page ?? null,
    loc_section: chunk.location.section ?? null,
    title: chunk.title ?? null,
    // Title and section are indexed with the text: they name the topic even when the chunk does not.
    search_text: [chunk.title, chunk.location.section, chunk.text].filter((part) => part !== undefined && part !== '').join('\n'),
    vector: chunk.vector,
  };
}

function field(row: Record<string, unknown>, name: string): unknown {
  return row[name];
}

function stringField(row: Record<string, unknown>, name: string): string {
  const value = field(row, name);
  return typeof value === 'string' ? value : String(value ?? '');
}

function numberField(row: Record<string, unknown>, name: string): number | undefined {
  const value = field(row, name);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function fromRow(row: Record<string, unknown>): StoredChunk {
  const page = numberField(row, 'loc_page');
  const section = field(row, 'loc_section');
  const title = field(row, 'title');
  return {
    id: stringField(row, 'id'),
    tenant: stringField(row, 'tenant'),
    documentId: stringField(row, 'document_id'),
    key: stringField(row, 'object_key'),
    version: stringField(row, 'doc_version'),
    contentType: stringField(row, 'content_type'),
    fingerprint: stringField(row, 'fingerprint'),
    index: numberField(row, 'chunk_index') ?? 0,
    text: stringField(row, 'text'),
    location: {
      start: numberField(row, 'loc_start') ?? 0,
      end: numberField(row, 'loc_end') ?? 0,
      ...(page !== undefined ? { page } : {}),
      ...(typeof section === 'string' ? { section } : {}),
    },
    ...(typeof title === 'string' ? { title } : {}),
  };
}

function asRecords(rows: unknown[]): Array<Record<string, unknown>> {
  return rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null);
}

/**
 * Embedded LanceDB vector store with hybrid retrieval: cosine vector search and BM25 full-text search
 * (English stemming and stopwords) with RM3 query expansion, both prefiltered by tenant and ChunkFilter, fused
 * by a weighted combination of normalised scores (or RRF).
 * Writes are serialised through a promise queue so concurrent upserts never race on table commits.
 */
export class LanceDbVectorStore implements VectorStore {
  private writes: Promise<unknown> = Promise.resolve();
  private hasTextIndex: boolean;
  private rowsSinceOptimize = 0;
  private writesSinceOptimize = 0;
  private tableRowsAtOptimize = 0;
  private lastOptimizeMs = 0;
  private optimizeTimer: NodeJS.Timeout | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private hasScalarIndices = false;
  private pendingUpsert: PendingUpsert | undefined;

  private constructor(
    private readonly connection: Connection,
    private readonly session: Session,
    private readonly table: Table,
    readonly dimensions: number,
    private readonly hybrid: HybridOptions,
    private readonly optimisation: OptimisationPolicy,
    hasTextIndex: boolean,
  ) {
    this.hasTextIndex = hasTextIndex;
  }

  static async open(options: LanceDbVectorStoreOptions): Promise<LanceDbVectorStore> {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) throw new RangeError('dimensions must be a positive integer');
    const hybrid = { ...DEFAULT_HYBRID, ...options.hybrid };
    if (hybrid.vectorWeight < 0 || hybrid.textWeight < 0 || hybrid.vectorWeight + hybrid.textWeight <= 0) {
      throw new RangeError('hybrid weights must be >= 0 and not both 0');
    }
    if (hybrid.fusion !== 'score' && hybrid.fusion !== 'rrf') throw new RangeError('hybrid fusion must be "score" or "rrf"');
    if (hybrid.feedback !== false) validateFeedbackOptions(hybrid.feedback);
    // readConsistencyInterval 0: every read sees commits made by other store instances (e.g. the ingest worker).
    const cache = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    if (!(cache.index > 0 && cache.metadata > 0)) throw new RangeError('cacheBytes must be > 0');
    const session = new Session(BigInt(Math.floor(cache.index)), BigInt(Math.floor(cache.metadata)));
    // The session goes in the options: @lancedb/lancedb 0.31's connect() drops a session passed as its third
    // argument (it only looks there for a header provider), which left LanceDB's 6 GB + 1 GB default caches on.
    const connection = await connect(options.directory, { readConsistencyInterval: 0, session });
    const tableName = options.tableName ?? 'chunks';
    // Open before create: creating with existOk rejects a differing schema with an opaque error.
    const table = (await connection.tableNames()).includes(tableName)
      ? await connection.openTable(tableName)
      : await connection.createEmptyTable(tableName, chunkTableSchema(options.dimensions), { existOk: true });
    const schema = await table.schema();
    const vectorType = schema.fields.find((candidate) => candidate.name === 'vector')?.type;
    if (!(vectorType instanceof FixedSizeList) || vectorType.listSize !== options.dimensions) {
      table.close();
      connection.close();
      throw new RangeError(`table ${tableName} holds vectors of another size than ${options.dimensions}`);
    }
    const optimisation: OptimisationPolicy = {
      everyRows: options.optimizeEveryRows ?? DEFAULT_OPTIMIZE_EVERY_ROWS,
      everyWrites: options.optimizeEveryWrites ?? DEFAULT_OPTIMIZE_EVERY_WRITES,
      growth: options.optimizeGrowth ?? DEFAULT_OPTIMIZE_GROWTH,
      retainVersionsMs: options.retainVersionsMs ?? DEFAULT_RETAIN_VERSIONS_MS,
    };
    const invalid = [
      !Number.isInteger(optimisation.everyRows) || optimisation.everyRows < 1 ? 'optimizeEveryRows must be an integer >= 1' : '',
      !Number.isInteger(optimisation.everyWrites) || optimisation.everyWrites < 1 ? 'optimizeEveryWrites must be an integer >= 1' : '',
      !Number.isFinite(optimisation.growth) || optimisation.growth < 0 ? 'optimizeGrowth must be a number >= 0' : '',
      !Number.isFinite(optimisation.retainVersionsMs) || optimisation.retainVersionsMs < 0 ? 'retainVersionsMs must be >= 0' : '',
    ].find((message) => message !== '');
    if (invalid) {
      table.close();
      connection.close();
      throw new RangeError(invalid);
    }
    const indices = await table.listIndices();
    const hasTextIndex = indices.some((index) => index.name === FTS_INDEX_NAME);
    const store = new LanceDbVectorStore(connection, session, table, options.dimensions, hybrid, optimisation, hasTextIndex);
    store.hasScalarIndices = SCALAR_INDICES.every((wanted) => indices.some((index) => index.name === wanted.name));
    store.tableRowsAtOptimize = await table.countRows();
    return store;
  }

  /**
   * Upserts arriving while another write runs share the next commit (group commit): a burst of small documents
   * makes a few large commits instead of one per document. Each caller resolves once its rows are committed.
   */
  async upsert(chunks: IndexedChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    // Rows are checked before they join a shared commit: one caller's bad chunk must not fail the others.
    const rows = chunks.map((chunk) => toRow(chunk, this.dimensions));
    if (!this.pendingUpsert) {
      const pending: PendingUpsert = { rows: new Map(), committed: Promise.resolve() };
      pending.committed = this.serialise(async () => {
        // From here on, new upserts wait for the next commit.
        if (this.pendingUpsert === pending) this.pendingUpsert = undefined;
        const batch = [...pending.rows.values()];
        await this.table
          .mergeInsert('id')
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .execute(batch as unknown as Array<Record<string, unknown>>);
        await this.maintainTextIndex(batch.length);
      });
      this.pendingUpsert = pending;
    }
    // Last write wins for duplicate ids, as a sequence of single upserts would.
    for (const row of rows) this.pendingUpsert.rows.set(row.id, row);
    await this.pendingUpsert.committed;
  }

  async query(query: VectorQuery): Promise<ScoredChunk[]> {
    if (query.topK <= 0) return [];
    if (query.vector.length !== this.dimensions) {
      throw new RangeError(`query vector has ${query.vector.length} dimensions, the table expects ${this.dimensions}`);
    }
    const predicate = buildPredicate(query.tenant, query.filter);
    const depth = Math.max(query.topK, this.hybrid.candidateDepth);
    const text = textQuery(query.text ?? '');
    const wantText = this.hybrid.textWeight > 0 && text.length > 0;
    // Another instance (the ingest worker) may have created the index since this one opened an empty table.
    if (wantText && !this.hasTextIndex) this.hasTextIndex = await this.textIndexExists();
    const useText = wantText && this.hasTextIndex;
    const useVector = this.hybrid.vectorWeight > 0 || !useText;

    const [vectorRows, textRows] = await Promise.all([
      useVector
        ? this.table
            .vectorSearch(query.vector)
            .distanceType('cosine')
            .where(predicate)
            .select([...RESULT_COLUMNS, '_distance'])
            .limit(depth)
            .toArray()
        : Promise.resolve([]),
      useText ? this.textSearch(text, predicate, depth) : Promise.resolve([]),
    ]);
    const vectorRecords = asRecords(vectorRows);
    const textRecords = asRecords(textRows);
    // No word matched (a misspelling, an inflection the stemmer does not join): the vectors' character n-grams may.
    if (useText && !useVector && textRecords.length === 0) return this.query({ ...query, text: '' });
    const chunks = new Map<string, StoredChunk>();
    for (const row of [...vectorRecords, ...textRecords]) {
      const chunk = fromRow(row);
      if (!chunks.has(chunk.id)) chunks.set(chunk.id, chunk);
    }

    const vectorHits = vectorRecords.map((row) => ({ id: stringField(row, 'id'), score: 1 - (numberField(row, '_distance') ?? 1) }));
    if (!useText) {
      // Vector only: the cosine similarity itself is the score.
      return vectorHits.slice(0, query.topK).map((hit) => ({ chunk: chunks.get(hit.id) as StoredChunk, score: hit.score }));
    }
    const textHits = textRecords.map((row) => ({ id: stringField(row, 'id'), score: numberField(row, '_score') ?? 0 }));
    const vectorWeight = useVector ? this.hybrid.vectorWeight : 0;
    const fused: FusedResult[] =
      this.hybrid.fusion === 'rrf'
        ? reciprocalRankFusion(
            [
              { ids: vectorHits.map((hit) => hit.id), weight: vectorWeight },
              { ids: textHits.map((hit) => hit.id), weight: this.hybrid.textWeight },
            ],
            this.hybrid.rrfK,
          )
        : weightedScoreFusion([
            { items: vectorHits, weight: vectorWeight },
            { items: textHits, weight: this.hybrid.textWeight },
          ]);
    return fused.slice(0, query.topK).map((hit) => ({ chunk: chunks.get(hit.id) as StoredChunk, score: hit.score }));
  }

  /**
   * BM25 over title + section + text. With feedback on, a cheap first pass (only the top few rows, only their
   * text) feeds RM3, and the expanded, weighted query is what ranks the candidates: expansion adds the
   * vocabulary of relevant documents that the question does not use, which raises recall as well as precision.
   */
  private async textSearch(text: string, predicate: string, depth: number): Promise<unknown[]> {
    const feedback = this.hybrid.feedback;
    if (feedback === false) return this.fullText(text, predicate, depth, RESULT_COLUMNS);
    // Unindexed rows are scored on another scale than indexed ones and weighted queries then rank garbage (see
    // optimizeEveryRows): bring the index up to date first. Cheap when it already is (one stats call).
    // Checked again once queued: concurrent queries then share one optimisation instead of each running one.
    if (await this.hasUnindexedRows()) {
      await this.serialise(async () => {
        if (await this.hasUnindexedRows()) await this.optimizeNow();
      });
    }
    // Twice the feedback documents, so that ties at the cut are broken by id rather than by the index's layout.
    const firstPass = asRecords(await this.fullText(text, predicate, 2 * feedback.documents, ['id', FTS_COLUMN]));
    const feedbackDocuments = topFeedbackDocuments(
      firstPass.map((row) => ({ id: stringField(row, 'id'), text: stringField(row, FTS_COLUMN), score: numberField(row, '_score') ?? 0 })),
      feedback.documents,
    );
    const terms = expandQuery(text, feedbackDocuments, feedback);
    // Nothing matched (or nothing to expand with): the plain query is as good as it gets.
    if (firstPass.length === 0 || terms.length === 0) return this.fullText(text, predicate, depth, RESULT_COLUMNS);
    return this.fullText(weightedTextQuery(terms), predicate, depth, RESULT_COLUMNS);
  }

  private fullText(search: string | FullTextQuery, predicate: string, limit: number, columns: string[]): Promise<unknown[]> {
    return this.table
      .query()
      .fullTextSearch(search, { columns: FTS_COLUMN })
      .where(predicate)
      .select([...columns, '_score'])
      .limit(limit)
      .toArray();
  }

  async getChunks(tenant: string, ids: string[]): Promise<StoredChunk[]> {
    if (ids.length === 0) return [];
    const rows = await this.table
      .query()
      .where(`(tenant = ${sqlString(tenant)}) AND (${sqlIn('id', [...new Set(ids)])})`)
      .select(RESULT_COLUMNS)
      .toArray();
    const byId = new Map(asRecords(rows).map((row) => [stringField(row, 'id'), fromRow(row)]));
    // Keep the caller's order.
    return [...new Set(ids)].flatMap((id) => {
      const chunk = byId.get(id);
      return chunk ? [chunk] : [];
    });
  }

  async deleteDocument(tenant: string, documentId: string, options: { keepFingerprint?: string; onlyFingerprint?: string } = {}): Promise<void> {
    const clauses = [`tenant = ${sqlString(tenant)}`, `document_id = ${sqlString(documentId)}`];
    if (options.keepFingerprint !== undefined) clauses.push(`fingerprint <> ${sqlString(options.keepFingerprint)}`);
    if (options.onlyFingerprint !== undefined) clauses.push(`fingerprint = ${sqlString(options.onlyFingerprint)}`);
    await this.serialiseAfterPendingUpserts(async () => {
      const deleted = await this.table.delete(clauses.map((clause) => `(${clause})`).join(' AND '));
      // A delete is a commit too: it counts towards the next optimisation (once the table has been written).
      if (this.hasTextIndex) await this.maintainTextIndex(deleted.numDeletedRows);
    });
  }

  async deleteChunks(tenant: string, ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    // Bounded IN lists keep each predicate small.
    for (let i = 0; i < unique.length; i += 500) {
      const list = unique
        .slice(i, i + 500)
        .map((id) => sqlString(id))
        .join(', ');
      await this.serialiseAfterPendingUpserts(async () => {
        const deleted = await this.table.delete(`(tenant = ${sqlString(tenant)}) AND (id IN (${list}))`);
        if (this.hasTextIndex) await this.maintainTextIndex(deleted.numDeletedRows);
      });
    }
  }

  async countDocument(tenant: string, documentId: string, fingerprint?: string): Promise<number> {
    const clauses = [`tenant = ${sqlString(tenant)}`, `document_id = ${sqlString(documentId)}`];
    if (fingerprint !== undefined) clauses.push(`fingerprint = ${sqlString(fingerprint)}`);
    return this.table.countRows(clauses.map((clause) => `(${clause})`).join(' AND '));
  }

  async count(tenant?: string): Promise<number> {
    return tenant === undefined ? this.table.countRows() : this.table.countRows(`tenant = ${sqlString(tenant)}`);
  }

  /** Bytes held by LanceDB's index and metadata caches (the session of this store). */
  cacheSizeBytes(): number {
    return Number(this.session.sizeBytes());
  }

  /** Resolves once the writes and the maintenance (optimisation, cleanup) queued so far have finished. */
  async settled(): Promise<void> {
    await this.writes;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.optimizeTimer) clearTimeout(this.optimizeTimer);
    if (this.cleanupTimer) clearTimeout(this.cleanupTimer);
    this.optimizeTimer = undefined;
    this.cleanupTimer = undefined;
    await this.writes;
    this.table.close();
    this.connection.close();
  }

  private async hasUnindexedRows(): Promise<boolean> {
    return ((await this.table.indexStats(FTS_INDEX_NAME))?.numUnindexedRows ?? 0) > 0;
  }

  private async textIndexExists(): Promise<boolean> {
    return (await this.table.listIndices()).some((index) => index.name === FTS_INDEX_NAME);
  }

  /** Runs `task` after every earlier write; a failed write does not block later ones. */
  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const result = this.writes.then(task, task);
    this.writes = result.catch(() => undefined);
    return result;
  }

  /**
   * A delete queued behind an open group commit closes it: an upsert made after the delete must not join a
   * commit that runs before it (it would then be deleted).
   */
  private serialiseAfterPendingUpserts<T>(task: () => Promise<T>): Promise<T> {
    this.pendingUpsert = undefined;
    return this.serialise(task);
  }

  /**
   * Rows not yet covered by the FTS index are still searched (flat), so a chunk is findable by text as
   * soon as upsert resolves; the index is created on the first write and refreshed in bulk to keep
   * queries fast.
   */
  private async maintainTextIndex(changedRows: number): Promise<void> {
    if (!this.hasScalarIndices) {
      // Tables written before an index existed get it on their first write here.
      const existing = new Set((await this.table.listIndices()).map((index) => index.name));
      for (const wanted of SCALAR_INDICES) {
        if (!existing.has(wanted.name)) await this.table.createIndex(wanted.column, { config: wanted.config(), name: wanted.name, replace: true });
      }
      this.hasScalarIndices = true;
    }
    if (!this.hasTextIndex) this.hasTextIndex = await this.textIndexExists();
    if (!this.hasTextIndex) {
      await this.table.createIndex(FTS_COLUMN, {
        config: Index.fts({ language: 'English', stem: true, removeStopWords: true, lowercase: true, asciiFolding: true, withPosition: false }),
        replace: true,
      });
      this.hasTextIndex = true;
      this.rowsSinceOptimize = 0;
      this.writesSinceOptimize = 0;
      this.tableRowsAtOptimize = await this.table.countRows();
      return;
    }
    this.rowsSinceOptimize += changedRows;
    this.writesSinceOptimize += 1;
    const changes = { rows: this.rowsSinceOptimize, writes: this.writesSinceOptimize, tableRows: this.tableRowsAtOptimize };
    if (optimisationDue(changes, this.optimisation)) {
      await this.optimizeNow();
      return;
    }
    // What the budget leaves (the tail of a burst, a single upload) is indexed once writes pause.
    if (this.optimizeTimer) clearTimeout(this.optimizeTimer);
    if (this.closed) return;
    this.optimizeTimer = setTimeout(() => {
      this.optimizeTimer = undefined;
      // A query may have indexed everything meanwhile.
      void this.serialise(async () => {
        if (this.writesSinceOptimize > 0) await this.optimizeNow({ toOneFragment: true });
      }).catch(() => undefined);
    }, OPTIMIZE_DEBOUNCE_MS);
    this.optimizeTimer.unref();
  }

  /**
   * Folds new rows into the indices (FTS, id, tenant), compacts fragments and drops the versions no reader can
   * still be on (see cleanupCutoff). `toOneFragment` (when writes pause) runs a second pass that merges the
   * fragment the first one wrote into the rest, which the next optimisation would do anyway: the cleanup that
   * follows then commits nothing, so it can drop everything superseded, and a burst's last rewrites do not stay
   * on disk until the next write. A cleanup is scheduled once superseded versions have aged past the retention.
   */
  private async optimizeNow(options: { toOneFragment?: boolean } = {}): Promise<void> {
    this.rowsSinceOptimize = 0;
    this.writesSinceOptimize = 0;
    let changed = await this.optimizeOnce(true);
    if (options.toOneFragment && (await this.table.stats()).fragmentStats.numFragments > 1) changed = (await this.optimizeOnce(true)) || changed;
    this.tableRowsAtOptimize = await this.table.countRows();
    if (this.optimisation.retainVersionsMs > 0 && changed) this.scheduleCleanup();
  }

  /** One LanceDB optimize; true when it committed or removed versions. */
  private async optimizeOnce(mayCommit: boolean): Promise<boolean> {
    const retainMs = this.optimisation.retainVersionsMs;
    const commitsFirstMs = mayCommit ? Math.max(MIN_CLEANUP_ALLOWANCE_MS, 2 * this.lastOptimizeMs) : 0;
    const started = performance.now();
    const versionBefore = await this.table.version();
    const cutoff = cleanupCutoff(await this.table.listVersions(), Date.now(), retainMs, commitsFirstMs);
    const stats = await this.table.optimize({ cleanupOlderThan: cutoff });
    if (mayCommit) this.lastOptimizeMs = performance.now() - started;
    return stats.prune.oldVersionsRemoved > 0 || (await this.table.version()) !== versionBefore;
  }

  /** Drops what the last optimisation superseded once no reader can be on it, unless writes came since. */
  private scheduleCleanup(): void {
    if (this.cleanupTimer) clearTimeout(this.cleanupTimer);
    if (this.closed) return;
    const delayMs = this.optimisation.retainVersionsMs + 2 * Math.max(MIN_CLEANUP_ALLOWANCE_MS, 2 * this.lastOptimizeMs) + CALL_DRIFT_MS;
    this.cleanupTimer = setTimeout(() => {
      this.cleanupTimer = undefined;
      // With writes since, the next optimisation (budget or pause) cleans up and schedules this again.
      void this.serialise(async () => {
        if (this.writesSinceOptimize > 0) return;
        // One unindexed-free fragment and no writes: the optimisation has nothing to compact or index.
        if ((await this.table.stats()).fragmentStats.numFragments > 1) await this.optimizeNow({ toOneFragment: true });
        else if (await this.optimizeOnce(false)) this.scheduleCleanup();
      }).catch(() => undefined);
    }, delayMs);
    this.cleanupTimer.unref();
  }
}
