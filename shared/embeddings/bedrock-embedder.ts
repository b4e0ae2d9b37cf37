import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import PQueue from 'p-queue';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { assertIdentifier, awsRegionSchema, bedrockModelIdSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { ConfigurationError, DependencyUnavailableError, ValidationError } from '../errors';
import type { Embedder, EmbeddingPurpose, EmbeddingResult } from './embedder';

/**
 * Embedders on Bedrock Runtime InvokeModel.
 *
 * Over-limit inputs are REJECTED (ValidationError naming the text's index, its length and the limit),
 * never truncated and never split: a split would return two vectors for one chunk and silently change
 * what the index holds. The chunker's size is checked against the model limit at start instead.
 */

/** Titan Text Embeddings V2: one text per call, up to 50,000 characters / 8,192 tokens; dims 1024 (default), 512, 256. */
export const TITAN_V2_MAX_CHARS = 50_000;
export const TITAN_V2_DIMENSIONS = [256, 512, 1024] as const;
/** Cohere Embed on Bedrock: up to 96 texts per call, 2,048 characters each. */
export const COHERE_MAX_TEXTS_PER_CALL = 96;
export const COHERE_MAX_CHARS = 2_048;

export interface BedrockEmbedderOptions {
  client: BedrockRuntimeClient;
  modelId: string;
  dimensions?: number;
  /** InvokeModel requests started per second, matched to the account's quota (RAG_EMBED_RPS); unlimited when absent. */
  requestsPerSecond?: number;
  /** InvokeModel calls in flight at once across every `embed` of this embedder (RAG_EMBED_CONCURRENCY). */
  concurrency?: number;
  batchSize?: number;
}

function assertTexts(texts: string[], maxChars: number, modelId: string): void {
  const issues = texts.flatMap((text, index) => {
    if (text.trim().length === 0) return [{ path: `texts[${index}]`, message: 'is empty' }];
    if (text.length > maxChars) {
      return [{ path: `texts[${index}]`, message: `has ${text.length} characters; ${modelId} accepts at most ${maxChars}` }];
    }
    return [];
  });
  if (issues.length > 0) {
    throw new ValidationError(`Input rejected by the embedder limits of ${modelId} (not truncated)`, issues);
  }
}

function isFiniteVector(value: unknown, dimensions: number): value is number[] {
  return Array.isArray(value) && value.length === dimensions && value.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * One p-queue per embedder for its InvokeModel calls: at most `concurrency` in flight, and at most `intervalCap`
 * started per `interval` ms, which averages RAG_EMBED_RPS. Embedding quotas count requests, not tokens (ADR 0004),
 * and starts per interval is what p-queue limits ("Useful for rate-limiting async (or sync) operations. For example,
 * when interacting with a REST API", node_modules/p-queue/readme.md): the budget is the library's, not a hand-written
 * token bucket. The windows are short, not `intervalCap: rps` per 1000 ms: p-queue's windows are fixed, so a call
 * arriving mid-window starts the rest of that window's cap and then the next window's within under a second.
 * Measured with `npm run bench -- ingest` (269 requests through a 600/min quota proxy with one second's burst, two
 * runs each): 10 per 1000 ms saw 70 and 44 requests throttled, 1 per 100 ms 0 and 0 (the hand-written bucket this
 * replaces: 43), in 27.0 s against 26.1-26.2 s. Above 20/s a window of ~100 ms carries rps/10 starts instead of a
 * sub-millisecond timer. Node truncates a fractional timer delay (measured: 9.9 ms ticks every 9.3 ms), which would
 * exceed the rate, so the window is rounded up to whole milliseconds.
 */
function invokeModelQueue(requestsPerSecond: number | undefined, concurrency: number): PQueue {
  if (requestsPerSecond === undefined) return new PQueue({ concurrency });
  if (!(requestsPerSecond > 0)) throw new ConfigurationError(`RAG_EMBED_RPS must be > 0, not ${requestsPerSecond}`);
  const intervalCap = Math.max(1, Math.floor(requestsPerSecond / 10));
  return new PQueue({ concurrency, intervalCap, interval: Math.ceil((1000 * intervalCap) / requestsPerSecond) });
}

async function invokeJson(client: BedrockRuntimeClient, modelId: string, body: unknown): Promise<unknown> {
  try {
    const out = await client.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }));
    return JSON.parse(out.body.transformToString()) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new DependencyUnavailableError(`InvokeModel ${modelId} returned a body that is not JSON`);
    }
    throw toRagError(error, `InvokeModel ${modelId}`);
  }
}

