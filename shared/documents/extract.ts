import { UnsupportedDocumentError } from '../errors';
import { extractCsv } from './extractors/csv';
import type { ExtractedDocument, ExtractOptions, FormatExtractor } from './extractors/document-types';
import { extractDocx } from './extractors/docx';
import { extractHtml } from './extractors/html';
import { extractJson, extractNdjson } from './extractors/json';
import { extractMarkdown } from './extractors/markdown';
import { extractPdf } from './extractors/pdf';
import { extractPlainText } from './extractors/plain-text';
import { looksLikeText } from './extractors/text-decoding';

export type { ExtractedDocument, ExtractOptions } from './extractors/document-types';

const OCTET_STREAM = 'application/octet-stream';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  pdf: 'application/pdf',
  docx: DOCX,
  json: 'application/json',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
};

/** Declared types that name the same format differently (S3 keeps whatever the uploader sent). */
const ALIASES: Record<string, string> = {
  'text/x-markdown': 'text/markdown',
  'application/xhtml+xml': 'text/html',
  'text/json': 'application/json',
  'application/jsonl': 'application/x-ndjson',
  'application/x-jsonlines': 'application/x-ndjson',
  'text/x-log': 'text/plain',
  'binary/octet-stream': OCTET_STREAM,
};

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

function extensionOf(key: string): string | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

function normalizeDeclared(declared: string | undefined): string | undefined {
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (!type) return undefined;
  return ALIASES[type] ?? type;
}

/**
 * Decides the format: by file extension, then by magic bytes (%PDF, PK zip = DOCX), then the
 * declared type; an extension-less file of clean UTF-8 is plain text. Anything else is
 * application/octet-stream, which extraction rejects.
 */
export function detectContentType(key: string, bytes: Buffer, declared?: string): string {
  const extension = extensionOf(key);
  const byExtension = extension ? BY_EXTENSION[extension] : undefined;
  if (byExtension) return byExtension;
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return DOCX;
  const type = normalizeDeclared(declared);
  if (type && type !== OCTET_STREAM) return type;
  return extension === undefined && looksLikeText(bytes) ? 'text/plain' : OCTET_STREAM;
}

/**
 * Extracts normalised text (and pages, sections, title where the format has them).
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
  const document = await extractor({ bytes, contentType, maxPages: options.maxPages });
  if (document.text.trim() === '') {
    throw new UnsupportedDocumentError(
      contentType === 'application/pdf' ? 'No text could be extracted (the PDF may be scanned images without a text layer)' : 'No text could be extracted',
    );
  }
  return document;
}
