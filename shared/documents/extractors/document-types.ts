import type { ArchiveLimits } from '../archive-limits';
import type { TextLimits } from '../text-limits';

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

/** The limits a format module enforces itself while it reads (named as in config.ingestion). */
export interface FormatLimits extends TextLimits, ArchiveLimits {
  maxPages: number;
}

export interface ExtractOptions extends FormatLimits {
  /** Content type declared by the store (S3 Content-Type); used only when neither extension nor magic bytes decide. */
  contentType?: string;
  maxBytes: number;
}

/** What a format module receives: the bytes plus the limits it must enforce itself. */
export interface FormatInput extends FormatLimits {
  bytes: Buffer;
  contentType: string;
}

export type FormatExtractor = (input: FormatInput) => Promise<ExtractedDocument>;
