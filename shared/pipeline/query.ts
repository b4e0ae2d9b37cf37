import type { ScoredChunk, StoredChunk } from '../documents/chunk';
import type { GeneratedCitation, GenerationRequest, GenerationResult, TokenUsage } from '../generation/generator';
import { loadPrompt } from '../prompts/index';
import type { GuardrailVerdict } from '../guardrails/guardrail';
import { sha256Hex } from '../documents/identity';
import { ValidationError } from '../errors';
import { METRIC } from '../observability/metric-names';
import { logger, MetricUnit, recordMetric, traceStage } from '../observability/telemetry';
import { recordGuardrailFindings } from '../usage/recorder';
import type { BlobStore } from '../storage/blob-store';
import type { ChunkFilter } from '../vectors/vector-store';
import type { Citation, GuardrailSummary, QueryResponse, QueryUsage, QueryWorkflowInput } from '../contracts/query';
import { sumTallies, type UsageTally } from '../usage/tally';
import { requestSchemaFor } from './request-schema';
import type { Services } from './services';
import { applyRelevanceFloor } from './relevance-floor';

/**
 * Query use-cases, one per query state machine Task. Retrieval and rerank run in one Task whose
 * result carries the top-K ranked chunks with their text and metadata (bounded, see
 * `rankedPayloadBytes`): Generate and ResolveCitations read nothing back from the store.
 */

export interface ValidatedQuery {
  requestId: string;
  tenant: string;
  question: string;
  topK: number;
  candidates: number;
  filter: ChunkFilter;
  promptVersion: string;
  mode: 'own-retrieval' | 'knowledge-base';
  sessionId?: string;
}

export interface InputGuardOutput {
  blocked: boolean;
  /** The question to use downstream: PII redacted. */
  question: string;
  verdict: GuardrailSummary;
  message?: string;
  /** What the Task's model calls spent (its handler adds it: shared/usage/tally.ts). */
  spent?: UsageTally;
}

/** A chunk's place in a ranking (the evaluation scores rankings by id). */
export interface ChunkRef {
  id: string;
  score: number;
}

/** What RetrieveAndRank hands on: the ranked chunks themselves (best first), and what embedding the question cost. */
export interface RankedOutput {
  chunks: ScoredChunk[];
  /** No chunk covers enough of the question: the ranking stays (eval, logs), the answer is "not found". */
  belowFloor?: boolean;
  embeddingTokens: number;
  embeddingModel: string;
  spent?: UsageTally;
}

export interface GenerationOutput {
  text: string;
  citations: GeneratedCitation[];
  usage: TokenUsage;
  model: string;
  fallbackUsed: boolean;
  guardrail: GuardrailSummary;
  sessionId?: string;
  /** Chunks the answer was grounded on, best first (own-retrieval mode). */
  chunkIds: string[];
  spent?: UsageTally;
}

export interface QueryState extends QueryWorkflowInput {
  query: ValidatedQuery;
  inputGuard: InputGuardOutput;
  ranked?: RankedOutput;
  generation?: GenerationOutput;
}

const NO_ANSWER = 'I could not find an answer in the documents.';

export function summarizeVerdict(verdict: GuardrailVerdict): GuardrailSummary {
  return {
    action: verdict.action,
    blocked: verdict.blocked,
    findings: verdict.findings,
    guardrailId: verdict.guardrailId,
    ...(verdict.groundingScore !== undefined ? { groundingScore: verdict.groundingScore } : {}),
  };
}

export type ValidateQueryDeps = Pick<Services, 'config' | 'generator'>;

/** Re-validates the workflow input (the state machine may be started by other callers than our API) and applies defaults. */
export function validateQuery(services: ValidateQueryDeps, input: QueryWorkflowInput): ValidatedQuery {
  const { config } = services;
  // `stream` steers the state machine (GenerateOrStream), not the query itself.
  const { requestId, tenant, stream: _stream, ...request } = input;
  const parsed = requestSchemaFor(config.query).safeParse(request);
  if (!parsed.success) {
    throw new ValidationError(
      'Invalid query',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message })),
    );
  }
  if (!tenant || !requestId) throw new ValidationError('Query without tenant or request id');
  const q = parsed.data;
  return {
    requestId,
    tenant,
    question: q.question,
    topK: q.topK ?? config.query.defaultTopK,
    candidates: Math.max(config.query.candidates, q.topK ?? 0),
    filter: { ...(q.filters ?? {}) },
    promptVersion: config.query.promptVersion,
    mode: services.generator.mode,
    ...(q.sessionId ? { sessionId: q.sessionId } : {}),
  };
}

