import { randomUUID } from 'node:crypto';
import type { QueryResponse, QueryWorkflowInput } from '../shared/contracts/query';
import type { ExpectedAnswer, QaItem } from './beir';
import { datasetIdOfKey } from './bulk-ingest';
import { mean, type Percentiles, percentiles } from './metrics';

/**
 * Answer quality over a QA file: every question is one execution of the query state machine (validate,
 * guard input, retrieve, rerank, generate under the guardrail, resolve citations; eval/eval-runtime.ts) with
 * the configured topK, and is scored on the response the API would return.
 */
export interface QaOutcome {
  id: string;
  /**
   * The answer contains one of the expected answers, every part of a multi-part one (normalised, whole words),
   * and none of the wrong answers.
   */
  contained: boolean;
  /** The answer states one of the item's wrong answers (e.g. quotes the superseded version too). */
  statesWrongAnswer?: boolean;
  citations: number;
  /** Cited chunks that come from one of the question's relevant documents; absent without doc_ids or citations. */
  citationPrecision?: number;
  /** A non-blocked answer with citations that passed the output grounding check. */
  grounded: boolean;
  groundingScore?: number;
  blockedAtInput: boolean;
  /** The service declined: the not-found reply or a blocked answer, with no citation (see `abstained`). */
  abstained: boolean;
  latencyMs: number;
  error?: string;
}

export interface QaMetrics {
  questions: number;
  answerContainment: number;
  /** Mean over questions that have doc_ids and at least one citation. */
  citationPrecision: number;
  citationPrecisionQuestions: number;
  /** Grounded answers over questions that reached generation (not blocked at input, no error). */
  groundingRate: number;
  meanGroundingScore?: number;
  answeredWithCitations: number;
  failedQuestions: number;
  latencyMs: Percentiles;
}

