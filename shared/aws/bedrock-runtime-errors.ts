import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { DependencyUnavailableError, RagError, ThrottlingError, ValidationError } from '../errors';

/**
 * How a failed Bedrock Runtime call should be treated once the SDK's own bounded retries are spent.
 * - throttled: quota exhausted (429, which includes ModelNotReady); a lighter fallback model may still have capacity.
 * - unavailable: 5xx, timeouts (the SDK's or the model's), socket errors; another model may serve.
 * - model-unavailable: this model cannot serve this caller here (end of life, not offered in the
 *   Region, no access granted); another model may serve, retrying this one never will.
 * - rejected: the request itself is wrong (validation); no fallback helps.
 */
export type BedrockFailureKind = 'throttled' | 'unavailable' | 'model-unavailable' | 'rejected';

/** Why a model is unavailable, for logs and fallback events. */
export type ModelUnavailableReason = 'end-of-life' | 'not-offered' | 'no-access' | 'not-found';

/**
 * What Bedrock Runtime answers when a model cannot serve the caller. Statuses from the SDK's error
 * schema (node_modules/@aws-sdk/client-bedrock-runtime/dist-cjs/index.js, v3.1164.0: AccessDenied
 * 403, ResourceNotFound 404, Validation 400); messages as quoted in the threads below. Read 2026-11-30.
 */
