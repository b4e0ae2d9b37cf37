import { randomUUID } from 'node:crypto';
import type { Services } from '../shared/pipeline/services';
import { generate, guardInput, type QueryState, rerank, resolveCitations, retrieve, validateQuery } from '../shared/pipeline/query';
import type { QueryResponse } from '../shared/pipeline/query-contract';
import type { QaItem } from './beir';
import { datasetIdOfKey } from './bulk-ingest';
import { mean, type Percentiles, percentiles } from './metrics';

/**
 * Answer quality over a QA file: every question goes through the whole query path of the service (validate,
 * guard input, retrieve, rerank, generate under the guardrail, resolve citations) with the configured topK.
 */
export interface QaOutcome {
  id: string;
  /** The answer contains one of the expected answers (normalised, whole words). */
  contained: boolean;
  citations: number;
  /** Cited chunks that come from one of the question's relevant documents; absent without doc_ids or citations. */
  citationPrecision?: number;
  /** A non-blocked answer with citations that passed the output grounding check. */
  grounded: boolean;
  groundingScore?: number;
  blockedAtInput: boolean;
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

export function containsAnswer(answer: string, expected: readonly string[]): boolean {
  const haystack = normalizeAnswer(answer);
  return expected.some((candidate) => {
    const needle = normalizeAnswer(candidate);
    return needle.trim() !== '' && haystack.includes(needle);
  });
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
  return {
    id: item.id,
    contained: !response.guardrail.blocked && containsAnswer(response.answer, item.answers),
    citations: response.citations.length,
    ...(precision !== undefined ? { citationPrecision: precision } : {}),
    grounded: !blockedAtInput && !response.guardrail.blocked && response.citations.length > 0 && !groundingFailed,
    ...(response.guardrail.groundingScore !== undefined ? { groundingScore: response.guardrail.groundingScore } : {}),
    blockedAtInput,
    latencyMs,
  };
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

export interface QaRunOptions {
  tenant: string;
  datasetIdByChunkId: ReadonlyMap<string, string>;
  /** Object key prefix of the eval documents; the dataset id follows it. */
  keyPrefix: string;
  onProgress?: () => void;
}

export async function runQa(
  services: Services,
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
      const query = validateQuery(services, { question: item.question, tenant: options.tenant, requestId: randomUUID() });
      const inputGuard = await guardInput(services, query);
      const state: QueryState = { question: item.question, tenant: options.tenant, requestId: query.requestId, query, inputGuard };
      if (!inputGuard.blocked) {
        state.retrieval = await retrieve(services, query, inputGuard.question);
        state.ranked = await rerank(services, query, inputGuard.question, state.retrieval);
        state.generation = await generate(services, state);
      }
      const response = await resolveCitations(services, state);
      perQuestion.push(outcomeOf(item, response, datasetIdOfCitation, performance.now() - t0, inputGuard.blocked));
    } catch (error) {
      perQuestion.push({
        id: item.id,
        contained: false,
        citations: 0,
        grounded: false,
        blockedAtInput: false,
        latencyMs: performance.now() - t0,
        error: error instanceof Error ? error.name : 'UnknownError',
      });
    }
    options.onProgress?.();
  }
  return { metrics: summarizeQa(perQuestion), perQuestion, totalMs: performance.now() - started };
}