/** Lower case, accents and punctuation removed, whitespace collapsed, padded so containment matches whole words. */
export function normalizeAnswer(text: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${folded} `;
}

function containsPhrase(normalizedAnswer: string, phrase: string): boolean {
  const needle = normalizeAnswer(phrase);
  return needle.trim() !== '' && normalizedAnswer.includes(needle);
}

/** True when the answer contains one of the expected answers; an array answer needs every one of its parts. */
export function containsAnswer(answer: string, expected: readonly ExpectedAnswer[]): boolean {
  const haystack = normalizeAnswer(answer);
  return expected.some((candidate) =>
    typeof candidate === 'string' ? containsPhrase(haystack, candidate) : candidate.length > 0 && candidate.every((part) => containsPhrase(haystack, part)),
  );
}

/** True when the answer contains any of the wrong answers. */
export function statesWrongAnswer(answer: string, wrong: readonly string[] | undefined): boolean {
  const haystack = normalizeAnswer(answer);
  return (wrong ?? []).some((phrase) => containsPhrase(haystack, phrase));
}

/** Share of cited chunks whose dataset document is relevant; undefined when there is nothing to measure. */
export function citationPrecision(citedDatasetIds: readonly (string | undefined)[], relevant: readonly string[] | undefined): number | undefined {
  if (!relevant || relevant.length === 0 || citedDatasetIds.length === 0) return undefined;
  const set = new Set(relevant);
  return citedDatasetIds.filter((id) => id !== undefined && set.has(id)).length / citedDatasetIds.length;
}

export function outcomeOf(
  item: QaItem,
  response: QueryResponse,
  datasetIdOfCitation: (citation: QueryResponse['citations'][number]) => string | undefined,
  latencyMs: number,
  blockedAtInput: boolean,
): QaOutcome {
  const precision = citationPrecision(response.citations.map(datasetIdOfCitation), item.docIds);
  const groundingFailed = response.guardrail.findings.some((finding) => finding.type === 'GROUNDING');
  const wrong = !response.guardrail.blocked && statesWrongAnswer(response.answer, item.wrongAnswers);
  return {
    id: item.id,
    contained: !response.guardrail.blocked && !wrong && containsAnswer(response.answer, item.answers),
    ...(wrong ? { statesWrongAnswer: true } : {}),
    citations: response.citations.length,
    ...(precision !== undefined ? { citationPrecision: precision } : {}),
    grounded: !blockedAtInput && !response.guardrail.blocked && response.citations.length > 0 && !groundingFailed,
    ...(response.guardrail.groundingScore !== undefined ? { groundingScore: response.guardrail.groundingScore } : {}),
    blockedAtInput,
    abstained: abstained(response),
    latencyMs,
  };
}

/**
 * The service declined to answer: a response without citations is the fixed not-found reply (nothing passed
 * the relevance floor, or the generator found no sentence worth saying) or a guardrail's safe message.
 */
export function abstained(response: QueryResponse): boolean {
  return response.guardrail.blocked || response.citations.length === 0;
}

/**
 * Knowing when it does not know, as two rates that trade against each other: answered-when-answerable (the
 * questions that have an answer in the corpus and got one with citations, right or wrong: containment says
 * whether it was right) and abstained-when-not (the questions the corpus cannot answer that got the not-found
 * reply). Failed questions count as neither answered nor abstained.
 */
export interface AbstentionMetrics {
  /** Where the answerable questions come from: the QA file, or the dataset's judged queries (BEIR sets). */
  answerableSource: 'qa' | 'queries';
  answerable: number;
  answeredWhenAnswerable: number;
  /** The unanswerable questions' file (e.g. another collection's queries.jsonl). */
  unanswerableFile?: string;
  unanswerable: number;
  abstainedWhenNot: number;
  failedQuestions: number;
}

export interface AbstentionOutcome {
  id: string;
  answerable: boolean;
  abstained: boolean;
  latencyMs: number;
  error?: string;
}

export function summarizeAbstention(
  outcomes: readonly AbstentionOutcome[],
  answerableSource: AbstentionMetrics['answerableSource'],
  unanswerableFile?: string,
): AbstentionMetrics {
  const answerable = outcomes.filter((o) => o.answerable);
  const unanswerable = outcomes.filter((o) => !o.answerable);
  return {
    answerableSource,
    answerable: answerable.length,
    answeredWhenAnswerable: mean(answerable.map((o) => (o.error === undefined && !o.abstained ? 1 : 0))),
    ...(unanswerableFile !== undefined ? { unanswerableFile } : {}),
    unanswerable: unanswerable.length,
    abstainedWhenNot: mean(unanswerable.map((o) => (o.error === undefined && o.abstained ? 1 : 0))),
    failedQuestions: outcomes.filter((o) => o.error !== undefined).length,
  };
}

/** Asks each question once through the query state machine and records whether the service declined. */
export async function runAbstention(
  runQuery: RunQuery,
  questions: readonly { id: string; text: string; answerable: boolean }[],
  options: { tenant: string; onProgress?: () => void },
): Promise<AbstentionOutcome[]> {
  const outcomes: AbstentionOutcome[] = [];
  for (const question of questions) {
    const t0 = performance.now();
    try {
      const response = await runQuery({ question: question.text, tenant: options.tenant, requestId: randomUUID() });
      outcomes.push({ id: question.id, answerable: question.answerable, abstained: abstained(response), latencyMs: performance.now() - t0 });
    } catch (error) {
      outcomes.push({
        id: question.id,
        answerable: question.answerable,
        abstained: false,
        latencyMs: performance.now() - t0,
        error: error instanceof Error ? error.name : 'UnknownError',
      });
    }
    options.onProgress?.();
  }
  return outcomes;
}

export function summarizeQa(outcomes: readonly QaOutcome[]): QaMetrics {
  const reachedGeneration = outcomes.filter((o) => !o.blockedAtInput && o.error === undefined);
  const withPrecision = outcomes.filter((o) => o.citationPrecision !== undefined);
  const scores = outcomes.flatMap((o) => (o.groundingScore !== undefined ? [o.groundingScore] : []));
  return {
    questions: outcomes.length,
    answerContainment: mean(outcomes.map((o) => (o.contained ? 1 : 0))),
    citationPrecision: mean(withPrecision.map((o) => o.citationPrecision as number)),
    citationPrecisionQuestions: withPrecision.length,
    groundingRate: mean(reachedGeneration.map((o) => (o.grounded ? 1 : 0))),
    ...(scores.length > 0 ? { meanGroundingScore: mean(scores) } : {}),
    answeredWithCitations: outcomes.filter((o) => o.citations > 0).length,
    failedQuestions: outcomes.filter((o) => o.error !== undefined).length,
    latencyMs: percentiles(outcomes.filter((o) => o.error === undefined).map((o) => o.latencyMs)),
  };
}

/** One query state machine execution: `EvalRuntime.runQuery`, or a stand-in (a baseline answerer, a test). */
export type RunQuery = (input: QueryWorkflowInput) => Promise<QueryResponse>;

/**
 * The state machine skipped Retrieve and Generate (its InputAllowed Choice): nothing was embedded or
 * generated, so the response carries zero usage next to the blocking verdict.
 */
export function blockedAtInput(response: QueryResponse): boolean {
  return response.guardrail.blocked && response.usage.inputTokens === 0 && response.usage.outputTokens === 0;
}

export interface QaRunOptions {
  tenant: string;
  datasetIdByChunkId: ReadonlyMap<string, string>;
  /** Object key prefix of the eval documents; the dataset id follows it. */
  keyPrefix: string;
  onProgress?: () => void;
}

export async function runQa(
  runQuery: RunQuery,
  items: readonly QaItem[],
  options: QaRunOptions,
): Promise<{ metrics: QaMetrics; perQuestion: QaOutcome[]; totalMs: number }> {
  const started = performance.now();
  const datasetIdOfCitation = (citation: QueryResponse['citations'][number]): string | undefined =>
    (citation.chunkId ? options.datasetIdByChunkId.get(citation.chunkId) : undefined) ?? datasetIdOfKey(options.keyPrefix, citation.key);
  const perQuestion: QaOutcome[] = [];
  for (const item of items) {
    const t0 = performance.now();
    try {
      const response = await runQuery({ question: item.question, tenant: options.tenant, requestId: randomUUID() });
      perQuestion.push(outcomeOf(item, response, datasetIdOfCitation, performance.now() - t0, blockedAtInput(response)));
    } catch (error) {
      perQuestion.push({
        id: item.id,
        contained: false,
        citations: 0,
        grounded: false,
        blockedAtInput: false,
        abstained: false,
        latencyMs: performance.now() - t0,
        error: error instanceof Error ? error.name : 'UnknownError',
      });
    }
    options.onProgress?.();
  }
  return { metrics: summarizeQa(perQuestion), perQuestion, totalMs: performance.now() - started };
}