export class BedrockTitanEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly batchSize: number;
  private readonly calls: PQueue;

  constructor(private readonly options: BedrockEmbedderOptions) {
    const dimensions = options.dimensions ?? 1024;
    if (!(TITAN_V2_DIMENSIONS as readonly number[]).includes(dimensions)) {
      throw new ConfigurationError(`Titan Text Embeddings V2 supports dimensions ${TITAN_V2_DIMENSIONS.join(', ')}, not ${dimensions}`);
    }
    this.modelId = options.modelId;
    this.dimensions = dimensions;
    this.batchSize = Math.max(1, options.batchSize ?? 32);
    this.calls = invokeModelQueue(options.requestsPerSecond, Math.max(1, options.concurrency ?? 4));
  }

  /** Titan has no query/document distinction: both purposes embed the same way. */
  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    if (texts.length === 0) return { vectors: [], inputTokens: 0 };
    assertTexts(texts, TITAN_V2_MAX_CHARS, this.modelId);
    const results = await this.calls.addAll(
      texts.map((text) => async () => {
        const body = await invokeJson(this.options.client, this.modelId, { inputText: text, dimensions: this.dimensions, normalize: true });
        return this.parse(body, text);
      }),
    );
    return {
      vectors: results.map((r) => r.vector),
      inputTokens: results.reduce((sum, r) => sum + r.tokens, 0),
      ...(results.some((r) => r.estimated) ? { estimated: true } : {}),
    };
  }

  private parse(body: unknown, text: string): { vector: number[]; tokens: number; estimated: boolean } {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { embedding?: unknown; inputTextTokenCount?: unknown };
    if (!isFiniteVector(b.embedding, this.dimensions)) {
      throw new DependencyUnavailableError(`InvokeModel ${this.modelId} returned no ${this.dimensions}-dimension embedding`);
    }
    // Titan returns inputTextTokenCount; without it, estimate ~4 characters per token and say so.
    if (typeof b.inputTextTokenCount === 'number') return { vector: b.embedding, tokens: b.inputTextTokenCount, estimated: false };
    return { vector: b.embedding, tokens: Math.ceil(text.length / 4), estimated: true };
  }
}

/** Cohere Embed v3 models produce 1024 dims (384 for the light variants); v4 lets the caller choose. */
function cohereDimensions(modelId: string, requested: number | undefined): { dimensions: number; outputDimension?: number } {
  if (/embed-v4/.test(modelId)) {
    const allowed = [256, 512, 1024, 1536];
    const dimensions = requested ?? 1536;
    if (!allowed.includes(dimensions)) {
      throw new ConfigurationError(`${modelId} supports dimensions ${allowed.join(', ')}, not ${dimensions} (RAG_EMBEDDING_DIMENSIONS)`);
    }
    return { dimensions, outputDimension: dimensions };
  }
  const native = /light/.test(modelId) ? 384 : 1024;
  if (requested !== undefined && requested !== native) {
    throw new ConfigurationError(`${modelId} produces ${native} dimensions, not ${requested} (RAG_EMBEDDING_DIMENSIONS)`);
  }
  return { dimensions: native };
}