export type GuardInputDeps = Pick<Services, 'guardrail'>;

export async function guardInput(services: GuardInputDeps, query: ValidatedQuery): Promise<InputGuardOutput> {
  const annotations = { tenant: query.tenant, promptVersion: query.promptVersion };
  return traceStage(
    'GuardInput',
    async () => {
      const verdict = await services.guardrail.checkInput(query.question);
      if (verdict.action === 'INTERVENED') recordMetric(METRIC.guardrailInterventions, MetricUnit.Count, 1);
      recordGuardrailFindings(verdict.findings.map((f) => f.type));
      return {
        blocked: verdict.blocked,
        question: verdict.blocked ? '' : verdict.text,
        verdict: summarizeVerdict(verdict),
        ...(verdict.message ? { message: verdict.message } : {}),
      };
    },
    annotations,
  );
}

export interface RetrievalOutput {
  candidates: ScoredChunk[];
  embeddingTokens: number;
  embeddingModel: string;
}

export type RetrieveDeps = Pick<Services, 'embedder' | 'vectors'>;

/** Embeds the question and searches the tenant's chunks; the store hands back each candidate with its text. */
export async function retrieve(services: RetrieveDeps, query: ValidatedQuery, question: string): Promise<RetrievalOutput> {
  const { vectors, inputTokens } = await services.embedder.embed([question], 'query');
  const vector = vectors[0];
  if (!vector) throw new Error('Embedder returned no vector for the query');
  const results = await services.vectors.query({
    tenant: query.tenant,
    vector,
    text: question,
    topK: query.candidates,
    filter: query.filter,
  });
  recordMetric(METRIC.retrievedChunks, MetricUnit.Count, results.length);
  // The store filters by tenant; a chunk of another tenant never goes further, whatever an adapter returns.
  return { candidates: results.filter((r) => r.chunk.tenant === query.tenant), embeddingTokens: inputTokens, embeddingModel: services.embedder.modelId };
}

export type RerankDeps = Pick<Services, 'config' | 'reranker'>;

/** Re-scores the candidates, keeps the best topK above the relevance floor. */
export async function rerank(services: RerankDeps, query: ValidatedQuery, question: string, candidates: ScoredChunk[]): Promise<ScoredChunk[]> {
  const ranked = services.reranker ? await services.reranker.rerank(question, candidates, query.topK) : candidates.slice(0, query.topK);
  const kept = ranked.filter((r) => r.score >= services.config.query.minRelevance);
  // Candidates retrieval found that did not make the answer's chunks (beyond topK, or under the relevance bar).
  recordMetric(METRIC.rerankDropOff, MetricUnit.Count, candidates.length - kept.length);
  return kept;
}

/**
 * Whether the best chunks cover too little of the question to answer it (shared/pipeline/relevance-floor.ts).
 * The ranking itself is kept (it is still the best the corpus has, and the eval scores it); only the answer
 * is withheld, so a refused question costs no retrieval quality.
 */
export function belowRelevanceFloor(services: Pick<Services, 'config'>, question: string, ranked: ScoredChunk[], candidates: ScoredChunk[]): boolean {
  return ranked.length > 0 && applyRelevanceFloor(question, ranked, { minCoverage: services.config.query.minCoverage, reference: candidates }).length === 0;
}

