import type { GenerationEvent, GenerationRequest, GenerationResult, Generator } from '../../shared/generation/generator';

/**
 * A generator the test holds: each generate() waits until `releaseAll()`, so "in flight" or "past the deadline"
 * is certain, not a matter of timing. It answers "not found" with no citations once released.
 */
export class HeldGenerator implements Generator {
  readonly mode = 'own-retrieval' as const;
  readonly modelId = 'held-generator';
  private readonly waiting: (() => void)[] = [];
  started = 0;

  async generate(_request: GenerationRequest): Promise<GenerationResult> {
    this.started += 1;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return {
      text: 'I could not find an answer in the documents.',
      citations: [],
      usage: { inputTokens: 1, outputTokens: 1 },
      model: this.modelId,
      fallbackUsed: false,
    };
  }

  generateStream(): AsyncIterable<GenerationEvent> {
    throw new Error('not streamed in this test');
  }

  releaseAll(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
