import type { UsageFeature } from '../contracts/usage';

/**
 * One record per model call (embedding, rerank, generation, guardrail): who it was for, which model in
 * which Region, what it cost and how it went. Logged through the Powertools logger ("Model invocation"),
 * counted in EMF metrics and summed into the usage store (shared/usage/recorder.ts).
 *
 * Never text: prompts, answers and documents appear only as SHA-256 hashes and sizes
 * (tests/e2e/invocation-records.test.ts scans every record of an end-to-end run for the fixtures' sentences).
 */
export const MODEL_CALL_KINDS = ['embedding', 'rerank', 'generation', 'guardrail'] as const;
export type ModelCallKind = (typeof MODEL_CALL_KINDS)[number];

export interface InvocationRecord {
  requestId: string;
  /** `unscoped`: a call outside any request (a test, the evaluation): logged and counted, never stored. */
  tenant: string;
  feature: UsageFeature | 'unscoped';
  kind: ModelCallKind;
  /** For guardrail calls: which check (input, output, redact). */
  operation?: string;
  /** The model that answered (after any fallback), a guardrail's id for guardrail calls. */
  modelId: string;
  /** The Region the call was priced in; `local` for the embedded runtime. */
  region: string;
  promptVersion?: string;
  /** SHA-256 (hex, first 16) of the prompt template of `promptVersion` (generation calls). */
  promptSha256?: string;
  /** SHA-256 (hex, first 16) of what was sent: the question and sources, the texts embedded, the text checked. */
  inputSha256: string;
  /** SHA-256 (hex, first 16) of what came back (the answer, the checked text); absent for vectors and scores. */
  outputSha256?: string;
  inputTokens: number;
  outputTokens: number;
  /** The model reported no counts; they are estimated (about 4 characters a token). */
  tokensEstimated: boolean;
  /** For rerank: the query units billed (one per 100 documents). */
  queryUnits?: number;
  /** For guardrail calls: the text units checked (one per 1,000 characters). */
  textUnits?: number;
  latencyMs: number;
  /** SDK attempts (1 when the model runs in-process). */
  attempts: number;
  throttles: number;
  fallbackUsed: boolean;
  guardrailAction?: 'NONE' | 'INTERVENED';
  cacheHit: boolean;
  /** USD; null when the model has no price for the Region (unknown, not zero). */
  costUsd: number | null;
  outcome: 'ok' | 'error';
  /** The error's name (never its message) when `outcome` is error. */
  errorName?: string;
  /** ISO 8601 time the call ended. */
  at: string;
}
