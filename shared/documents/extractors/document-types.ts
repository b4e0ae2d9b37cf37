/** The result of text extraction, shared by every format module and the chunker. */
export interface ExtractedDocument {
  /** Normalised plain text: `\n` line breaks, no NUL or control characters, at most one blank line in a row. */
  text: string;
  /** e.g. 'text/markdown', 'application/pdf'. */
  contentType: string;
  /** First heading, HTML `<title>`, PDF metadata title or DOCX first heading, when the format has one. */
  title?: string;
  /** Character ranges of each page in `text` (PDF): one entry per page, in order; an empty page has start === end. */
  pages?: { start: number; end: number }[];
  /** Heading path ("Policy > Limits") starting at a character offset (Markdown/HTML/DOCX), ascending by start. */
  sections?: { start: number; path: string }[];
}

export interface ExtractOptions {
  /** Content type declared by the store (S3 Content-Type); used only when neither extension nor magic bytes decide. */
  contentType?: string;
  maxPages: number;
  maxBytes: number;
}

/** What a format module receives: the bytes plus the limits it must enforce itself (pages). */
export interface FormatInput {
  bytes: Buffer;
  contentType: string;
  maxPages: number;
}

export type FormatExtractor = (input: FormatInput) => Promise<ExtractedDocument>;
