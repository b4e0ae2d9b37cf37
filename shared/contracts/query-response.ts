import * as z from 'zod';
import { sessionInfoSchema } from './sessions';
import { streamCitationSchema, streamDoneEventSchema } from './stream';

/**
 * The answer of `POST /query` as a schema: what `answerQuestion` (shared/pipeline/answer.ts) returns
 * and the handler sends. It equals the `QueryResponse` interface of ./query.ts (a test proves it at
 * compile time) and feeds the API description. Citations and usage are the stream's own schemas, so
 * both answers describe them once.
 */
export const guardrailFindingSchema = z.object({
  type: z.enum(['PII', 'DENIED_TOPIC', 'PROMPT_ATTACK', 'GROUNDING', 'CONTENT', 'WORD']),
  detail: z.string().describe('The PII entity type, topic or filter name; never the matched text.'),
  action: z.enum(['BLOCKED', 'ANONYMIZED', 'DETECTED']),
});

export const guardrailSummarySchema = z.object({
  action: z.enum(['NONE', 'INTERVENED']),
  blocked: z.boolean(),
  findings: z.array(guardrailFindingSchema),
  groundingScore: z.number().optional(),
  guardrailId: z.string(),
});

const session = sessionInfoSchema.shape;

export const queryResponseSchema = z.object({
  answer: z.string().describe('The answer; "[n]" markers point at the citation with that marker.'),
  citations: z.array(streamCitationSchema),
  guardrail: guardrailSummarySchema,
  usage: streamDoneEventSchema.shape.usage,
  model: z.string(),
  fallbackUsed: z.boolean(),
  promptVersion: z.string(),
  requestId: z.string(),
  sessionId: session.sessionId.optional().describe('The conversation this answer belongs to: send it back as `sessionId` to ask a follow-up.'),
  newSession: session.newSession.optional().describe('True when this request started the session.'),
  notContinued: session.notContinued.describe('Why the `sessionId` given was not continued.'),
  rewrittenQuestion: session.rewrittenQuestion.describe('The standalone question retrieval ran on, when a follow-up was rewritten.'),
  cached: z.boolean().optional().describe('True when the answer came from the answer cache (no model was called).'),
});
