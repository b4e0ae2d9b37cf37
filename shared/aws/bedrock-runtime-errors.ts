import { DependencyUnavailableError, RagError, ThrottlingError, ValidationError } from '../errors';

/**
 * How a failed Bedrock Runtime call should be treated once the SDK's own bounded retries are spent.
 * - throttled: quota exhausted (429); a lighter fallback model may still have capacity.
 * - unavailable: 5xx, model not ready, model timeout, socket errors; another model may serve.
 * - rejected: the request itself is wrong (validation, access, unknown model); no fallback helps.
 */
export type BedrockFailureKind = 'throttled' | 'unavailable' | 'rejected';

const THROTTLING_NAMES = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServiceQuotaExceededException', 'throttlingException']);
const UNAVAILABLE_NAMES = new Set([
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'ModelStreamErrorException',
  'serviceUnavailableException',
  'internalServerException',
  'modelStreamErrorException',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function classifyBedrockFailure(error: unknown): BedrockFailureKind {
  const e = shapeOf(error);
  const name = typeof e.name === 'string' ? e.name : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (THROTTLING_NAMES.has(name) || status === 429) return 'throttled';
  if (UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return 'unavailable';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (e.$fault === 'server') return 'unavailable';
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
  if (name === 'ValidationException') {
    // Model-side input validation (e.g. Titan's token limit): the caller records the reason; not retryable.
    return new ValidationError(`${operation} rejected the input: ${safeMessage(error)}`);
  }
  return new DependencyUnavailableError(`${operation} failed: ${name}`, { cause: error });
}
