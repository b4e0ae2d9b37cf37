import { onAwsAttempt } from '../aws/instrument';
import type { ScoredChunk } from '../documents/chunk';
import { sha256Hex } from '../documents/identity';
import type { EmbeddingPurpose, EmbeddingResult, Embedder } from '../embeddings/embedder';
import type { GenerationEvent, GenerationRequest, GenerationResult, Generator, TokenUsage } from '../generation/generator';
import { estimateCostUsd, estimateTokens, rerankQueryUnits } from '../generation/pricing';
import type { GroundingSource, Guardrail, GuardrailVerdict } from '../guardrails/guardrail';
import { loadPrompt } from '../prompts/index';
import type { Reranker } from '../rerank/reranker';
import type { InvocationRecord, ModelCallKind } from './invocation-record';
import { emitRecord } from './recorder';
import { countAttempts, currentUsageScope, type ModelCallCounters, noteAttempt } from './usage-scope';

// Every SDK attempt made inside a metered call counts on that call (attempts, throttles).
onAwsAttempt(noteAttempt);

/**
 * The model ports, metered: each call becomes one invocation record (shared/usage/invocation-record.ts)
 * of the current usage scope. The wiring wraps every model port it builds (shared/adapters/*.ts), so no
 * adapter and no use-case has to remember to count. Text never leaves these wrappers: the record holds
 * SHA-256 hashes and counts only.
 */
const hash = (text: string): string => sha256Hex(text).slice(0, 16);
const hashAll = (texts: readonly string[]): string => hash(texts.join('\u0000'));
const isLocalModel = (modelId: string): boolean => modelId === 'local' || modelId.startsWith('local-');

interface CallFacts {
  kind: ModelCallKind;
  operation?: string;
  modelId: string;
  inputSha256: string;
  outputSha256?: string;
  promptVersion?: string;
  promptSha256?: string;
  inputTokens: number;
  outputTokens: number;
  tokensEstimated: boolean;
  queryUnits?: number;
  textUnits?: number;
  fallbackUsed?: boolean;
  guardrailAction?: 'NONE' | 'INTERVENED';
}

export class ModelMeter {
  constructor(readonly region: string) {}

  /** Runs one model call and emits its record, also when it fails (with the error's name, then rethrows). */
  async call<T>(
    facts: (result: T) => CallFacts,
    onError: Omit<CallFacts, 'inputTokens' | 'outputTokens' | 'tokensEstimated'>,
    work: () => Promise<T>,
  ): Promise<T> {
    const counters: ModelCallCounters = { attempts: 0, throttles: 0 };
    const started = performance.now();
    try {
      const result = await countAttempts(counters, work);
      this.emit(facts(result), counters, performance.now() - started);
      return result;
    } catch (error) {
      this.emit({ ...onError, inputTokens: 0, outputTokens: 0, tokensEstimated: true }, counters, performance.now() - started, error);
      throw error;
    }
  }

  emit(facts: CallFacts, counters: ModelCallCounters, latencyMs: number, error?: unknown): void {
    const scope = currentUsageScope();
    // Rerank is billed per query unit and guardrails per text unit: the price table's `inputTokens` counts those units.
    const units = facts.queryUnits ?? facts.textUnits;
    const cost =
      units !== undefined
        ? estimateCostUsd(facts.modelId, this.region, { inputTokens: units, outputTokens: 0 })
        : estimateCostUsd(facts.modelId, this.region, { inputTokens: facts.inputTokens, outputTokens: facts.outputTokens });
    const record: InvocationRecord = {
      requestId: scope?.requestId ?? 'none',
      tenant: scope?.tenant ?? 'none',
      feature: scope?.feature ?? 'unscoped',
      kind: facts.kind,
      ...(facts.operation ? { operation: facts.operation } : {}),
      modelId: facts.modelId,
      region: isLocalModel(facts.modelId) ? 'local' : this.region,
      ...(facts.promptVersion ? { promptVersion: facts.promptVersion } : {}),
      ...(facts.promptSha256 ? { promptSha256: facts.promptSha256 } : {}),
      inputSha256: facts.inputSha256,
      ...(facts.outputSha256 ? { outputSha256: facts.outputSha256 } : {}),
      inputTokens: Math.max(0, Math.round(facts.inputTokens)),
      outputTokens: Math.max(0, Math.round(facts.outputTokens)),
      tokensEstimated: facts.tokensEstimated,
      ...(facts.queryUnits !== undefined ? { queryUnits: facts.queryUnits } : {}),
      ...(facts.textUnits !== undefined ? { textUnits: facts.textUnits } : {}),
      latencyMs: Math.round(latencyMs * 10) / 10,
      attempts: Math.max(1, counters.attempts),
      throttles: counters.throttles,
      fallbackUsed: facts.fallbackUsed ?? false,
      ...(facts.guardrailAction ? { guardrailAction: facts.guardrailAction } : {}),
      cacheHit: false,
      // A call that failed is not billed (Bedrock bills completed requests); one that succeeded on an unpriced model is unknown.
      costUsd: error !== undefined ? 0 : (cost ?? null),
      outcome: error === undefined ? 'ok' : 'error',
      ...(error !== undefined ? { errorName: error instanceof Error ? error.name : 'UnknownError' } : {}),
      at: new Date().toISOString(),
    };
    emitRecord(record);
  }
}

