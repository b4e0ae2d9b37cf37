import { BedrockTitanEmbedder } from '../../../../shared/embeddings/bedrock-embedder';
import type { ScoredChunk } from '../../../../shared/documents/chunk';
import type { GenerationEvent, GenerationRequest, Generator } from '../../../../shared/generation/generator';
import { instrumentAwsClient } from '../../../../shared/aws/instrument';
import type { InvocationRecord } from '../../../../shared/usage/invocation-record';
import { MeteredEmbedder, MeteredGenerator, MeteredReranker, ModelMeter } from '../../../../shared/usage/metered';
import { withUsageScope } from '../../../../shared/usage/usage-scope';
import { useBedrockRuntimeEmulator } from '../../../emulators/bedrock-runtime-test-kit';

/**
 * The metered ports (shared/usage/metered.ts) over a real SDK client: the record of a call counts the SDK's own
 * attempts and the throttles among them (the attempt middleware of instrumentAwsClient), prices the call in its
 * Region, and holds hashes, never the text.
 */
const TITAN = 'amazon.titan-embed-text-v2:0';
const SECRET = 'The launch code of the northern silo is 7741.';

describe('metered model ports (shared/usage/metered.ts)', () => {
  const kit = useBedrockRuntimeEmulator();

  const titan = () => {
    const config = kit.config({ RAG_EMBEDDER: 'bedrock-titan', RAG_EMBEDDING_MODEL_ID: TITAN, RAG_AWS_MAX_ATTEMPTS: '3' });
    return new MeteredEmbedder(
      new BedrockTitanEmbedder({ client: instrumentAwsClient(kit.client(config)), modelId: TITAN, dimensions: 256 }),
      new ModelMeter('us-east-1'),
    );
  };

  it('records one call with the attempts and throttles the SDK made, priced in its Region, without the text', async () => {
    kit.emulator.setFaults({ next: [{ status: 429, code: 'ThrottlingException' }] });

    const { result, scope } = await withUsageScope({ requestId: 'req-1', tenant: 'acme', feature: 'ingest' }, () => titan().embed([SECRET], 'document'));

    expect(result.vectors).toHaveLength(1);
    expect(scope.records).toHaveLength(1);
    const record = scope.records[0] as InvocationRecord;
    expect(record).toMatchObject({
      requestId: 'req-1',
      tenant: 'acme',
      feature: 'ingest',
      kind: 'embedding',
      modelId: TITAN,
      region: 'us-east-1',
      attempts: 2,
      throttles: 1,
      tokensEstimated: false,
      outcome: 'ok',
      cacheHit: false,
    });
    expect(record.inputTokens).toBe(result.inputTokens);
    // Titan V2 is in the price table for us-east-1.
    expect(record.costUsd).toBeCloseTo((result.inputTokens / 1000) * 0.00002, 12);
    expect(JSON.stringify(record)).not.toContain('7741');
    expect(record.inputSha256).toMatch(/^[0-9a-f]{16}$/);
  });

  it('records a failed call with its error name, no cost, and rethrows', async () => {
    kit.emulator.setFaults({ next: [1, 2, 3].map(() => ({ status: 429, code: 'ThrottlingException' })) });

    const { scope } = await withUsageScope({ requestId: 'req-2', tenant: 'acme', feature: 'query' }, async () => {
      await expect(titan().embed(['a question'], 'query')).rejects.toThrow();
      return undefined;
    });

    expect(scope.records).toHaveLength(1);
    expect(scope.records[0]).toMatchObject({ outcome: 'error', attempts: 3, throttles: 3, costUsd: 0, inputTokens: 0 });
    expect(scope.records[0]?.errorName).toMatch(/Throttl/);
  });

  it('reports an unpriced model as unknown (null), not 0, and a model outside a scope as unscoped', async () => {
    const reranker = new MeteredReranker({ modelId: 'acme.rerank-v9', rerank: async (_q, candidates) => candidates }, new ModelMeter('us-east-1'));
    const chunk = (id: string): ScoredChunk => ({
      chunk: {
        tenant: 't',
        documentId: 'd',
        key: 't/k',
        version: 'v',
        contentType: 'text/plain',
        fingerprint: 'f',
        id,
        index: 0,
        text: SECRET,
        location: { start: 0, end: 1 },
      },
      score: 1,
    });

    const { scope } = await withUsageScope({ requestId: 'req-3', tenant: 't', feature: 'query' }, () => reranker.rerank('q', [chunk('a'), chunk('b')], 2));

    expect(scope.records[0]).toMatchObject({ kind: 'rerank', costUsd: null, queryUnits: 1, tokensEstimated: true });
  });

  it('records a stream once: at its end, or when the consumer stops early', async () => {
    const request: GenerationRequest = { tenant: 't', question: SECRET, chunks: [], promptVersion: 'v2' };
    const events: GenerationEvent[] = [
      { type: 'delta', text: 'Part one. ' },
      { type: 'delta', text: 'Part two.' },
      { type: 'done', usage: { inputTokens: 40, outputTokens: 6 }, model: 'local-extractive-v1', fallbackUsed: false },
    ];
    const inner: Generator = {
      mode: 'own-retrieval',
      modelId: 'local-extractive-v1',
      generate: async () => {
        throw new Error('not used');
      },
      async *generateStream() {
        yield* events;
      },
    };
    const generator = new MeteredGenerator(inner, new ModelMeter('local'));

    const whole = await withUsageScope({ requestId: 'r-a', tenant: 't', feature: 'stream' }, async () => {
      for await (const _event of generator.generateStream(request)) {
        // consume all
      }
    });
    const abandoned = await withUsageScope({ requestId: 'r-b', tenant: 't', feature: 'stream' }, async () => {
      for await (const _event of generator.generateStream(request)) break;
    });

    expect(whole.scope.records).toHaveLength(1);
    expect(whole.scope.records[0]).toMatchObject({ inputTokens: 40, outputTokens: 6, outcome: 'ok', costUsd: 0, promptVersion: 'v2', tokensEstimated: true });
    expect(abandoned.scope.records).toHaveLength(1);
    expect(abandoned.scope.records[0]).toMatchObject({ outcome: 'error', errorName: 'StreamAbandoned' });
  });
});
