import { UnsupportedDocumentError } from '../errors';

/** Bounds on extracted text (RAG_MAX_EXTRACTED_CHARS, RAG_MAX_TOKEN_CHARS), checked while the text is built. */
export interface TextLimits {
  maxExtractedChars: number;
  maxTokenChars: number;
}

/*
 * A "token" here is a run of characters with no whitespace, because whitespace is where the chunker
 * may end a chunk and where embedders split words: a run longer than a chunk can only be hard-cut, and
 * real words, URLs, hashes and identifiers stay far below the limit. The runs that pass it are base64
 * blobs, minified data and files of one long line (issue 15: 50 MB of one line became 58,823 chunks).
 * Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese) would
 * make every paragraph one run, so each of their letters ends a run instead of extending it.
 */
const TOKEN = /[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]+/gu;

const count = (n: number): string => n.toLocaleString('en-US');

/** Offset and length of the first token longer than `maxChars` characters (UTF-16 units), if any. */
export function firstLongToken(text: string, maxChars: number): { start: number; length: number } | undefined {
  // Linear: each match is a slice of `text` (no copy), and matching never backtracks into a run.
  for (const match of text.matchAll(TOKEN)) {
    if (match[0].length > maxChars) return { start: match.index, length: match[0].length };
  }
  return undefined;
}

/** Refuses text whose running length passes maxExtractedChars. */
export function checkExtractedChars(length: number, limits: TextLimits): void {
  if (length > limits.maxExtractedChars) {
    throw new UnsupportedDocumentError(
      `The extracted text is longer than the limit of ${count(limits.maxExtractedChars)} characters (RAG_MAX_EXTRACTED_CHARS)`,
    );
  }
}

/** Refuses text that holds a run without whitespace longer than maxTokenChars. */
export function checkTokenLength(text: string, limits: TextLimits): void {
  const token = firstLongToken(text, limits.maxTokenChars);
  if (token) {
    throw new UnsupportedDocumentError(
      `The text has a run of ${count(token.length)} characters with no space or line break, above the limit of ${count(limits.maxTokenChars)} (RAG_MAX_TOKEN_CHARS)`,
    );
  }
}
