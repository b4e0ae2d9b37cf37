/**
 * The error contract of the RAG core.
 *
 * Names are stable: state machine `Retry`/`Catch` blocks match them by `name`
 * (Step Functions reads `errorType` from the Lambda error, which is `error.name`),
 * and the single HTTP mapper (`httpErrors` in `functions/api/http.ts`) maps them to statuses.
 * `expose` says whether the message is safe to show to a caller (middy convention: status < 500).
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class RagError extends Error {
  readonly status: number = 500;
  readonly expose: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that breaks the contract of an API or a task: 400. */
export class ValidationError extends RagError {
  override readonly status = 400;
  override readonly expose = true;
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends RagError {
  override readonly status = 413;
  override readonly expose = true;
}

export class UnauthorizedError extends RagError {
  override readonly status = 401;
  override readonly expose = true;
}

export class ForbiddenError extends RagError {
  override readonly status = 403;
  override readonly expose = true;
}

export class NotFoundError extends RagError {
  override readonly status = 404;
  override readonly expose = true;
}

/** A dependency said "slow down" and retries and fallbacks are exhausted: 429 with Retry-After. */
export class ThrottlingError extends RagError {
  override readonly status = 429;
  override readonly expose = true;
  constructor(
    message: string,
    readonly retryAfterSeconds = 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Seconds a 503 asks the caller to wait (`Retry-After`): a hint that spreads retries past a brief outage or a
 * burst that ran into the query deadline, not a promise of recovery.
 */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** A dependency is down or failing after retries: 503 with Retry-After. Retryable by state machines. */
export class DependencyUnavailableError extends RagError {
  override readonly status = 503;
  override readonly expose = true;
  readonly retryAfterSeconds: number = DEPENDENCY_RETRY_AFTER_SECONDS;
}

/**
 * The request ran past its deadline (RAG_QUERY_TIMEOUT_SECONDS, or the Lambda's remaining time) and its work was
 * cancelled: 503, and the caller may retry.
 */
export class QueryTimeoutError extends DependencyUnavailableError {}

/**
 * The disk (or the user's quota) is full: a write could not be completed. Its message is for a person reading a
 * FAILED document's reason or an upload's answer (507 Insufficient Storage); it names no path.
 */
export class StorageFullError extends RagError {
  override readonly status = 507;
  override readonly expose = true;
}

/** The document cannot be read: unknown format, broken file, too many pages. Not retryable. */
export class UnsupportedDocumentError extends RagError {
  override readonly status = 422;
  override readonly expose = true;
}

/** The index does not hold what the manifest promises (e.g. vector count mismatch). Retryable. */
export class IndexConsistencyError extends RagError {}

/** Configuration is missing or malformed: fails at start, names the variable. */
export class ConfigurationError extends RagError {}

/** Names of the error classes whose messages a caller may see (expose: true), for errors known only by name. */
const EXPOSED_ERROR_NAMES: ReadonlySet<string> = new Set(
  [
    ValidationError,
    PayloadTooLargeError,
    UnauthorizedError,
    ForbiddenError,
    NotFoundError,
    ThrottlingError,
    DependencyUnavailableError,
    UnsupportedDocumentError,
    StorageFullError,
  ]
    .filter((ErrorClass) => new ErrorClass('').expose)
    .map((ErrorClass) => ErrorClass.name),
);

/**
 * What a caller may be told of an error known by name and message (a generator's stream error event):
 * the message of an exposed class as it is; any other keeps its name (a code, e.g. an AWS exception's)
 * but not its message, which may carry configuration or an ARN.
 */
export function exposedErrorDescription(error: { name: string; message: string }): { name: string; message: string } {
  return EXPOSED_ERROR_NAMES.has(error.name) ? error : { name: error.name, message: 'The answer could not be completed' };
}

/** Turns anything thrown into a short, log-safe description (no stack, no payload). */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'UnknownError', message: String(error) };
}