/**
 * The ranked chunks travel in the state machine's payload, whose size Step Functions caps at 256 KiB
 * per state input or output (262,144 bytes of UTF-8: "Maximum length of 262144",
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateEnteredEventDetails.html;
 * "256 kilobytes of data per workflow invocation",
 * https://aws.amazon.com/blogs/compute/introducing-larger-state-payloads-for-aws-step-functions/; both read
 * 2026-12-01). The state also holds the query, the guard's verdict and later the answer with its
 * excerpts, so the ranked chunks get at most 96 KiB: with the default 20 x 1,000-character chunks
 * (at most 3 UTF-8 bytes a character) they need about 80 KiB in the worst case, under 25 KiB for
 * ASCII text.
 */
export const RANKED_PAYLOAD_MAX_BYTES = 96 * 1024;

/** The UTF-8 size of a value as the state machine carries it (JSON). */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * The best chunks whose JSON fits `maxBytes`, in rank order: with the default limits everything fits;
 * an operator who raises RAG_CHUNK_SIZE and RAG_MAX_TOP_K together loses the lowest-ranked chunks
 * (counted in the `RankedChunksDropped` metric) instead of failing the execution.
 */
export function withinPayload(chunks: ScoredChunk[], maxBytes: number = RANKED_PAYLOAD_MAX_BYTES): ScoredChunk[] {
  // Envelope: `{"chunks":[` ... `],"embeddingTokens":...,"embeddingModel":"..."}` with room to spare.
  let used = 256;
  const kept: ScoredChunk[] = [];
  for (const chunk of chunks) {
    used += payloadBytes(chunk) + 1;
    if (used > maxBytes) break;
    kept.push(chunk);
  }
  if (kept.length < chunks.length) recordMetric(METRIC.rankedChunksDropped, MetricUnit.Count, chunks.length - kept.length);
  return kept;
}

export type RetrieveAndRankDeps = RetrieveDeps & RerankDeps;

/** Query Task "RetrieveAndRank": retrieve, then rerank, in one invocation (they always run together); the result carries the chunks' text. */
export async function retrieveAndRank(services: RetrieveAndRankDeps, query: ValidatedQuery, question: string): Promise<RankedOutput> {
  const retrieval = await traceStage('Retrieve', () => retrieve(services, query, question), { tenant: query.tenant, model: services.embedder.modelId });
  const ranked = await traceStage('Rerank', () => rerank(services, query, question, retrieval.candidates), {
    tenant: query.tenant,
    model: services.reranker?.modelId,
  });
  const belowFloor = belowRelevanceFloor(services, question, ranked, retrieval.candidates);
  if (belowFloor) recordMetric(METRIC.answersWithheldBelowFloor, MetricUnit.Count, 1);
  return {
    chunks: withinPayload(ranked),
    embeddingTokens: retrieval.embeddingTokens,
    embeddingModel: retrieval.embeddingModel,
    ...(belowFloor ? { belowFloor } : {}),
  };
}

export type GenerateDeps = Pick<Services, 'generator' | 'guardrail'>;

export async function generate(services: GenerateDeps, state: QueryState): Promise<GenerationOutput> {
  return traceStage(
    'Generate',
    async () => {
      const chunks = answerableChunks(state);
      const result = await services.generator.generate(generationRequest(state, chunks));
      return guardGeneration(services, state, chunks, result);
    },
    { tenant: state.query.tenant, model: services.generator.modelId, promptVersion: state.query.promptVersion },
  );
}

/** The chunks an answer may use: none when the ranking is below the relevance floor. */
export function answerableChunks(state: Pick<QueryState, 'ranked'>): ScoredChunk[] {
  return state.ranked && !state.ranked.belowFloor ? state.ranked.chunks : [];
}

/** What the generator is asked, from the state the query state machine built. */
export function generationRequest(state: QueryState, chunks: ScoredChunk[]): GenerationRequest {
  const { query, inputGuard } = state;
  return {
    tenant: query.tenant,
    question: inputGuard.question,
    chunks,
    promptVersion: query.promptVersion,
    filter: query.filter,
    topK: query.topK,
    ...(query.sessionId ? { sessionId: query.sessionId } : {}),
  };
}

/**
 * The output guardrail on a whole answer (generated at once, or streamed and collected): grounding
 * against the sources, PII redaction, a blocked answer replaced by the guardrail's message.
 */