export class MeteredEmbedder implements Embedder {
  constructor(
    private readonly inner: Embedder,
    private readonly meter: ModelMeter,
  ) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  get dimensions(): number {
    return this.inner.dimensions;
  }
  get batchSize(): number {
    return this.inner.batchSize;
  }
  embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    const base = { kind: 'embedding' as const, operation: purpose, modelId: this.inner.modelId, inputSha256: hashAll(texts) };
    return this.meter.call(
      (result) => ({
        ...base,
        inputTokens: result.inputTokens,
        outputTokens: 0,
        tokensEstimated: result.estimated === true || isLocalModel(this.inner.modelId),
      }),
      base,
      () => this.inner.embed(texts, purpose),
    );
  }
}

export class MeteredReranker implements Reranker {
  constructor(
    private readonly inner: Reranker,
    private readonly meter: ModelMeter,
  ) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  rerank(query: string, candidates: ScoredChunk[], topN: number): Promise<ScoredChunk[]> {
    const base = { kind: 'rerank' as const, modelId: this.inner.modelId, inputSha256: hashAll([query, ...candidates.map((c) => c.chunk.id)]) };
    return this.meter.call(
      () => ({
        ...base,
        // Bedrock Rerank bills query units, not tokens; the tokens are what was sent, for the usage figures.
        inputTokens: estimateTokens(query) + candidates.reduce((sum, c) => sum + estimateTokens(c.chunk.text), 0),
        outputTokens: 0,
        tokensEstimated: true,
        queryUnits: rerankQueryUnits(candidates.length),
      }),
      base,
      () => this.inner.rerank(query, candidates, topN),
    );
  }
}

function generationInput(request: GenerationRequest): string {
  return hashAll([request.question, ...request.chunks.map((c) => c.chunk.text)]);
}

export class MeteredGenerator implements Generator {
  constructor(
    private readonly inner: Generator,
    private readonly meter: ModelMeter,
  ) {}
  get mode(): Generator['mode'] {
    return this.inner.mode;
  }
  get modelId(): string {
    return this.inner.modelId;
  }

  /** What a record of this request says before the model answers: hashed once per call (the sources are the bulk). */
  private requestFacts(request: GenerationRequest): { kind: 'generation'; modelId: string; inputSha256: string; promptVersion: string; promptSha256?: string } {
    const base = { kind: 'generation' as const, modelId: this.inner.modelId, inputSha256: generationInput(request), promptVersion: request.promptVersion };
    try {
      const template = loadPrompt(this.inner.mode === 'knowledge-base' ? 'knowledge-base' : 'answer', request.promptVersion);
      return { ...base, promptSha256: template.sha256.slice(0, 16) };
    } catch {
      return base;
    }
  }

  private facts(
    asked: ReturnType<MeteredGenerator['requestFacts']>,
    outcome: { text: string; usage: TokenUsage; model: string; fallbackUsed: boolean; guardrail?: GuardrailVerdict },
  ): CallFacts {
    return {
      ...asked,
      modelId: outcome.model,
      outputSha256: hash(outcome.text),
      inputTokens: outcome.usage.inputTokens,
      outputTokens: outcome.usage.outputTokens,
      tokensEstimated: outcome.usage.estimated === true || isLocalModel(outcome.model),
      fallbackUsed: outcome.fallbackUsed,
      ...(outcome.guardrail ? { guardrailAction: outcome.guardrail.action } : {}),
    };
  }

