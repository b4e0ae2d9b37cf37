import type { QueryRunOptions } from '../workflows/workflows';
import { randomUUID } from 'node:crypto';
import type { QueryRequest, QueryResponse, QueryWorkflowInput } from '../contracts/query';
import { answeringModels } from '../config/config';
import { answerCacheKey } from '../conversations/cache-key';
import { rewriteFollowUp } from '../conversations/rewrite-question';
import { recordCacheHit } from '../usage/recorder';
import type { Services } from './services';

/**
 * The conversation around one question: which session it belongs to, the standalone question
 * retrieval runs on (a follow-up is rewritten from the session's last turn), and the answer cache.
 * Shared by `POST /query` (answerQuestion) and `POST /query/stream` (prepareConversation, then
 * rememberAnswer once the stream is done).
 */
export type ConversationDeps = Pick<Services, 'config' | 'conversations'>;
export type AnswerDeps = ConversationDeps & Pick<Services, 'workflows'>;

export interface AskedQuestion extends QueryRequest {
  tenant: string;
  requestId: string;
}

export interface PreparedConversation {
  sessionId: string;
  newSession: boolean;
  notContinued?: 'unknown-session';
  /** The question the workflow answers: the rewritten one for a follow-up. */
  question: string;
  rewrittenQuestion?: string;
  /** Undefined when the cache is off (configuration or the request's `cache: false`). */
  cacheKey?: string;
}

export async function prepareConversation(deps: ConversationDeps, asked: AskedQuestion): Promise<PreparedConversation> {
  const { config, conversations } = deps;
  const session = asked.sessionId ? await conversations.getSession(asked.tenant, asked.sessionId) : undefined;
  const last = session?.turns.at(-1);
  const rewrittenQuestion = last ? rewriteFollowUp(asked.question, last.rewrittenQuestion ?? last.question) : undefined;
  const question = rewrittenQuestion ?? asked.question;
  const cacheOn = config.conversations.answerCacheTtlSeconds > 0 && asked.cache !== false;
  const cacheKey = cacheOn
    ? answerCacheKey({
        tenant: asked.tenant,
        question,
        filters: asked.filters ?? {},
        topK: asked.topK ?? config.query.defaultTopK,
        promptVersion: config.query.promptVersion,
        generationModels: answeringModels(config),
        indexGeneration: await conversations.indexGeneration(asked.tenant),
      })
    : undefined;
  return {
    // A session id the tenant does not have is never continued (another tenant's, expired, made up).
    sessionId: session ? session.sessionId : randomUUID(),
    newSession: !session,
    ...(asked.sessionId && !session ? { notContinued: 'unknown-session' as const } : {}),
    question,
    ...(rewrittenQuestion ? { rewrittenQuestion } : {}),
    ...(cacheKey ? { cacheKey } : {}),
  };
}

/** What the answer says about its conversation. */
export function withConversation(response: QueryResponse, prepared: PreparedConversation, cached: boolean): QueryResponse {
  return {
    ...response,
    sessionId: prepared.sessionId,
    newSession: prepared.newSession,
    ...(prepared.notContinued ? { notContinued: prepared.notContinued } : {}),
    ...(prepared.rewrittenQuestion ? { rewrittenQuestion: prepared.rewrittenQuestion } : {}),
    cached,
  };
}

/** Stores the turn, and the answer in the cache when it was computed now and not blocked. */
export async function rememberAnswer(deps: ConversationDeps, asked: AskedQuestion, prepared: PreparedConversation, response: QueryResponse): Promise<void> {
  const { config, conversations } = deps;
  const fresh = response.cached !== true;
  if (fresh && prepared.cacheKey && !response.guardrail.blocked) {
    const { sessionId: _s, newSession: _n, notContinued: _c, rewrittenQuestion: _r, cached: _k, ...answer } = response;
    await conversations.putCached(asked.tenant, prepared.cacheKey, answer, config.conversations.answerCacheTtlSeconds);
  }
  await conversations.appendTurn(
    asked.tenant,
    prepared.sessionId,
    {
      requestId: asked.requestId,
      question: asked.question,
      ...(prepared.rewrittenQuestion ? { rewrittenQuestion: prepared.rewrittenQuestion } : {}),
      answer: response.answer,
      citedDocumentIds: [...new Set(response.citations.map((c) => c.documentId))],
      at: new Date().toISOString(),
    },
    config.conversations.sessionTtlSeconds,
  );
}

/** The cached answer for this conversation's key, re-labelled for this request. */
export async function cachedAnswer(deps: ConversationDeps, asked: AskedQuestion, prepared: PreparedConversation): Promise<QueryResponse | undefined> {
  if (!prepared.cacheKey) return undefined;
  const hit = await deps.conversations.getCached(asked.tenant, prepared.cacheKey);
  if (!hit) return undefined;
  recordCacheHit(hit.model, hit.promptVersion);
  // Served from the cache, the answer cost nothing now: its usage is this request's, not the first one's.
  return { ...hit, requestId: asked.requestId, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 } };
}

/** What the query state machine is given: the (rewritten) question, the request's options, tenant and request id. */
export function workflowInputOf(asked: AskedQuestion, prepared: PreparedConversation): QueryWorkflowInput {
  return {
    question: prepared.question,
    ...(asked.topK !== undefined ? { topK: asked.topK } : {}),
    ...(asked.filters ? { filters: asked.filters } : {}),
    tenant: asked.tenant,
    requestId: asked.requestId,
  };
}

/**
 * POST /query: from the cache when the same question was answered over the same index, else the query workflow,
 * cancelled when `options.signal` aborts (the request's deadline).
 */
export async function answerQuestion(deps: AnswerDeps, asked: AskedQuestion, options: QueryRunOptions = {}): Promise<QueryResponse> {
  const prepared = await prepareConversation(deps, asked);
  const hit = await cachedAnswer(deps, asked, prepared);
  const response = hit
    ? withConversation(hit, prepared, true)
    : withConversation(await deps.workflows.runQuery(workflowInputOf(asked, prepared), options), prepared, false);
  await rememberAnswer(deps, asked, prepared, response);
  return response;
}
