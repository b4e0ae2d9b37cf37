import { BedrockCohereEmbedder, BedrockTitanEmbedder, createBedrockEmbedder } from '../../../../shared/embeddings/bedrock-embedder';
import { ConfigurationError, DependencyUnavailableError, ThrottlingError, ValidationError } from '../../../../shared/errors';
import { describeEmbedderContract } from '../../../contract/embedder.contract';
import { useBedrockRuntimeEmulator } from '../../../emulators/bedrock-runtime-test-kit';

const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';

const kit = useBedrockRuntimeEmulator();
const titanEnv = { RAG_EMBEDDER: 'bedrock-titan', RAG_EMBEDDING_MODEL_ID: TITAN };
const cohereEnv = { RAG_EMBEDDER: 'bedrock-cohere', RAG_EMBEDDING_MODEL_ID: COHERE };

function titan(dimensions = 256): BedrockTitanEmbedder {
  const config = kit.config(titanEnv);
  return new BedrockTitanEmbedder({ client: kit.client(config), modelId: TITAN, dimensions });
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe('BedrockTitanEmbedder over the wire', () => {
  it('embeds through the factory with the configured dimensions, normalized, and counts tokens', async () => {
    // Prepare
    const embedder = createBedrockEmbedder(kit.config({ ...titanEnv, RAG_EMBEDDING_DIMENSIONS: '512' }));
    // Act
    const result = await embedder.embed(['The reactor cools down overnight.', 'Hello world'], 'document');
    // Assess
    expect(embedder.dimensions).toBe(512);
    expect(result.vectors).toHaveLength(2);
    for (const v of result.vectors) {
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(result.inputTokens).toBeGreaterThan(0);
    // Titan reports its count (inputTextTokenCount): not an estimate.
    expect(result.estimated).toBeUndefined();
    const bodies = kit.emulator.callsOf('InvokeModel').map((c) => c.body);
    expect(bodies).toEqual(expect.arrayContaining([expect.objectContaining({ inputText: 'Hello world', dimensions: 512, normalize: true })]));
  });

  it('defaults to 1024 dimensions', () => {
    // Prepare / Act
    const embedder = createBedrockEmbedder(kit.config(titanEnv));
    // Assess
    expect(embedder.dimensions).toBe(1024);
  });

  it('survives a 429 ThrottlingException with an SDK retry', async () => {
    // Prepare
    kit.emulator.setFaults({ next: [{ status: 429, code: 'ThrottlingException' }] });
    // Act
    const result = await titan().embed(['one text'], 'query');
    // Assess
    expect(result.vectors).toHaveLength(1);
    expect(kit.emulator.http.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('survives a 503 with an SDK retry', async () => {
    // Prepare
    kit.emulator.setFaults({ next: [{ status: 503, code: 'ServiceUnavailableException' }] });
    // Act
    const result = await titan().embed(['one text'], 'query');
    // Assess
    expect(result.vectors).toHaveLength(1);
    expect(kit.emulator.http.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('throws ThrottlingError when throttling outlasts the retries', async () => {
    // Prepare
    kit.emulator.modelFaults.set(TITAN, { status: 429, code: 'ThrottlingException' });
    // Act
    const attempt = titan().embed(['one text'], 'document');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ThrottlingError);
    expect(kit.emulator.callsOf('InvokeModel')).toHaveLength(2);
  });

  it('throws DependencyUnavailableError when 5xx outlasts the retries', async () => {
    // Prepare
    kit.emulator.modelFaults.set(TITAN, { status: 500, code: 'InternalServerException' });
    // Act
    const attempt = titan().embed(['one text'], 'document');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('rejects a text over 50,000 characters with a recorded reason, sending nothing', async () => {
    // Prepare
    const texts = ['fine', 'x'.repeat(50_001)];
    // Act
    const error = await titan()
      .embed(texts, 'document')
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'texts[1]', message: expect.stringContaining('50001 characters') }]);
    expect(kit.emulator.calls).toHaveLength(0);
  });

  it("surfaces the service's token-limit rejection as a ValidationError with its reason", async () => {
    // Prepare: under the character limit, over 8,192 tokens
    const text = 'a '.repeat(20_000);
    // Act
    const error = await titan()
      .embed([text], 'document')
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('Too many input tokens');
  });

  it('never lets more than RAG_EMBED_RPS requests reach Bedrock within a second, across concurrent calls', async () => {
    // Prepare: 10 requests/s through the factory, its first request (connection set-up) out of the way.
    const embedder = createBedrockEmbedder(kit.config({ ...titanEnv, RAG_EMBED_RPS: '10', RAG_EMBED_CONCURRENCY: '4' }));
    await embedder.embed(['warm-up'], 'query');
    const texts = (call: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${call} text ${i}`);
    // Act: a second call joins while the first still has requests waiting, as concurrent ingest batches share one embedder.
    const first = embedder.embed(texts('first', 4), 'document');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = embedder.embed(texts('second', 16), 'document');
    const results = await Promise.all([first, second]);
    // Assess: on the emulator's arrival times, any 11 consecutive requests span at least a second
    // (less 100 ms for the loopback hop between the queue and the emulator).
    expect(results.map((r) => r.vectors.length)).toEqual([4, 16]);
    const times = kit.emulator
      .callsOf('InvokeModel')
      .filter((c) => (c.body as { inputText: string }).inputText !== 'warm-up')
      .map((c) => c.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(20);
    const spans = times.slice(10).map((t, i) => t - (times[i] as number));
    expect(Math.min(...spans)).toBeGreaterThanOrEqual(900);
  });
});

describe('BedrockCohereEmbedder over the wire', () => {
  it('splits more than 96 texts into several calls and keeps the order', async () => {
    // Prepare
    const embedder = createBedrockEmbedder(kit.config(cohereEnv));
    const texts = Array.from({ length: 200 }, (_, i) => `document ${i} about topic ${i % 7}`);
    // Act
    const result = await embedder.embed(texts, 'document');
    // Assess
    const calls = kit.emulator.callsOf('InvokeModel').map((c) => c.body as { texts: string[]; input_type: string });
    expect(calls.map((c) => c.texts.length).sort((a, b) => b - a)).toEqual([96, 96, 8]);
    expect(calls.every((c) => c.input_type === 'search_document')).toBe(true);
    expect(result.vectors).toHaveLength(200);
    expect(result.vectors[150]).toEqual(
      (await new BedrockCohereEmbedder({ client: kit.client(kit.config(cohereEnv)), modelId: COHERE }).embed([texts[150] as string], 'document')).vectors[0],
    );
    expect(embedder.dimensions).toBe(1024);
    expect(result.inputTokens).toBeGreaterThan(0);
    // Bedrock's Cohere body echoes no billed units here: the count is estimated, and says so.
    expect(result.estimated).toBe(true);
  });

  it('embeds queries with input_type search_query', async () => {
    // Prepare
    const embedder = createBedrockEmbedder(kit.config(cohereEnv));
    // Act
    await embedder.embed(['what is the boiling point?'], 'query');
    // Assess
    expect(kit.emulator.callsOf('InvokeModel')[0]?.body).toEqual(expect.objectContaining({ input_type: 'search_query', truncate: 'NONE' }));
  });

  it('rejects a text over 2,048 characters instead of truncating it', async () => {
    // Prepare
    const embedder = createBedrockEmbedder(kit.config(cohereEnv));
    // Act
    const attempt = embedder.embed(['y'.repeat(2_049)], 'document');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    expect(kit.emulator.calls).toHaveLength(0);
  });
});

describe('Bedrock embedders where Bedrock does not serve the model', () => {
  it('fails with 503, once, when the signed Region does not offer the model (Cohere Embed English in us-east-2)', async () => {
    // Prepare
    const config = kit.config({ ...cohereEnv, AWS_REGION: 'us-east-2' });
    const embedder = new BedrockCohereEmbedder({ client: kit.client(config), modelId: COHERE });
    // Act
    const error = await embedder.embed(['one text'], 'document').catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).message).toContain('not-offered');
    expect(kit.emulator.http.requests.map((r) => r.status)).toEqual([400]);
  });

  it('answers the same model in a Region that offers it (us-east-1)', async () => {
    // Act
    const result = await createBedrockEmbedder(kit.config(cohereEnv)).embed(['one text'], 'document');
    // Assess
    expect(result.vectors).toHaveLength(1);
  });

  it('fails with 503 when the account has no access to the model', async () => {
    // Prepare
    kit.emulator.deniedModels.add(TITAN);
    // Act
    const error = await titan()
      .embed(['one text'], 'document')
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).message).toContain('AccessDeniedException');
    expect(kit.emulator.http.requests.map((r) => r.status)).toEqual([403]);
  });
});

describe('createBedrockEmbedder configuration checks', () => {
  it('fails early when the model id does not belong to the chosen embedder', () => {
    // Prepare
    const config = kit.config({ RAG_EMBEDDER: 'bedrock-titan', RAG_EMBEDDING_MODEL_ID: COHERE });
    // Act / Assess
    expect(() => createBedrockEmbedder(config)).toThrow(/RAG_EMBEDDING_MODEL_ID/);
  });

  it('fails early on dimensions the model cannot produce', () => {
    // Prepare
    const config = kit.config({ ...titanEnv, RAG_EMBEDDING_DIMENSIONS: '384' });
    // Act / Assess
    expect(() => createBedrockEmbedder(config)).toThrow(ConfigurationError);
  });

  it('fails early when chunks can exceed the Cohere character limit', () => {
    // Prepare
    const config = kit.config({ ...cohereEnv, RAG_CHUNK_SIZE: '4000' });
    // Act / Assess
    expect(() => createBedrockEmbedder(config)).toThrow(/RAG_CHUNK_SIZE/);
  });

  it('fails early when the region is missing', () => {
    // Prepare
    const config = kit.config(titanEnv);
    const noRegion = { ...config, aws: { ...config.aws, region: undefined } };
    // Act / Assess
    expect(() => createBedrockEmbedder(noRegion)).toThrow(/AWS_REGION/);
  });

  it('rejects a malformed model id at configuration load, naming the variable', () => {
    // Act / Assess
    expect(() => kit.config({ ...titanEnv, RAG_EMBEDDING_MODEL_ID: 'Titan Embed!' })).toThrow(/RAG_EMBEDDING_MODEL_ID/);
  });
});

describeEmbedderContract('BedrockTitanEmbedder over the emulator', async () => createBedrockEmbedder(kit.config(titanEnv)));
describeEmbedderContract('BedrockCohereEmbedder over the emulator', async () => createBedrockEmbedder(kit.config(cohereEnv)));