export async function guardGeneration(
  services: Pick<Services, 'guardrail'>,
  state: QueryState,
  chunks: ScoredChunk[],
  result: GenerationResult,
): Promise<GenerationOutput> {
  const { inputGuard } = state;
  if (result.fallbackUsed) recordMetric(METRIC.generationFallbacks, MetricUnit.Count, 1);
  const sources = chunks.length > 0 ? chunks.map((c) => ({ text: c.chunk.text })) : result.citations.flatMap((c) => (c.excerpt ? [{ text: c.excerpt }] : []));
  // An answer without citations is the fixed "not found" reply: nothing to ground, only PII to redact.
  const check = result.citations.length > 0 ? await services.guardrail.checkOutput(result.text, inputGuard.question, sources) : undefined;
  const generationVerdict = result.guardrail;
  const blocked = (check?.blocked ?? false) || (generationVerdict?.blocked ?? false);
  const findings = [...(generationVerdict?.findings ?? []), ...(check?.findings ?? [])];
  // A finding only DETECTED (a planted instruction in a source, reported, the source kept fenced) changed nothing.
  const intervened = blocked || findings.some((f) => f.action !== 'DETECTED');
  if (intervened) recordMetric(METRIC.guardrailInterventions, MetricUnit.Count, 1);
  recordGuardrailFindings((check?.findings ?? []).map((f) => f.type));
  const safeText = check ? check.text : await services.guardrail.redactPii(result.text);
  return {
    text: blocked ? (check?.message ?? generationVerdict?.message ?? NO_ANSWER) : safeText,
    citations: blocked ? [] : result.citations,
    usage: result.usage,
    model: result.model,
    fallbackUsed: result.fallbackUsed,
    guardrail: {
      action: intervened ? 'INTERVENED' : 'NONE',
      blocked,
      findings,
      guardrailId: check?.guardrailId ?? generationVerdict?.guardrailId ?? 'none',
      ...(check?.groundingScore !== undefined ? { groundingScore: check.groundingScore } : {}),
    },
    chunkIds: chunks.map((c) => c.chunk.id),
    ...(result.sessionId ? { sessionId: result.sessionId } : {}),
  };
}

function citationFromChunk(chunk: StoredChunk, generated: GeneratedCitation, documents: BlobStore): Citation {
  return {
    ...(generated.marker !== undefined ? { marker: generated.marker } : {}),
    documentId: chunk.documentId,
    chunkId: chunk.id,
    uri: documents.uriFor(chunk.key),
    key: chunk.key,
    ...(chunk.title ? { title: chunk.title } : {}),
    excerpt: generated.excerpt ?? chunk.text,
    // Chunk text is exactly the document's text between its offsets, so a sentence span inside
    // the chunk maps to exact document offsets: the citation points at the sentence, not the chunk.
    location: {
      start: chunk.location.start + (generated.excerptSpan?.start ?? 0),
      end: generated.excerptSpan ? chunk.location.start + generated.excerptSpan.end : chunk.location.end,
      chunkIndex: chunk.index,
      ...(chunk.location.page !== undefined ? { page: chunk.location.page } : {}),
      ...(chunk.location.section ? { section: chunk.location.section } : {}),
    },
  };
}

export type ResolveCitationsDeps = Pick<Services, 'config' | 'documents' | 'vectors' | 'generator'>;