export class BedrockCohereEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly batchSize: number;
  private readonly calls: PQueue;
  private readonly outputDimension?: number;

  constructor(private readonly options: BedrockEmbedderOptions) {
    const { dimensions, outputDimension } = cohereDimensions(options.modelId, options.dimensions);
    this.modelId = options.modelId;
    this.dimensions = dimensions;
    this.outputDimension = outputDimension;
    this.batchSize = Math.min(COHERE_MAX_TEXTS_PER_CALL, Math.max(1, options.batchSize ?? COHERE_MAX_TEXTS_PER_CALL));
    this.calls = invokeModelQueue(options.requestsPerSecond, Math.max(1, options.concurrency ?? 2));
  }

  async embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    if (texts.length === 0) return { vectors: [], inputTokens: 0 };
    assertTexts(texts, COHERE_MAX_CHARS, this.modelId);
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) batches.push(texts.slice(i, i + this.batchSize));
    const inputType = purpose === 'query' ? 'search_query' : 'search_document';
    const results = await this.calls.addAll(
      batches.map((batch) => async () => {
        const body = await invokeJson(this.options.client, this.modelId, {
          texts: batch,
          input_type: inputType,
          // NONE: the service errors instead of truncating (our own limit check runs first).
          truncate: 'NONE',
          embedding_types: ['float'],
          ...(this.outputDimension ? { output_dimension: this.outputDimension } : {}),
        });
        return this.parse(body, batch);
      }),
    );
    return {
      vectors: results.flatMap((r) => r.vectors),
      inputTokens: results.reduce((sum, r) => sum + r.tokens, 0),
      ...(results.some((r) => r.estimated) ? { estimated: true } : {}),
    };
  }

  private parse(body: unknown, batch: string[]): { vectors: number[][]; tokens: number; estimated: boolean } {
    const b = (typeof body === 'object' && body !== null ? body : {}) as {
      embeddings?: unknown;
      meta?: { billed_units?: { input_tokens?: unknown } };
    };
    // "embeddings_floats" responses carry an array; "embeddings_by_type" responses carry { float: [...] }.
    const raw = Array.isArray(b.embeddings)
      ? b.embeddings
      : typeof b.embeddings === 'object' && b.embeddings !== null
        ? (b.embeddings as { float?: unknown }).float
        : undefined;
    if (!Array.isArray(raw) || raw.length !== batch.length || !raw.every((v) => isFiniteVector(v, this.dimensions))) {
      throw new DependencyUnavailableError(`InvokeModel ${this.modelId} returned embeddings that do not match the batch`);
    }
    const billed = b.meta?.billed_units?.input_tokens;
    // Bedrock's Cohere body has no token count unless billed units are echoed: estimate ~4 characters per token.
    if (typeof billed === 'number') return { vectors: raw as number[][], tokens: billed, estimated: false };
    return { vectors: raw as number[][], tokens: batch.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0), estimated: true };
  }
}

/** Builds the configured Bedrock embedder, failing early with the variable's name on bad settings. */
export function createBedrockEmbedder(config: AppConfig, client?: BedrockRuntimeClient): Embedder {
  const kind = config.adapters.embedder;
  if (kind !== 'bedrock-titan' && kind !== 'bedrock-cohere') {
    throw new ConfigurationError(`RAG_EMBEDDER is '${kind}', not a Bedrock embedder`);
  }
  assertIdentifier(awsRegionSchema, config.aws.region, 'AWS_REGION', 'the Bedrock embedder');
  const modelId = config.aws.embeddingModelId;
  assertIdentifier(bedrockModelIdSchema, modelId, 'RAG_EMBEDDING_MODEL_ID', 'the Bedrock embedder');
  const family = kind === 'bedrock-titan' ? /titan-embed-text-v2/ : /cohere\.embed-/;
  if (!family.test(modelId)) {
    throw new ConfigurationError(`RAG_EMBEDDING_MODEL_ID '${modelId}' is not a model of RAG_EMBEDDER=${kind}`);
  }
  if (kind === 'bedrock-cohere' && config.ingestion.chunkSize > COHERE_MAX_CHARS) {
    throw new ConfigurationError(`RAG_CHUNK_SIZE ${config.ingestion.chunkSize} exceeds Cohere Embed's ${COHERE_MAX_CHARS}-character input limit`);
  }
  const options: BedrockEmbedderOptions = {
    client: client ?? instrumentAwsClient(new BedrockRuntimeClient(awsClientOptions(config, config.aws.bedrockEndpoint))),
    modelId,
    dimensions: config.aws.embeddingDimensions,
    requestsPerSecond: config.ingestion.embedRequestsPerSecond,
    concurrency: config.ingestion.embedConcurrency,
  };
  return kind === 'bedrock-titan' ? new BedrockTitanEmbedder({ ...options, batchSize: config.ingestion.embedBatchSize }) : new BedrockCohereEmbedder(options);
}
