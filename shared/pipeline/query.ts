import type { ScoredChunk, StoredChunk } from '../documents/chunk';
import type { GeneratedCitation, GenerationRequest, GenerationResult, TokenUsage } from '../generation/generator';
import { costUsd } from '../generation/pricing';
import { loadPrompt } from '../prompts/index';
import type { GuardrailVerdict } from '../guardrails/guardrail';
import { sha256Hex } from '../documents/identity';
import { ValidationError } from '../errors';
import { logger, metrics, MetricUnit, traceStage } from '../observability/telemetry';
import type { BlobStore } from '../storage/blob-store';
import type { ChunkFilter } from '../vectors/vector-store';
import { type Citation, type GuardrailSummary, type QueryResponse, type QueryWorkflowInput, queryRequestSchema } from '../contracts/query';
import type { Services } from './services';

/**
 * Query use-cases, one per query state machine Task. Between steps only chunk ids and scores
 * travel; chunk text is read from the vector store where it is needed.
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
}

export interface ChunkRef {
  id: string;
  score: number;
}

export interface RetrievalOutput {
  candidates: ChunkRef[];
  embeddingTokens: number;
  embeddingModel: string;
}

export interface RankedOutput {
  chunks: ChunkRef[];
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
}

export interface QueryState extends QueryWorkflowInput {
  query: ValidatedQuery;
  inputGuard: InputGuardOutput;
  retrieval?: RetrievalOutput;
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
  const parsed = queryRequestSchema(config.query).safeParse(request);
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
  return traceStage('GuardInput', async () => {
    const verdict = await services.guardrail.checkInput(query.question);
    if (verdict.action === 'INTERVENED') metrics.addMetric('GuardrailInterventions', MetricUnit.Count, 1);
    return {
      blocked: verdict.blocked,
      question: verdict.blocked ? '' : verdict.text,
      verdict: summarizeVerdict(verdict),
      ...(verdict.message ? { message: verdict.message } : {}),
    };
  });
}

export type RetrieveDeps = Pick<Services, 'embedder' | 'vectors'>;

export async function retrieve(services: RetrieveDeps, query: ValidatedQuery, question: string): Promise<RetrievalOutput> {
  return traceStage('Retrieve', async () => {
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
    metrics.addMetric('RetrievedChunks', MetricUnit.Count, results.length);
    return {
      candidates: results.map((r) => ({ id: r.chunk.id, score: r.score })),
      embeddingTokens: inputTokens,
      embeddingModel: services.embedder.modelId,
    };
  });
}

/** Chunks by id in the given order, restricted to the tenant. */
export async function loadChunks(services: Pick<Services, 'vectors'>, tenant: string, refs: ChunkRef[]): Promise<ScoredChunk[]> {
  const stored = await services.vectors.getChunks(
    tenant,
    refs.map((r) => r.id),
  );
  const byId = new Map(stored.map((c) => [c.id, c]));
  return refs.flatMap((r) => {
    const chunk = byId.get(r.id);
    return chunk ? [{ chunk, score: r.score }] : [];
  });
}

export type RerankDeps = Pick<Services, 'config' | 'vectors' | 'reranker'>;

export async function rerank(services: RerankDeps, query: ValidatedQuery, question: string, retrieval: RetrievalOutput): Promise<RankedOutput> {
  return traceStage('Rerank', async () => {
    const candidates = await loadChunks(services, query.tenant, retrieval.candidates);
    const ranked = services.reranker ? await services.reranker.rerank(question, candidates, query.topK) : candidates.slice(0, query.topK);
    const kept = ranked.filter((r) => r.score >= services.config.query.minRelevance);
    return { chunks: kept.map((r) => ({ id: r.chunk.id, score: r.score })) };
  });
}

export type GenerateDeps = Pick<Services, 'vectors' | 'generator' | 'guardrail'>;

