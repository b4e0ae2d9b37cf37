import * as z from 'zod';

/**
 * Conversations: `POST /query` and `POST /query/stream` take an optional `sessionId`. A follow-up is
 * rewritten into a standalone question from the session's last turns before retrieval. Sessions are
 * scoped by tenant and expire after `RAG_SESSION_TTL_HOURS`; a session id the tenant does not have (unknown,
 * expired, or another tenant's) starts a new session, and the response says so.
 *
 *   GET    /sessions/{sessionId}   the session's turns (404 when the tenant has no such session)
 *   DELETE /sessions/{sessionId}   removes it (204; 404 when the tenant has no such session)
 */
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8-128 letters, digits, "-" or "_"');

/** What every answer says about its session. */
export const sessionInfoSchema = z.object({
  sessionId: sessionIdSchema,
  /** True when this request started the session (no id given, or the given id was unknown to the tenant). */
  newSession: z.boolean(),
  /** Why a session id the caller gave was not continued. */
  notContinued: z.enum(['unknown-session']).optional(),
  /** The standalone question retrieval ran on, when the question was rewritten from the conversation. */
  rewrittenQuestion: z.string().optional(),
});

export const sessionTurnSchema = z.object({
  requestId: z.string(),
  question: z.string(),
  rewrittenQuestion: z.string().optional(),
  answer: z.string(),
  /** Document ids the answer cited, in marker order. */
  citedDocumentIds: z.array(z.string()),
  at: z.string(),
});

export const sessionViewSchema = z.object({
  sessionId: sessionIdSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string(),
  turns: z.array(sessionTurnSchema),
});

export type SessionInfo = z.infer<typeof sessionInfoSchema>;
export type SessionTurn = z.infer<typeof sessionTurnSchema>;
export type SessionView = z.infer<typeof sessionViewSchema>;
