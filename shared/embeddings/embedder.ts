/** Port: turns texts into vectors. Documents and queries may be embedded differently (Cohere input_type). */
export type EmbeddingPurpose = 'document' | 'query';

export interface EmbeddingResult {
  vectors: number[][];
  /** Tokens billed for the call (estimated by local adapters). */
  inputTokens: number;
  /** The model reported no count: `inputTokens` is an estimate. */
  estimated?: boolean;
}

export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  /** How many texts one `embed` call should carry at most; callers batch to this. */
  readonly batchSize: number;
  embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult>;
}
