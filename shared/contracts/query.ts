import * as z from 'zod';
import { sessionIdSchema } from './sessions';

/**
 * The public query contract (DESIGN §6). The zod schemas validate requests at the edge and are
 * the single source for the API description.
 */
export const queryFiltersSchema = z
  .object({
    documentIds: z
      .array(z.string().regex(/^[0-9a-f]{32}$/, 'must be a document id'))
      .min(1)
      .max(100)
      .optional(),
    keyPrefix: z.string().min(1).max(1024).optional(),
    contentTypes: z.array(z.string().min(1).max(100)).min(1).max(20).optional(),
  })
  .strict();

export function queryRequestSchema(limits: { maxQuestionChars: number; maxTopK: number }) {
  return z
    .object({
      question: z
        .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
        .trim()
        .min(1, 'must not be empty')
        .max(limits.maxQuestionChars, `must be at most ${limits.maxQuestionChars} characters`),
      topK: z.number().int('must be an integer').min(1).max(limits.maxTopK).optional(),
      filters: queryFiltersSchema.optional(),
      /** Continue a conversation (shared/contracts/sessions.ts); an id the tenant does not have starts a new one. */
      sessionId: sessionIdSchema.optional(),
      /** false: answer afresh, neither reading nor writing the answer cache. */
      cache: z.boolean().optional(),
    })
    .strict();
}

export type QueryRequest = z.infer<ReturnType<typeof queryRequestSchema>>;
export type QueryFilters = z.infer<typeof queryFiltersSchema>;

/** Input of the query state machine: the validated request plus identity from the edge. */
export interface QueryWorkflowInput extends QueryRequest {
  requestId: string;
  tenant: string;
  /** Stop before Generate and return the state: the caller streams the generation itself. */
  stream?: boolean;
}

export interface CitationLocation {
  start: number;
  end: number;
  page?: number;
  section?: string;
  chunkIndex?: number;
}

export interface Citation {
  /** Marker number used in the answer text ("[1]"). */
  marker?: number;
  documentId: string;
  chunkId?: string;
  /** Where the document lives: s3://bucket/key on AWS, the documents-store key locally. */
  uri: string;
  key: string;
  title?: string;
  excerpt: string;
  location: CitationLocation;
}

/** What a guardrail found (every response carries them, input and output checks alike). */
export interface GuardrailFinding {
  type: 'PII' | 'DENIED_TOPIC' | 'PROMPT_ATTACK' | 'GROUNDING' | 'CONTENT' | 'WORD';
  /** Short machine-readable detail: the PII entity type, topic name, filter name. Never the matched text. */
  detail: string;
  action: 'BLOCKED' | 'ANONYMIZED' | 'DETECTED';
}

export interface GuardrailSummary {
  action: 'NONE' | 'INTERVENED';
  blocked: boolean;
  findings: GuardrailFinding[];
  groundingScore?: number;
  guardrailId: string;
}

/**
 * What answering cost: the sums of the request's model calls (embedding, rerank, generation, guardrails), the
 * same figures its invocation records log and GET /usage adds up. `costUsd` is null when a model has no price
 * for its Region (`unpricedModels` names them): unknown, not zero. `estimated` when some token counts are
 * estimates (a model that reports none, as the Knowledge Base's RetrieveAndGenerate and the local models).
 */
export interface QueryUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  calls?: number;
  unpricedModels?: string[];
  estimated?: boolean;
}

export interface QueryResponse {
  answer: string;
  citations: Citation[];
  guardrail: GuardrailSummary;
  usage: QueryUsage;
  model: string;
  fallbackUsed: boolean;
  promptVersion: string;
  requestId: string;
  /** The conversation this answer belongs to (always set by the API; see shared/contracts/sessions.ts). */
  sessionId?: string;
  /** True when the session started with this request. */
  newSession?: boolean;
  /** Why a given session id was not continued. */
  notContinued?: 'unknown-session';
  /** The standalone question retrieval ran on, when a follow-up was rewritten. */
  rewrittenQuestion?: string;
  /** True when the answer came from the answer cache (no model was called). */
  cached?: boolean;
}
