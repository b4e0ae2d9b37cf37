import { sha256Hex } from '../documents/identity';

/**
 * The answer cache key: SHA-256 (hex) over everything that decides the answer. Two requests share a
 * key only when they would be answered alike; anything that changes the answer changes the key, and
 * the old entries are never read again (they expire on their TTL):
 * - tenant: answers never cross tenants, even before the store's own tenant check;
 * - the question, normalised (Unicode NFKC, lower case, runs of whitespace as one space, no trailing
 *   punctuation), so "What is X?" and "what is  x" meet;
 * - filters as canonical JSON (object keys sorted at every depth, absent = `{}`); array order is kept,
 *   so the same filter listed in another order is a miss, never a wrong hit;
 * - topK, the prompt version and the generation model chain in fallback order;
 * - the tenant's index generation: any ingestion or deletion in the tenant bumps it.
 *
 * The parts are hashed as one JSON array, so no separator inside a part can make two inputs collide.
 */
export interface AnswerCacheKeyInput {
  tenant: string;
  /** The question retrieval runs on: the rewritten one for a follow-up. */
  question: string;
  filters?: unknown;
  topK: number;
  promptVersion: string;
  /** Model ids in fallback order. */
  generationModels: readonly string[];
  indexGeneration: number;
}

/** Bumped when the key's recipe changes, so keys of the old recipe are never read again. */
const KEY_RECIPE = 'answer-cache/v1';

// Trailing sentence punctuation, ASCII and CJK/full-width forms (which NFKC folds only in part).
const TRAILING_PUNCTUATION = /[\s.?!…。？！]+$/u;

export function normaliseQuestion(question: string): string {
  return question.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim().replace(TRAILING_PUNCTUATION, '');
}

/** JSON with object keys sorted at every depth; `undefined` members are dropped as JSON.stringify drops them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}

export function answerCacheKey(input: AnswerCacheKeyInput): string {
  return sha256Hex(
    JSON.stringify([
      KEY_RECIPE,
      input.tenant,
      normaliseQuestion(input.question),
      canonicalJson(input.filters ?? {}),
      input.topK,
      input.promptVersion,
      [...input.generationModels],
      input.indexGeneration,
    ]),
  );
}
