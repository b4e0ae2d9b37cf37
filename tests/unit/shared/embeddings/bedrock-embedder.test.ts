import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockEmbedder } from '../../../../shared/embeddings/bedrock-embedder';
import { loadConfig } from '../../../../shared/config/config';

const DIMENSIONS = 256;

/** A client that answers every InvokeModel with a Titan body, recording when each call started and how many were in flight. */
function recordingClient(latencyMs: number): { client: BedrockRuntimeClient; starts: number[]; maxInFlight: () => number } {
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (): Promise<unknown> => {
    starts.push(Date.now());
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    inFlight -= 1;
    const body = JSON.stringify({ embedding: new Array(DIMENSIONS).fill(0.0625), inputTextTokenCount: 3 });
    return { body: { transformToString: () => body } };
  };
  return { client: { send } as unknown as BedrockRuntimeClient, starts, maxInFlight: () => maxInFlight };
}

function titanConfig(env: Record<string, string>) {
  return loadConfig({
    AWS_REGION: 'us-east-1',
    RAG_EMBEDDER: 'bedrock-titan',
    RAG_EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
    RAG_EMBEDDING_DIMENSIONS: String(DIMENSIONS),
    ...env,
  });
}

const texts = (n: number): string[] => Array.from({ length: n }, (_, i) => `text ${i}`);

describe('Bedrock embedder call queue (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Embeds `n` texts at `rps` with calls of 10 ms, 3 s of fake time; when each call started, in ms after the first. */
  async function startTimes(rps: string, concurrency: string, n: number): Promise<number[]> {
    const { client, starts } = recordingClient(10);
    const embedder = createBedrockEmbedder(titanConfig({ RAG_EMBED_RPS: rps, RAG_EMBED_CONCURRENCY: concurrency }), client);
    const result = embedder.embed(texts(n), 'document');
    await jest.advanceTimersByTimeAsync(3_000);
    expect((await result).vectors).toHaveLength(n);
    return starts.map((t) => t - (starts[0] as number));
  }

  it('starts one InvokeModel per 1000/RAG_EMBED_RPS ms, a fractional rate rounded up to whole milliseconds', async () => {
    // Prepare / Act: 1.5 requests/s (a quota of 90 per minute ÷ 60): 666.7 ms, rounded up because timers truncate
    const starts = await startTimes('1.5', '4', 5);
    // Assess
    expect(starts).toEqual([0, 667, 1334, 2001, 2668]);
  });

  it('holds a high rate exactly, in windows of about 100 ms rather than a sub-millisecond timer', async () => {
    // Prepare / Act: 300 requests/s would be a 3.33 ms timer, which rounding up to 4 ms would slow to 250/s
    const starts = await startTimes('300', '40', 600);
    // Assess: requests started in each second
    expect([0, 1].map((second) => starts.filter((t) => Math.floor(t / 1000) === second).length)).toEqual([300, 300]);
  });

  it('keeps at most RAG_EMBED_CONCURRENCY calls in flight across concurrent embed calls', async () => {
    // Prepare: a rate that never binds, calls that take 500 ms
    const { client, starts, maxInFlight } = recordingClient(500);
    const embedder = createBedrockEmbedder(titanConfig({ RAG_EMBED_RPS: '10000', RAG_EMBED_CONCURRENCY: '2' }), client);
    // Act
    const results = Promise.all([embedder.embed(texts(3), 'document'), embedder.embed(texts(3), 'query')]);
    await jest.advanceTimersByTimeAsync(2_000);
    // Assess: six calls, two at a time
    expect((await results).map((r) => r.vectors.length)).toEqual([3, 3]);
    expect(starts).toHaveLength(6);
    expect(maxInFlight()).toBe(2);
  });
});
