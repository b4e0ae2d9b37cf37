import type { ScoredChunk } from '../documents/chunk';
import type { ChunkFilter } from '../vectors/vector-store';
import type { GuardrailVerdict } from '../guardrails/guardrail';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** The model reported no counts: these are estimates (about 4 characters a token). */
  estimated?: boolean;
}

/** A reference from answer text to a chunk the generator was given (or, KB mode, retrieved). */
export interface GeneratedCitation {
  chunkId: string;
  /** Marker number as it appears in the answer text, e.g. 1 for "[1]". */
  marker?: number;
  /** Span of the answer text this citation supports, [start, end). */
  answerSpan?: { start: number; end: number };
  /** The cited sentence's offsets within the chunk text, [start, end): sentence-level citations. */
  excerptSpan?: { start: number; end: number };
  /** For KB mode, where the chunk is not in our store: what the service returned. */
  excerpt?: string;
  uri?: string;
}

export interface GenerationRequest {
  tenant: string;
  question: string;
  /** Ranked chunks to ground the answer (own-retrieval mode). Empty for knowledge-base mode. */
  chunks: ScoredChunk[];
  promptVersion: string;
  /** For knowledge-base mode: the tenant + request filters to apply to its retrieval. */
  filter?: ChunkFilter;
  topK?: number;
  sessionId?: string;
}

export interface GenerationResult {
  text: string;
  citations: GeneratedCitation[];
  usage: TokenUsage;
  /** The model that actually answered (after any fallback). */
  model: string;
  /** True when a fallback model answered because the primary was throttled or down. */
  fallbackUsed: boolean;
  /** Verdict of a guardrail applied during generation (Bedrock), if any. */
  guardrail?: GuardrailVerdict;
  /** Session id returned by the service (Knowledge Base); never invented. */
  sessionId?: string;
}

export type GenerationEvent =
  | { type: 'delta'; text: string }
  | { type: 'citations'; citations: GeneratedCitation[] }
  /** `guardrail`: the verdict of a guardrail applied during generation (Bedrock), as GenerationResult's. */
  | { type: 'done'; usage: TokenUsage; model: string; fallbackUsed: boolean; guardrail?: GuardrailVerdict }
  | { type: 'error'; error: { name: string; message: string } };

export interface Generator {
  /** "own-retrieval": answers from the chunks it is given; "knowledge-base": retrieves and answers in one call. */
  readonly mode: 'own-retrieval' | 'knowledge-base';
  readonly modelId: string;
  generate(request: GenerationRequest): Promise<GenerationResult>;
  /** Yields deltas, then citations, then done; or an explicit error event when the stream breaks. */
  generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent>;
}
