/** A dataset that does not follow the BEIR layout or the QA file format; the message names the file and line. */
export class DatasetFormatError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line !== undefined ? `:${line}` : ''}: ${message}` : message);
    this.name = 'DatasetFormatError';
  }
}

/** Command-line usage mistakes: unknown flag, missing value, bad number. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