export async function generate(services: GenerateDeps, state: QueryState): Promise<GenerationOutput> {
  return traceStage('Generate', async () => {
    const chunks = state.ranked ? await loadChunks(services, state.query.tenant, state.ranked.chunks) : [];
    const result = await services.generator.generate(generationRequest(state, chunks));
    return guardGeneration(services, state, chunks, result);
  });
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
  if (result.fallbackUsed) metrics.addMetric('GenerationFallbacks', MetricUnit.Count, 1);
  const sources = chunks.length > 0 ? chunks.map((c) => ({ text: c.chunk.text })) : result.citations.flatMap((c) => (c.excerpt ? [{ text: c.excerpt }] : []));
  // An answer without citations is the fixed "not found" reply: nothing to ground, only PII to redact.
  const check = result.citations.length > 0 ? await services.guardrail.checkOutput(result.text, inputGuard.question, sources) : undefined;
  const generationVerdict = result.guardrail;
  const blocked = (check?.blocked ?? false) || (generationVerdict?.blocked ?? false);
  const findings = [...(generationVerdict?.findings ?? []), ...(check?.findings ?? [])];
  if (findings.length > 0 || blocked) metrics.addMetric('GuardrailInterventions', MetricUnit.Count, 1);
  metrics.addMetric('InputTokens', MetricUnit.Count, result.usage.inputTokens);
  metrics.addMetric('OutputTokens', MetricUnit.Count, result.usage.outputTokens);
  const safeText = check ? check.text : await services.guardrail.redactPii(result.text);
  return {
    text: blocked ? (check?.message ?? generationVerdict?.message ?? NO_ANSWER) : safeText,
    citations: blocked ? [] : result.citations,
    usage: result.usage,
    model: result.model,
    fallbackUsed: result.fallbackUsed,
    guardrail: {
      action: findings.length > 0 || blocked ? 'INTERVENED' : 'NONE',
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

/** Resolves citations to documents, prices the request and shapes the response. */
export async function resolveCitations(services: ResolveCitationsDeps, state: QueryState): Promise<QueryResponse> {
  const { config } = services;
  const { query, inputGuard, generation } = state;
  const embeddingTokens = state.retrieval?.embeddingTokens ?? 0;
  const embeddingCost = state.retrieval ? costUsd(state.retrieval.embeddingModel, { inputTokens: embeddingTokens, outputTokens: 0 }) : 0;
  if (!generation) {
    return {
      answer: inputGuard.message ?? 'Your question cannot be answered.',
      citations: [],
      guardrail: inputGuard.verdict,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      model: services.generator.modelId,
      fallbackUsed: false,
      promptVersion: query.promptVersion,
      requestId: query.requestId,
    };
  }
  const ids = [...new Set(generation.citations.map((c) => c.chunkId))];
  const chunks = new Map((await services.vectors.getChunks(query.tenant, ids)).map((c) => [c.id, c]));
  const citations: Citation[] = generation.citations.flatMap((generated) => {
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
  const cost = costUsd(generation.model, generation.usage) + embeddingCost;
  const guardrail: GuardrailSummary =
    inputGuard.verdict.action === 'INTERVENED'
      ? { ...generation.guardrail, action: 'INTERVENED', findings: [...inputGuard.verdict.findings, ...generation.guardrail.findings] }
      : generation.guardrail;
  metrics.addMetric('QueryCostUsd', MetricUnit.NoUnit, cost);
  logger.info('Query answered', {
    questionSha256: sha256Hex(query.question).slice(0, 16),
    questionChars: query.question.length,
    answerChars: generation.text.length,
    citations: citations.length,
    inputTokens: generation.usage.inputTokens,
    outputTokens: generation.usage.outputTokens,
    costUsd: cost,
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
    usage: { inputTokens: generation.usage.inputTokens + embeddingTokens, outputTokens: generation.usage.outputTokens, costUsd: Number(cost.toFixed(8)) },
    model: generation.model,
    fallbackUsed: generation.fallbackUsed,
    promptVersion: query.promptVersion,
    requestId: query.requestId,
    ...(generation.sessionId ? { sessionId: generation.sessionId } : {}),
  };
}
