import {
  type BedrockFailureKind,
  classifyBedrockFailure,
  type ModelUnavailableReason,
  modelUnavailableReason,
  toRagError,
} from '../aws/bedrock-runtime-errors';
import { ConfigurationError, DependencyUnavailableError, describeError, type RagError, ThrottlingError, ValidationError } from '../errors';

/**
 * The generation fallback chain shared by the Bedrock generators (Converse, Knowledge Base):
 * models are tried in configured order, each after the SDK's own bounded retries. A model that is
 * throttled, down, or cannot serve this caller at all (end of life, not offered in the Region, no
 * access granted) hands over to the next; an invalid request does not, since every model would
 * reject it. When every model failed the caller gets 429 (last failure throttling) or 503.
 */
export interface FallbackEvent {
  from: string;
  to: string;
  /** throttled | unavailable | end-of-life | not-offered | no-access | not-found */
  reason: FallbackReason;
}

export type FallbackReason = Exclude<BedrockFailureKind, 'model-unavailable' | 'rejected'> | ModelUnavailableReason;

interface FailedModel {
  modelId: string;
  error: unknown;
  reason: FallbackReason;
}

/** Why a model was skipped: the precise cause when the model itself is unavailable. */
function fallbackReason(error: unknown, kind: BedrockFailureKind): FallbackReason {
  if (kind === 'model-unavailable') return modelUnavailableReason(error) ?? 'not-found';
  return kind === 'throttled' ? 'throttled' : 'unavailable';
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
    const reason = fallbackReason(error, kind);
    this.failures.push({ modelId, error, reason });
    const next = this.chain.modelIds[index + 1];
    if (next) this.chain.onFallback?.({ from: modelId, to: next, reason });
  }

  /** The error to surface when every model failed. */
  exhausted(): RagError {
    const last = this.failures[this.failures.length - 1];
    const tried = this.failures.map((f) => `${f.modelId}: ${f.reason}`).join(', ');
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
