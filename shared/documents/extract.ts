import { UnsupportedDocumentError } from '../errors';
import { extractCsv } from './extractors/csv';
import type { ExtractedDocument, ExtractOptions, FormatExtractor } from './extractors/document-types';
import { extractDocx } from './extractors/docx';
import { extractHtml } from './extractors/html';
import { extractJson, extractNdjson } from './extractors/json';
import { extractMarkdown } from './extractors/markdown';
import { extractPdf } from './extractors/pdf';
import { extractPlainText } from './extractors/plain-text';
import { DOCX, detectContentType, extensionOf } from './formats';

export type { ExtractedDocument, ExtractOptions } from './extractors/document-types';
export { detectContentType } from './formats';

const EXTRACTORS: Record<string, FormatExtractor> = {
  'text/plain': extractPlainText,
  'text/markdown': extractMarkdown,
  'text/html': extractHtml,
  'application/pdf': extractPdf,
  [DOCX]: extractDocx,
  'application/json': extractJson,
  'application/x-ndjson': extractNdjson,
  'text/csv': extractCsv,
  'text/tab-separated-values': extractCsv,
};

/** The content types an extractor reads: the same set as formats.ts's SUPPORTED_CONTENT_TYPES (tested). */
export const EXTRACTABLE_CONTENT_TYPES: readonly string[] = Object.keys(EXTRACTORS);

/** The limits under the names config.ingestion gives them (structural: this module reads no configuration). */
export interface IngestionLimits extends Omit<ExtractOptions, 'contentType' | 'maxBytes'> {
  maxFileBytes: number;
}

/** Every caller of extractText (ingest step, bench, evaluation) passes the configured limits the same way. */
export function extractOptionsFrom(limits: IngestionLimits, contentType?: string): ExtractOptions {
  const { maxPages, maxFileBytes, maxArchiveBytes, maxCompressionRatio, maxExtractedChars, maxTokenChars } = limits;
  return {
    ...(contentType === undefined ? {} : { contentType }),
    maxPages,
    maxBytes: maxFileBytes,
    maxArchiveBytes,
    maxCompressionRatio,
    maxExtractedChars,
    maxTokenChars,
  };
}

/**
 * Extracts normalised text (and pages, sections, title where the format has them), within the limits
 * in `options`: bytes and, while reading, pages, archive inflation, characters and the longest run
 * without whitespace (each extractor builds its text through TextBuilder, which enforces the last two).
 * Every reason a document cannot be indexed is an UnsupportedDocumentError with a short reason
 * fit for the manifest; nothing here logs document content.
 */
export async function extractText(bytes: Buffer, key: string, options: ExtractOptions): Promise<ExtractedDocument> {
  if (bytes.length > options.maxBytes) {
    throw new UnsupportedDocumentError(`File is ${bytes.length} bytes, above the limit of ${options.maxBytes} bytes`);
  }
  if (bytes.length === 0) throw new UnsupportedDocumentError('File is empty');
  const contentType = detectContentType(key, bytes, options.contentType);
  const extractor = EXTRACTORS[contentType];
  if (!extractor) {
    const extension = extensionOf(key);
    throw new UnsupportedDocumentError(`Unsupported format${extension ? ` .${extension}` : ''} (${contentType})`);
  }
  const { maxPages, maxArchiveBytes, maxCompressionRatio, maxExtractedChars, maxTokenChars } = options;
  const document = await extractor({ bytes, contentType, maxPages, maxArchiveBytes, maxCompressionRatio, maxExtractedChars, maxTokenChars });
  if (document.text.trim() === '') {
    throw new UnsupportedDocumentError(
      contentType === 'application/pdf' ? 'No text could be extracted (the PDF may be scanned images without a text layer)' : 'No text could be extracted',
    );
  }
  return document;
}