export const BEDROCK_MODEL_UNAVAILABLE = {
  /**
   * aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws#708 (Converse,
   * us-west-2, 2026-08-29), griptape-ai/griptape-nodes-engine#4498 (ConverseStream), and the AWS
   * Claude 3 Haiku model card (docs.aws.amazon.com/.../model-card-anthropic-claude-3-haiku.html).
   */
  endOfLife: {
    name: 'ResourceNotFoundException',
    status: 404,
    message: 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.',
  },
  /**
   * A model id the Region does not know: cline/cline#7007 (anthropic.claude-haiku-4-5-20251001-v1:0
   * in ap-northeast-1), danny-avila/LibreChat#5001 (httpStatusCode 400, $fault client).
   */
  invalidIdentifier: { name: 'ValidationException', status: 400, message: 'The provided model identifier is invalid.' },
  /**
   * A bare model id that the Region serves only through an inference profile:
   * aws-samples/sample-getting-started-with-strands-agents-course#1 (ConverseStream, us-east-1), 0xPlaygrounds/rig#2309.
   */
  profileRequired: {
    name: 'ValidationException',
    status: 400,
    message: (modelId: string) =>
      `Invocation of model ID ${modelId} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
  },
  /** Model access not granted: andrewyng/aisuite#174 (Converse), aws-samples/amazon-bedrock-audio-summarizer#15 (InvokeModel). */
  noAccess: { name: 'AccessDeniedException', status: 403, message: "You don't have access to the model with the specified model ID." },
} as const;

/**
 * What Bedrock says that the SDK's own classification does not know. Everything else (429 and the
 * throttling names, every 5xx, the SDK's timeouts, socket and DNS codes, the retryable trait) is left
 * to @smithy/core/retry, the functions the SDK's retry strategy itself uses (v3.41.1, the version the
 * pinned clients resolve).
 */
const BEDROCK_THROTTLING_NAMES = new Set([
  // "Your request exceeds the service quota for your account": 400 in the SDK schema, not 429.
  'ServiceQuotaExceededException',
]);
const BEDROCK_UNAVAILABLE_NAMES = new Set([
  // 408 and 424 (client faults in the SDK schema): the model timed out or broke; another model may serve.
  'ModelTimeoutException',
  'ModelStreamErrorException',
]);
/** A streamed response body closed early (Node's code); Smithy's network codes cover sockets and DNS only. */
const STREAM_CLOSED_CODES = new Set(['ERR_STREAM_PREMATURE_CLOSE']);

type SmithyError = Parameters<typeof isTransientError>[0];

/**
 * ValidationException messages that are about the model, not the request: the Region does not
 * know the id, or serves it only through a profile. Any other ValidationException stays "rejected".
 */
const MODEL_VALIDATION_MESSAGES: { pattern: RegExp; reason: ModelUnavailableReason }[] = [
  { pattern: /provided model identifier is invalid/i, reason: 'not-offered' },
  { pattern: /on-demand throughput isn.t supported/i, reason: 'not-offered' },
  // Older RetrieveAndGenerate answers for a retired model (aws/aws-sdk-js-v3#6424).
  { pattern: /reached the end of its life/i, reason: 'end-of-life' },
];

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** Why the model named by a failed call cannot serve it, or undefined when the failure is something else. */
export function modelUnavailableReason(error: unknown): ModelUnavailableReason | undefined {
  const e = shapeOf(error);
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (name === 'AccessDeniedException') return 'no-access';
  if (name === 'ResourceNotFoundException') {
    // Also "Access denied. This Model is marked by provider as Legacy and you have not been actively
    // using the model..." (aws-samples/amazon-bedrock-workshop#386): this account can no longer use it.
    if (/end of its life/i.test(message)) return 'end-of-life';
    if (/legacy/i.test(message)) return 'no-access';
    return 'not-found';
  }
  if (name === 'ValidationException') return MODEL_VALIDATION_MESSAGES.find((m) => m.pattern.test(message))?.reason;
  return undefined;
}

/**
 * Smithy's order (getRetryErrorType in node_modules/@smithy/core/dist-cjs/submodules/retry/index.js):
 * throttling, then transient, then server error. Not used: `isClockSkewError` (deprecated, and it
 * lists AccessDeniedException, which Bedrock sends for model access). An AbortError stays rejected,
 * as Smithy's `isTransientError` has it: the caller cancelled, so no other model should be tried.
 */
export function classifyBedrockFailure(error: unknown): BedrockFailureKind {
  // Smithy reads properties of what it is given: anything thrown that is not an object is ours to judge.
  if (typeof error !== 'object' || error === null) return 'rejected';
  const e = shapeOf(error);
  const sdkError = error as SmithyError;
  const name = typeof e.name === 'string' ? e.name : '';
  if (isThrottlingError(sdkError) || BEDROCK_THROTTLING_NAMES.has(name)) return 'throttled';
  if (isTransientError(sdkError) || isServerError(sdkError)) return 'unavailable';
  if (BEDROCK_UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  if (typeof e.code === 'string' && STREAM_CLOSED_CODES.has(e.code)) return 'unavailable';
  // An exception event inside a response stream (ConverseStream, RetrieveAndGenerateStream) comes
  // after HTTP 200 and carries no status, so Smithy's checks miss it; its modelled $fault says server.
  if (e.$fault === 'server') return 'unavailable';
  if (modelUnavailableReason(error)) return 'model-unavailable';
  return 'rejected';
}

/** Service messages are short and never echo request bodies for these errors, but cap them anyway. */
function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

function errorName(error: unknown): string {
  const name = shapeOf(error).name;
  return typeof name === 'string' && name.length > 0 ? name : 'UnknownError';
}

/**
 * Maps a Bedrock Runtime failure (after SDK retries) to the project's error contract.
 * `operation` names what was attempted ("InvokeModel amazon.titan-embed-text-v2:0"), never the payload.
 */
export function toRagError(error: unknown, operation: string): RagError {
  if (error instanceof RagError) return error;
  const kind = classifyBedrockFailure(error);
  const name = errorName(error);
  if (kind === 'throttled') {
    return new ThrottlingError(`${operation} throttled after retries (${name})`, 2, { cause: error });
  }
  if (kind === 'unavailable') {
    return new DependencyUnavailableError(`${operation} unavailable after retries (${name})`, { cause: error });
  }
  if (kind === 'model-unavailable') {
    // The deployment chose a model this account or Region cannot use: the caller's input is fine (503, not 400).
    return new DependencyUnavailableError(`${operation} failed: ${name} (${modelUnavailableReason(error)})`, { cause: error });
  }
  if (name === 'ValidationException') {
    // Model-side input validation (e.g. Titan's token limit): the caller records the reason; not retryable.
    return new ValidationError(`${operation} rejected the input: ${safeMessage(error)}`);
  }
  return new DependencyUnavailableError(`${operation} failed: ${name}`, { cause: error });
}
