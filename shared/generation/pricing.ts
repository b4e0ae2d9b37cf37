/**
 * Prices of the Bedrock models this service calls, for per-request cost in responses, logs and metrics.
 *
 * Figures are Bedrock on-demand list prices in USD (us-east-1, checked 2025); they are an estimate of
 * spend, not a bill: batch, provisioned throughput, cache discounts and regional differences are not
 * modelled. Update the table when AWS changes prices; a model missing from it costs 0 with
 * `source: 'unknown'`, so a dashboard can flag unpriced traffic instead of silently under-reporting.
 */

/**
 * Token estimate for models that report no usage (local models, embedding calls without counts):
 * about 4 characters per token, rounded up, at least one per word. An estimate, not a tokenizer.
 * Re-exported so the whole code base counts tokens one way.
 */
export { estimateTokens } from '../embeddings/tokenizer';

export interface ModelPrice {
  /**
   * USD per 1,000 input tokens; for `unit: 'query'` (rerank models) USD per 1,000 *query units*
   * (see `rerankQueryUnits`), passed to `costUsd` as `inputTokens`.
   */
  inputPer1kTokensUsd: number;
  outputPer1kTokensUsd: number;
  /** What `inputTokens` counts for this model. */
  unit: 'token' | 'query';
  /** 'table': a listed Bedrock price; 'local': runs in-process, free; 'unknown': not priced (cost reported as 0). */
  source: 'table' | 'local' | 'unknown';
}

interface PriceRow {
  /** Base model id without the ":N" version suffix; matched as a prefix so context-window variants share a price. */
  prefix: string;
  input: number;
  output: number;
  unit?: 'query';
}

// Longest prefix wins, so specific ids may follow general ones.
const PRICE_TABLE: readonly PriceRow[] = [
  // Embeddings: input only.
  { prefix: 'amazon.titan-embed-text-v2', input: 0.00002, output: 0 },
  { prefix: 'amazon.titan-embed-text-v1', input: 0.0001, output: 0 },
  { prefix: 'cohere.embed-english-v3', input: 0.0001, output: 0 },
  { prefix: 'cohere.embed-multilingual-v3', input: 0.0001, output: 0 },
  { prefix: 'cohere.embed-v4', input: 0.00012, output: 0 },
  // Rerank: billed per query, where one query is up to 100 documents (USD 1.00 / 2.00 per 1,000 queries).
  { prefix: 'amazon.rerank-v1', input: 1.0, output: 0, unit: 'query' },
  { prefix: 'cohere.rerank-v3-5', input: 2.0, output: 0, unit: 'query' },
  // Anthropic.
  { prefix: 'anthropic.claude-3-haiku', input: 0.00025, output: 0.00125 },
  { prefix: 'anthropic.claude-3-5-haiku', input: 0.0008, output: 0.004 },
  { prefix: 'anthropic.claude-3-5-sonnet', input: 0.003, output: 0.015 },
  { prefix: 'anthropic.claude-3-7-sonnet', input: 0.003, output: 0.015 },
  { prefix: 'anthropic.claude-sonnet-4', input: 0.003, output: 0.015 },
  // Amazon Nova.
  { prefix: 'amazon.nova-micro', input: 0.000035, output: 0.00014 },
  { prefix: 'amazon.nova-lite', input: 0.00006, output: 0.00024 },
  { prefix: 'amazon.nova-pro', input: 0.0008, output: 0.0032 },
  // Meta Llama 3.x.
  { prefix: 'meta.llama3-8b-instruct', input: 0.0003, output: 0.0006 },
  { prefix: 'meta.llama3-70b-instruct', input: 0.00265, output: 0.0035 },
  { prefix: 'meta.llama3-1-8b-instruct', input: 0.00022, output: 0.00022 },
  { prefix: 'meta.llama3-1-70b-instruct', input: 0.00072, output: 0.00072 },
  { prefix: 'meta.llama3-1-405b-instruct', input: 0.0024, output: 0.0024 },
  { prefix: 'meta.llama3-3-70b-instruct', input: 0.00072, output: 0.00072 },
];

// Cross-region inference profiles ("us.anthropic...") bill at the source region's on-demand price.
const INFERENCE_PROFILE_PREFIX = /^(?:us|eu|apac|us-gov|jp|au|ca|global)\./;

/** Reduces an ARN, an inference profile id or a plain model id to the foundation model id. */
export function baseModelId(modelId: string): string {
  const afterSlash = modelId.includes('/') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return afterSlash.trim().toLowerCase().replace(INFERENCE_PROFILE_PREFIX, '');
}

function isLocalModel(id: string): boolean {
  return id.startsWith('local-') || id === 'local';
}

export function priceFor(modelId: string): ModelPrice {
  const id = baseModelId(modelId);
  if (isLocalModel(id)) return { inputPer1kTokensUsd: 0, outputPer1kTokensUsd: 0, unit: 'token', source: 'local' };
  let best: PriceRow | undefined;
  for (const row of PRICE_TABLE) {
    if (id.startsWith(row.prefix) && (!best || row.prefix.length > best.prefix.length)) best = row;
  }
  if (!best) return { inputPer1kTokensUsd: 0, outputPer1kTokensUsd: 0, unit: 'token', source: 'unknown' };
  return { inputPer1kTokensUsd: best.input, outputPer1kTokensUsd: best.output, unit: best.unit ?? 'token', source: 'table' };
}

/** Bedrock Rerank bills one query unit per call of up to 100 documents. */
export const RERANK_DOCUMENTS_PER_QUERY_UNIT = 100;

/** Query units a rerank call of `documentCount` documents is billed for. */
export function rerankQueryUnits(documentCount: number): number {
  if (documentCount <= 0) return 0;
  return Math.ceil(documentCount / RERANK_DOCUMENTS_PER_QUERY_UNIT);
}

/**
 * Cost in USD of one call. For rerank models pass the query units (`rerankQueryUnits`) as `inputTokens`.
 * Negative or non-finite counts are treated as 0 so a bad usage report never produces a negative cost.
 */
export function costUsd(modelId: string, usage: { inputTokens: number; outputTokens: number }): number {
  const price = priceFor(modelId);
  const input = Number.isFinite(usage.inputTokens) ? Math.max(0, usage.inputTokens) : 0;
  const output = Number.isFinite(usage.outputTokens) ? Math.max(0, usage.outputTokens) : 0;
  return (input / 1000) * price.inputPer1kTokensUsd + (output / 1000) * price.outputPer1kTokensUsd;
}
