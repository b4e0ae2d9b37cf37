import type { QueryResponse } from '../../shared/contracts/query';
import type { BeirDocument } from '../beir';
import { documentBody, documentKey } from '../bulk-ingest';
import type { RunQuery } from '../run-qa';
import type { Bm25Index } from './bm25';

/**
 * The answerer with no generation at all: the top BM25 document, verbatim, cited as a whole. Its answer is its
 * source, so it is perfectly grounded and its one citation is right whenever BM25's first hit is; it loses only
 * where one document cannot answer (a question over two documents) or where BM25's first hit is a distractor or
 * the wrong version of a near-duplicate. A service that does not beat it on the QA metrics adds nothing.
 * It answers in the response shape of the query state machine so that run-qa scores both the same way.
 */
export const VERBATIM_MODEL_ID = 'baseline-verbatim-bm25';
const NOT_FOUND = 'I could not find an answer in the documents.';

export function verbatimAnswerer(index: Bm25Index, corpus: readonly BeirDocument[], keyPrefix: string): RunQuery {
  const byId = new Map(corpus.map((doc) => [doc.id, doc]));
  return async (input) => {
    const top = index.search(input.question, 1)[0];
    const doc = top ? byId.get(top.id) : undefined;
    const response: QueryResponse = {
      answer: doc ? documentBody(doc) : NOT_FOUND,
      citations: [],
      guardrail: { action: 'NONE', blocked: false, findings: [], guardrailId: 'none', groundingScore: 1 },
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      model: VERBATIM_MODEL_ID,
      fallbackUsed: false,
      promptVersion: 'none',
      requestId: input.requestId,
    };
    if (doc) {
      const key = documentKey(keyPrefix, doc.id);
      response.citations.push({ documentId: doc.id, uri: key, key, excerpt: response.answer, location: { start: 0, end: response.answer.length } });
    }
    return response;
  };
}