/** One entry per (marker, chunk): a model may cite the same source twice with the same marker. */
export function uniqueCitations(citations: GeneratedCitation[]): GeneratedCitation[] {
  const seen = new Set<string>();
  return citations.filter((c) => {
    const key = `${c.marker ?? ''}\u0000${c.chunkId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The chunks the citations point at: the ranked chunks the state carries (own retrieval). Only the
 * Knowledge Base, which retrieved by itself, leaves ids to read from the store.
 */
async function citedChunks(services: Pick<Services, 'vectors'>, state: QueryState, citations: GeneratedCitation[]): Promise<Map<string, StoredChunk>> {
  const chunks = new Map((state.ranked?.chunks ?? []).map((c) => [c.chunk.id, c.chunk]));
  if (state.query.mode !== 'knowledge-base') return chunks;
  const missing = [...new Set(citations.map((c) => c.chunkId))].filter((id) => !chunks.has(id));
  if (missing.length > 0) for (const chunk of await services.vectors.getChunks(state.query.tenant, missing)) chunks.set(chunk.id, chunk);
  return chunks;
}

/**
 * What the request spent: the sum of the tallies each Task's handler added to its output (input guard,
 * retrieval and rerank, generation with its output guard), i.e. of the invocation records it logged.
 */
export function queryUsage(state: Pick<QueryState, 'inputGuard' | 'ranked' | 'generation'>): QueryUsage {
  const tally = sumTallies([state.inputGuard.spent, state.ranked?.spent, state.generation?.spent]);
  return {
    inputTokens: tally.inputTokens,
    outputTokens: tally.outputTokens,
    costUsd: tally.unpricedModels.length > 0 ? null : Number(tally.costUsd.toFixed(9)),
    calls: tally.calls,
    ...(tally.unpricedModels.length > 0 ? { unpricedModels: tally.unpricedModels } : {}),
    ...(tally.estimatedCalls > 0 ? { estimated: true } : {}),
  };
}

/** Resolves citations to documents, prices the request and shapes the response. */
export async function resolveCitations(services: ResolveCitationsDeps, state: QueryState): Promise<QueryResponse> {
  const { config } = services;
  const { query, inputGuard, generation } = state;
  const usage = queryUsage(state);
  if (!generation) {
    return {
      answer: inputGuard.message ?? 'Your question cannot be answered.',
      citations: [],
      guardrail: inputGuard.verdict,
      usage,
      model: services.generator.modelId,
      fallbackUsed: false,
      promptVersion: query.promptVersion,
      requestId: query.requestId,
    };
  }
  const generated = uniqueCitations(generation.citations);
  const chunks = await citedChunks(services, state, generated);
  const citations: Citation[] = generated.flatMap((generated) => {
    const chunk = chunks.get(generated.chunkId);
    if (chunk) return [citationFromChunk(chunk, generated, services.documents)];
    // Knowledge Base mode: the service retrieved the chunk; keep what it told us.
    if (generated.uri && generated.excerpt) {
      return [
        {
          ...(generated.marker !== undefined ? { marker: generated.marker } : {}),
          documentId: generated.chunkId,
          uri: generated.uri,
          key: generated.uri,
          excerpt: generated.excerpt,
          location: { start: 0, end: generated.excerpt.length },
        },
      ];
    }
    return [];
  });
  const guardrail: GuardrailSummary =
    inputGuard.verdict.action === 'INTERVENED'
      ? { ...generation.guardrail, action: 'INTERVENED', findings: [...inputGuard.verdict.findings, ...generation.guardrail.findings] }
      : generation.guardrail;
  recordMetric(METRIC.inputTokens, MetricUnit.Count, usage.inputTokens);
  recordMetric(METRIC.outputTokens, MetricUnit.Count, usage.outputTokens);
  if (usage.costUsd !== null) recordMetric(METRIC.queryCost, MetricUnit.NoUnit, usage.costUsd);
  logger.info('Query answered', {
    questionSha256: sha256Hex(query.question).slice(0, 16),
    questionChars: query.question.length,
    answerChars: generation.text.length,
    citations: citations.length,
    // The response's figures, so the log line and the answer never disagree.
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
    modelCalls: usage.calls,
    tokensEstimated: usage.estimated === true,
    model: generation.model,
    region: config.aws.region ?? 'local',
    promptVersion: query.promptVersion,
    promptSha256: loadPrompt(query.mode === 'knowledge-base' ? 'knowledge-base' : 'answer', query.promptVersion).sha256.slice(0, 16),
    fallbackUsed: generation.fallbackUsed,
    guardrailAction: guardrail.action,
    groundingScore: guardrail.groundingScore,
  });
  return {
    answer: generation.text,
    citations,
    guardrail,
    usage,
    model: generation.model,
    fallbackUsed: generation.fallbackUsed,
    promptVersion: query.promptVersion,
    requestId: query.requestId,
    ...(generation.sessionId ? { sessionId: generation.sessionId } : {}),
  };
}
