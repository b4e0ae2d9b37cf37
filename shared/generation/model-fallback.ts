import { classifyBedrockFailure, toRagError } from '../aws/bedrock-runtime-errors';
import { ConfigurationError, DependencyUnavailableError, describeError, type RagError, ThrottlingError, ValidationError } from '../errors';

/**
 * The generation fallback chain shared by the Bedrock generators (Converse, Knowledge Base):
 * models are tried in configured order, each after the SDK's own bounded retries; a throttled or
 * unavailable model hands over to the next, a rejected request (validation, access) does not,
 * and when every model failed the caller gets 429 (last failure throttling) or 503.
 */
export interface FallbackEvent {
  from: string;
  to: string;
  reason: string;
}

interface FailedModel {
  modelId: string;
  error: unknown;
}

export interface FallbackLabels {
  /** Operation names for error messages, e.g. "Converse" / "ConverseStream". */
  call: string;
  stream: string;
  /** What the models are, e.g. "generation model". */
  models: string;
}

/** One request's walk down the chain: remembers which models failed and why. */
export class FallbackAttempt {
  private readonly failures: FailedModel[] = [];

  constructor(private readonly chain: ModelFallbackChain) {}

  /** Records a failed model so the next one is tried, or throws when no other model would help. */
  fail(error: unknown, modelId: string, index: number): void {
    if (error instanceof ValidationError || error instanceof ConfigurationError) throw error;
    const kind = classifyBedrockFailure(error);
    if (kind === 'rejected' && !(error instanceof DependencyUnavailableError)) throw toRagError(error, `${this.chain.labels.call} ${modelId}`);
    this.failures.push({ modelId, error });
    const next = this.chain.modelIds[index + 1];
    if (next) this.chain.onFallback?.({ from: modelId, to: next, reason: kind });
  }

  /** The error to surface when every model failed. */
  exhausted(): RagError {
    const last = this.failures[this.failures.length - 1];
    const tried = this.failures.map((f) => f.modelId).join(', ');
    if (last && classifyBedrockFailure(last.error) === 'throttled') {
      return new ThrottlingError(`Every ${this.chain.labels.models} is throttled (${tried})`, 2, { cause: last.error });
    }
    return new DependencyUnavailableError(`No ${this.chain.labels.models} is available (${tried})`, { cause: last?.error });
  }

  /** A stream that broke after text reached the caller: never a fallback (it would splice two answers). */
  streamError(error: unknown, modelId: string): RagError {
    if (error instanceof DependencyUnavailableError || error instanceof ThrottlingError) return error;
    const mapped = toRagError(error, `${this.chain.labels.stream} ${modelId}`);
    return mapped instanceof ThrottlingError || mapped instanceof DependencyUnavailableError
      ? mapped
      : new DependencyUnavailableError(`${this.chain.labels.stream} ${modelId} broke mid-answer (${describeError(error).name})`, { cause: error });
  }
}

export class ModelFallbackChain {
  constructor(
    readonly modelIds: readonly string[],
    readonly labels: FallbackLabels,
    readonly onFallback?: (event: FallbackEvent) => void,
  ) {
    if (modelIds.length === 0) throw new ConfigurationError('RAG_GENERATION_MODEL_IDS must list at least one model');
  }

  attempt(): FallbackAttempt {
    return new FallbackAttempt(this);
  }

  /** Calls each model in order until one answers. */
  async run<T>(call: (modelId: string) => Promise<T>): Promise<{ value: T; modelId: string; fallbackUsed: boolean }> {
    const attempt = this.attempt();
    for (const [index, modelId] of this.modelIds.entries()) {
      try {
        return { value: await call(modelId), modelId, fallbackUsed: index > 0 };
      } catch (error) {
        attempt.fail(error, modelId, index);
      }
    }
    throw attempt.exhausted();
  }
}