  generate(request: GenerationRequest): Promise<GenerationResult> {
    const asked = this.requestFacts(request);
    return this.meter.call(
      (result) => this.facts(asked, result),
      asked,
      () => this.inner.generate(request),
    );
  }

  async *generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    const counters: ModelCallCounters = { attempts: 0, throttles: 0 };
    const started = performance.now();
    const iterator = this.inner.generateStream(request)[Symbol.asyncIterator]();
    const asked = this.requestFacts(request);
    let text = '';
    let emitted = false;
    const emitError = (name: string) => {
      emitted = true;
      this.meter.emit(
        { ...asked, inputTokens: 0, outputTokens: 0, tokensEstimated: true },
        counters,
        performance.now() - started,
        Object.assign(new Error(name), { name }),
      );
    };
    try {
      for (;;) {
        let next: IteratorResult<GenerationEvent>;
        try {
          next = await countAttempts(counters, () => iterator.next());
        } catch (error) {
          emitError(error instanceof Error ? error.name : 'UnknownError');
          throw error;
        }
        if (next.done) break;
        const event = next.value;
        if (event.type === 'delta') text += event.text;
        if (event.type === 'done') {
          emitted = true;
          this.meter.emit(this.facts(asked, { ...event, text }), counters, performance.now() - started);
        }
        if (event.type === 'error') emitError(event.error.name);
        yield event;
      }
    } finally {
      // A consumer that stops early (the client went away) still leaves a record of what was spent.
      if (!emitted) emitError('StreamAbandoned');
      await iterator.return?.();
    }
  }
}

/**
 * A guardrail is not billed per token: ApplyGuardrail reports "units" per policy (GuardrailUsage:
 * contentPolicyUnits, topicPolicyUnits, ...; https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GuardrailUsage.html,
 * read 2026-12-01) and the price is per 1,000 text units per policy (secondary: https://techjacksolutions.com/ai-tools/aws/what-is-bedrock-guardrails/,
 * quoting the Bedrock pricing page, read 2026-12-01). So a guardrail call adds no tokens to the usage figures or a
 * token budget. Its units here are an estimate, one per 1,000 characters checked: the size of a text unit was not
 * found in a source read here, and the price table holds no guardrail row, so a Bedrock guardrail's cost is
 * reported unknown (the local guardrail's is 0).
 */
export const GUARDRAIL_TEXT_UNIT_CHARS = 1000;
const GUARDRAIL_USAGE = (text: string) => ({
  inputTokens: 0,
  outputTokens: 0,
  tokensEstimated: false,
  textUnits: Math.max(1, Math.ceil(text.length / GUARDRAIL_TEXT_UNIT_CHARS)),
});

export class MeteredGuardrail implements Guardrail {
  constructor(
    private readonly inner: Guardrail,
    private readonly meter: ModelMeter,
    private readonly guardrailId: string,
  ) {}

  private verdictFacts(operation: string, input: string, verdict: GuardrailVerdict): CallFacts {
    return {
      kind: 'guardrail',
      operation,
      modelId: this.guardrailId,
      inputSha256: hash(input),
      outputSha256: hash(verdict.text),
      ...GUARDRAIL_USAGE(input),
      guardrailAction: verdict.action,
    };
  }

  checkInput(text: string): Promise<GuardrailVerdict> {
    return this.meter.call(
      (verdict) => this.verdictFacts('input', text, verdict),
      { kind: 'guardrail', operation: 'input', modelId: this.guardrailId, inputSha256: hash(text) },
      () => this.inner.checkInput(text),
    );
  }

  checkOutput(answer: string, question: string, sources: GroundingSource[]): Promise<GuardrailVerdict> {
    const input = [answer, question, ...sources.map((s) => s.text)].join('\u0000');
    return this.meter.call(
      (verdict) => this.verdictFacts('output', input, verdict),
      { kind: 'guardrail', operation: 'output', modelId: this.guardrailId, inputSha256: hash(input) },
      () => this.inner.checkOutput(answer, question, sources),
    );
  }

  redactPii(text: string): Promise<string> {
    const base = { kind: 'guardrail' as const, operation: 'redact', modelId: this.guardrailId, inputSha256: hash(text) };
    return this.meter.call(
      (redacted) => ({ ...base, outputSha256: hash(redacted), ...GUARDRAIL_USAGE(text) }),
      base,
      () => this.inner.redactPii(text),
    );
  }
}
