import * as z from 'zod';
import type { GeneratedCitation } from '../../shared/generation/generator';
import { tenantPattern } from '../../shared/contracts/tenant';
import type { ScoredChunk } from '../../shared/documents/chunk';
import type { UsageTally } from '../../shared/usage/tally';
import {
  type GenerationOutput,
  type InputGuardOutput,
  payloadBytes,
  type QueryState,
  RANKED_PAYLOAD_MAX_BYTES,
  type RankedOutput,
  type ValidatedQuery,
} from '../../shared/pipeline/query';
import { type GuardrailFinding, type GuardrailSummary, type QueryWorkflowInput, queryFiltersSchema, queryRequestSchema } from '../../shared/contracts/query';
import type { Assert, SchemaMatches } from '../task';

/**
 * The input of each query Task, in full (statemachines/query.asl.json). Every Task takes the whole
 * execution state (no InputPath or Parameters): the workflow input plus the ResultPath of each step
 * so far; InputAllowed decides which steps ran (blocked: none, knowledge-base: Generate, otherwise
 * RetrieveAndRank and Generate). Past ValidateQuery the state lets other top-level fields through
 * (`.loose()`); the step results nested in it are checked field by field.
 */
const requestId = z.string().min(1);
const tenant = z.string().regex(tenantPattern);
const count = z.number().int().nonnegative();

/**
 * Task "ValidateQuery": the execution input, the public request contract (which rejects unknown
 * fields) plus identity from the edge. The limits come from configuration, which validateQuery
 * applies; here they are left open so the contract's shape has one source.
 */
export const validateSchema = queryRequestSchema({ maxQuestionChars: Number.POSITIVE_INFINITY, maxTopK: Number.POSITIVE_INFINITY }).extend({
  requestId,
  tenant,
  stream: z.boolean().optional(),
});
type _QueryWorkflowInput = Assert<SchemaMatches<typeof validateSchema, QueryWorkflowInput>>;

/** ValidateQuery's result, at `$.query`. */
export const validatedQuerySchema = z.object({
  requestId,
  tenant,
  question: z.string().min(1),
  topK: z.number().int().min(1),
  candidates: z.number().int().min(1),
  filter: queryFiltersSchema,
  promptVersion: z.string().min(1),
  mode: z.enum(['own-retrieval', 'knowledge-base']),
  sessionId: z.string().min(1).optional(),
});
type _ValidatedQuery = Assert<SchemaMatches<typeof validatedQuerySchema, ValidatedQuery>>;

const guardrailFindingSchema = z.object({
  type: z.enum(['PII', 'DENIED_TOPIC', 'PROMPT_ATTACK', 'GROUNDING', 'CONTENT', 'WORD']),
  detail: z.string(),
  action: z.enum(['BLOCKED', 'ANONYMIZED', 'DETECTED']),
});
type _GuardrailFinding = Assert<SchemaMatches<typeof guardrailFindingSchema, GuardrailFinding>>;

const guardrailSummarySchema = z.object({
  action: z.enum(['NONE', 'INTERVENED']),
  blocked: z.boolean(),
  findings: z.array(guardrailFindingSchema),
  groundingScore: z.number().min(0).max(1).optional(),
  guardrailId: z.string().min(1),
});
type _GuardrailSummary = Assert<SchemaMatches<typeof guardrailSummarySchema, GuardrailSummary>>;

/** What a Task's model calls spent (shared/usage/tally.ts), carried to ResolveCitations. */
const usageTallySchema = z.object({
  inputTokens: count,
  outputTokens: count,
  costUsd: z.number().min(0),
  calls: count,
  unpricedModels: z.array(z.string()),
  estimatedCalls: count,
});
type _UsageTally = Assert<SchemaMatches<typeof usageTallySchema, UsageTally>>;

/** GuardInput's result, at `$.inputGuard`. */
export const inputGuardOutputSchema = z.object({
  blocked: z.boolean(),
  question: z.string(),
  verdict: guardrailSummarySchema,
  message: z.string().optional(),
  spent: usageTallySchema.optional(),
});
type _InputGuardOutput = Assert<SchemaMatches<typeof inputGuardOutputSchema, InputGuardOutput>>;

const scoredChunkSchema = z.object({
  chunk: z.object({
    tenant,
    documentId: z.string().min(1),
    key: z.string().min(1),
    version: z.string().min(1),
    contentType: z.string().min(1),
    fingerprint: z.string().min(1),
    id: z.string().min(1),
    index: count,
    text: z.string(),
    location: z.object({ start: count, end: count, page: z.number().int().min(1).optional(), section: z.string().optional() }),
    title: z.string().optional(),
  }),
  score: z.number(),
});
type _ScoredChunk = Assert<SchemaMatches<typeof scoredChunkSchema, ScoredChunk>>;

