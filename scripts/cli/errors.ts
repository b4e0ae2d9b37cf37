/**
 * The command-line tools' outcomes. Every command ends with one of these exit codes, so a script can
 * tell "the service is down" from "my token expired" from "a document failed" without reading text.
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  unreachable: 3,
  unauthorized: 4,
  /** ingest --wait: some documents failed; docs show|delete|redrive: no such document. */
  failedOrNotFound: 5,
  throttled: 6,
  streamBroken: 7,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The block every `--help` ends with: exit 5 and 7 are listed only for the commands that use them. */
export function exitCodesHelp(uses: { notFoundOrFailed?: string; stream?: boolean }): string {
  return [
    'Exit codes:',
    '  0  done',
    '  1  unexpected error (a 5xx answer, an answer that breaks the API contract)',
    '  2  bad usage, or the service refused the request as invalid (400)',
    '  3  service unreachable (connection refused, DNS, timeout)',
    '  4  unauthorized (401/403): the token is missing, expired or for another issuer or tenant',
    ...(uses.notFoundOrFailed ? [`  5  ${uses.notFoundOrFailed}`] : []),
    '  6  throttled or unavailable (429/503): retry after the time printed',
    ...(uses.stream ? ['  7  the answer stream broke (an error event, a malformed event, or the connection ended before "done")'] : []),
  ].join('\n');
}

/** Every failure a command reports; its exit code says which kind. */
export class CliError extends Error {
  readonly exitCode: ExitCode = EXIT_CODES.unexpected;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad flag or argument, or a request the service refused as invalid (400). */
export class CliUsageError extends CliError {
  override readonly exitCode = EXIT_CODES.usage;
}

/** No HTTP answer: connection refused, DNS failure, timeout. */
export class ServiceUnreachableError extends CliError {
  override readonly exitCode = EXIT_CODES.unreachable;
}

export class ServiceUnauthorizedError extends CliError {
  override readonly exitCode = EXIT_CODES.unauthorized;
}

export class DocumentNotFoundError extends CliError {
  override readonly exitCode = EXIT_CODES.failedOrNotFound;
}

/** 429 or 503: the service asks to come back later. */
export class ServiceThrottledError extends CliError {
  override readonly exitCode = EXIT_CODES.throttled;
  constructor(
    message: string,
    readonly retryAfterSeconds: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The answer stream ended without `done`: an `error` event, a malformed event, or a cut connection. */
export class StreamBrokenError extends CliError {
  override readonly exitCode = EXIT_CODES.streamBroken;
}
