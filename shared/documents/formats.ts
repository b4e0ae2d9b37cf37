import { looksLikeText } from './extractors/text-decoding';

/**
 * Which formats we index, and how a file's format is decided. Kept apart from the extractors (PDF.js,
 * mammoth: megabytes) so the upload handler can refuse an unsupported file before storing it without
 * bundling them; extract.ts has one extractor per type listed here (a test checks).
 */
export const OCTET_STREAM = 'application/octet-stream';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

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

/** Every content type an extractor reads. */
export const SUPPORTED_CONTENT_TYPES: ReadonlySet<string> = new Set(Object.values(BY_EXTENSION));

/** The file extensions recognised by name, for error messages ("accepted: .md, .pdf, ..."). */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION);

export function extensionOf(key: string): string | undefined {
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