/**
 * RetrieveAndRank's result, at `$.ranked`: the ranked chunks with their text, so no later step reads
 * the store again; bounded well under Step Functions' 256 KiB state limit (RANKED_PAYLOAD_MAX_BYTES says why).
 */
export const rankedOutputSchema = z
  .object({
    chunks: z.array(scoredChunkSchema),
    embeddingTokens: count,
    embeddingModel: z.string().min(1),
    belowFloor: z.boolean().optional(),
    spent: usageTallySchema.optional(),
  })
  .refine((ranked) => payloadBytes(ranked) <= RANKED_PAYLOAD_MAX_BYTES, {
    message: `the ranked chunks exceed ${RANKED_PAYLOAD_MAX_BYTES} bytes of state payload`,
    path: ['chunks'],
  });
type _RankedOutput = Assert<SchemaMatches<typeof rankedOutputSchema, RankedOutput>>;

const spanSchema = z.object({ start: count, end: count });
const generatedCitationSchema = z.object({
  chunkId: z.string().min(1),
  marker: z.number().int().min(1).optional(),
  answerSpan: spanSchema.optional(),
  excerptSpan: spanSchema.optional(),
  excerpt: z.string().optional(),
  uri: z.string().optional(),
});
type _GeneratedCitation = Assert<SchemaMatches<typeof generatedCitationSchema, GeneratedCitation>>;

/** Generate's result, at `$.generation`. */
export const generationOutputSchema = z.object({
  text: z.string(),
  citations: z.array(generatedCitationSchema),
  usage: z.object({ inputTokens: count, outputTokens: count, estimated: z.boolean().optional() }),
  model: z.string().min(1),
  fallbackUsed: z.boolean(),
  guardrail: guardrailSummarySchema,
  sessionId: z.string().optional(),
  chunkIds: z.array(z.string().min(1)),
  spent: usageTallySchema.optional(),
});
type _GenerationOutput = Assert<SchemaMatches<typeof generationOutputSchema, GenerationOutput>>;

/** Everything the state can hold by the end (QueryState); each Task's schema below narrows it to the paths that reach the Task. */
const stateSchema = validateSchema.loose();
export const queryStateSchema = stateSchema.extend({
  query: validatedQuerySchema,
  inputGuard: inputGuardOutputSchema,
  ranked: rankedOutputSchema.optional(),
  generation: generationOutputSchema.optional(),
});
type _QueryState = Assert<SchemaMatches<typeof queryStateSchema, QueryState>>;

/** Past InputAllowed every path but the blocked one. */
const allowedInputGuardSchema = inputGuardOutputSchema.extend({ blocked: z.literal(false) });
/** RetrieveAndRank runs only on the own-retrieval path. */
const ownRetrievalPath = {
  query: validatedQuerySchema.extend({ mode: z.literal('own-retrieval') }),
  inputGuard: allowedInputGuardSchema,
};

/** The results a state holds on its path once Generate has run: none when blocked, the steps of its mode otherwise. */
function resultsOnPath(state: { query: ValidatedQuery; inputGuard: InputGuardOutput }): ('ranked' | 'generation')[] {
  if (state.inputGuard.blocked) return [];
  return state.query.mode === 'knowledge-base' ? ['generation'] : ['ranked', 'generation'];
}

function requireResults(before: 'Generate' | 'ResolveCitations') {
  return (state: QueryState, ctx: z.RefinementCtx): void => {
    for (const result of resultsOnPath(state)) {
      if (before === 'Generate' && result === 'generation') continue;
      if (state[result] === undefined) ctx.addIssue({ code: 'custom', path: [result], message: `is required before ${before} in ${state.query.mode} mode` });
    }
  };
}

/** Task "GuardInput": the workflow input and ValidateQuery's result. */
export const guardInputSchema = stateSchema.extend({ query: validatedQuerySchema });

/** Task "RetrieveAndRank": plus GuardInput's result. */
export const retrieveAndRankSchema = stateSchema.extend(ownRetrievalPath);

/** Task "Generate": RetrieveAndRank's result on the own-retrieval path, none on the knowledge-base path. */
export const generateSchema = stateSchema
  .extend({
    query: validatedQuerySchema,
    inputGuard: allowedInputGuardSchema,
    ranked: rankedOutputSchema.optional(),
  })
  .superRefine(requireResults('Generate'));

/** Task "ResolveCitations": every path ends here, the blocked one straight from InputAllowed. */
export const citationsSchema = queryStateSchema.superRefine(requireResults('ResolveCitations'));

export const labels = {
  correlationId: (state: { requestId: string }) => state.requestId,
  tenant: (state: { tenant: string }) => state.tenant,
};
