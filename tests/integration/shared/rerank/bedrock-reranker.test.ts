import { DEFAULT_MODELS } from '../../../../shared/models/catalog';
import { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import type { ScoredChunk } from '../../../../shared/documents/chunk';
import { ConfigurationError, DependencyUnavailableError, ThrottlingError } from '../../../../shared/errors';
import { createBedrockReranker } from '../../../../shared/rerank/bedrock-reranker';
import type { Reranker } from '../../../../shared/rerank/reranker';
import { makeChunk } from '../../../contract/fixtures';
import { describeRerankerContract } from '../../../contract/reranker.contract';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { BedrockAgentRuntimeEmulator } from '../../../emulators/bedrock-agent-runtime-emulator';

// The catalogue's default reranker: the one offered in us-east-1 (shared/models/catalog.ts).
const MODEL_ARN = `arn:aws:bedrock:us-east-1::foundation-model/${DEFAULT_MODELS.rerankModelId}`;

function candidate(id: string, text: string, score: number): ScoredChunk {
  const { vector: _vector, ...chunk } = makeChunk(4, { id, text });
  return { chunk, score };
}

describe('BedrockReranker over the Bedrock Agent Runtime wire format', () => {
  useFakeAwsCredentials();
  const emulator = new BedrockAgentRuntimeEmulator();
  let endpoint = '';

  beforeAll(async () => {
    endpoint = await emulator.start();
  });
  afterAll(async () => {
    await emulator.stop();
  });
  beforeEach(() => emulator.reset());

  const config = (env: Record<string, string> = {}): AppConfig =>
    loadConfig({
      AWS_REGION: 'us-east-1',
      RAG_RERANKER: 'bedrock',
      RAG_RERANK_MODEL_ARN: MODEL_ARN,
      RAG_BEDROCK_AGENT_ENDPOINT: endpoint,
      RAG_AWS_MAX_ATTEMPTS: '2',
      ...env,
    });
  const reranker = (): Reranker => {
    const c = config();
    return createBedrockReranker(
      c,
      new BedrockAgentRuntimeClient({ ...awsClientOptions(c, c.aws.bedrockAgentEndpoint), retryStrategy: fastRetries(c.aws.maxAttempts) }),
    );
  };

  describeRerankerContract('BedrockReranker (emulated Bedrock Rerank)', async () => createBedrockReranker(config()));

  it('sends the query, inline text sources and the model ARN the way Rerank expects', async () => {
    // Prepare
    const subject = reranker();
    // Act
    await subject.rerank('vpn access', [candidate('a', 'VPN access needs a token.', 0.2)], 1);
    // Assess
    const [call] = emulator.callsOf('Rerank');
    expect(call?.body).toEqual({
      queries: [{ type: 'TEXT', textQuery: { text: 'vpn access' } }],
      sources: [{ type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'VPN access needs a token.' } } }],
      rerankingConfiguration: {
        type: 'BEDROCK_RERANKING_MODEL',
        bedrockRerankingConfiguration: { numberOfResults: 1, modelConfiguration: { modelArn: MODEL_ARN } },
      },
    });
  });

  it('splits more than 100 candidates into batches of at most 100 and merges them by score', async () => {
    // Prepare
    const subject = reranker();
    const candidates = Array.from({ length: 250 }, (_, i) =>
      candidate(`c${i}`, i === 180 ? 'How to reset a password in the portal.' : `Unrelated note number ${i}.`, 1 - i / 1000),
    );
    // Act
    const ranked = await subject.rerank('reset password portal', candidates, 3);
    // Assess
    expect(emulator.callsOf('Rerank').map((c) => (c.body.sources as unknown[]).length)).toEqual([100, 100, 50]);
    expect(ranked[0]?.chunk.id).toBe('c180');
    expect(ranked).toHaveLength(3);
  });

  it('retries a throttled call and then succeeds', async () => {
    // Prepare
    const subject = reranker();
    emulator.setFaults({ next: [{ status: 429, code: 'ThrottlingException' }] });
    // Act
    const ranked = await subject.rerank('vpn', [candidate('a', 'vpn', 0.1)], 1);
    // Assess
    expect(ranked.map((r) => r.chunk.id)).toEqual(['a']);
    expect(emulator.http.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('surfaces ThrottlingError when throttling outlasts the retries', async () => {
    // Prepare
    const subject = reranker();
    emulator.setFaults({
      next: [
        { status: 429, code: 'ThrottlingException' },
        { status: 429, code: 'ThrottlingException' },
      ],
    });
    // Act
    const attempt = subject.rerank('vpn', [candidate('a', 'vpn', 0.1)], 1);
    // Assess
    await expect(attempt).rejects.toThrow(ThrottlingError);
  });

  it('surfaces DependencyUnavailableError when 5xx outlasts the retries', async () => {
    // Prepare
    const subject = reranker();
    emulator.setFaults({
      next: [
        { status: 503, code: 'ServiceUnavailableException' },
        { status: 500, code: 'InternalServerException' },
      ],
    });
    // Act
    const attempt = subject.rerank('vpn', [candidate('a', 'vpn', 0.1)], 1);
    // Assess
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
  });

  it('rejects a malformed model ARN at construction', () => {
    // Prepare
    // loadConfig refuses it too; the adapter guards on its own for configurations built otherwise.
    const c: AppConfig = { ...config(), aws: { ...config().aws, rerankModelArn: 'cohere.rerank-v3-5:0' } };
    // Act
    const build = () => createBedrockReranker(c);
    // Assess
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(/RAG_RERANK_MODEL_ARN/);
  });
});
