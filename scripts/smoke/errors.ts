/**
 * The smoke test's failures. Each names the step that failed and carries the process exit code
 * for it, so a deploy pipeline can tell "the stack is not there" from "ingestion failed" from
 * "the answer cites the wrong document" without reading the text.
 */
export const SMOKE_EXIT_CODES = {
  passed: 0,
  unexpected: 1,
  usage: 2,
  endpoint: 3,
  auth: 4,
  upload: 5,
  ingestionFailed: 6,
  indexTimeout: 7,
  query: 8,
  citation: 9,
  delete: 10,
  deleteTimeout: 11,
} as const;

export type SmokeStep = 'resolve' | 'health' | 'upload' | 'index' | 'query' | 'delete' | 'gone';

export class SmokeError extends Error {
  readonly exitCode: number = SMOKE_EXIT_CODES.unexpected;
  constructor(
    message: string,
    readonly step: SmokeStep,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Command-line mistakes: unknown flag, missing value, neither --stage nor --url. */
export class SmokeUsageError extends Error {
  readonly exitCode = SMOKE_EXIT_CODES.usage;
  constructor(message: string) {
    super(message);
    this.name = 'SmokeUsageError';
  }
}

/** No service to test: the stack, its HttpApiUrl output or the URL cannot be reached. */
export class SmokeEndpointError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.endpoint;
}

/** The API answered 401/403: the token is missing, expired, or not for this issuer/audience. */
export class SmokeAuthError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.auth;
}

export class SmokeUploadError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.upload;
}

/** The manifest says FAILED: the message carries the recorded error name and reason. */
export class SmokeIngestionFailedError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.ingestionFailed;
}

export class SmokeIndexTimeoutError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.indexTimeout;
}

export class SmokeQueryError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.query;
  constructor(
    message: string,
    /** 429, 503 and network failures are worth another attempt. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, 'query', options);
  }
}

/** The query answered, but no citation points at the uploaded document. */
export class SmokeCitationError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.citation;
}

export class SmokeDeleteError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.delete;
}

export class SmokeDeleteTimeoutError extends SmokeError {
  override readonly exitCode = SMOKE_EXIT_CODES.deleteTimeout;
}

/** A request that got no HTTP answer (connection refused, DNS, timeout). */
export class SmokeNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmokeNetworkError';
  }
}
