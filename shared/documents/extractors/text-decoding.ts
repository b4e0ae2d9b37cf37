import { UnsupportedDocumentError } from '../../errors';

/** Above this share of control or undecodable characters, "text" is really binary. */
const MAX_GARBAGE_RATIO = 0.02;
/** Enough of the text to judge it without scanning a whole large file. */
const SAMPLE_CHARS = 65_536;

function decodeUtf16(bytes: Buffer, bigEndian: boolean): string {
  const body = bytes.subarray(2, bytes.length - (bytes.length % 2));
  if (!bigEndian) return body.toString('utf16le');
  const swapped = Buffer.from(body);
  swapped.swap16();
  return swapped.toString('utf16le');
}

/** Share of characters that no text file contains: NUL and other controls, U+FFFD from invalid UTF-8. */
export function garbageRatio(text: string): number {
  const sample = text.slice(0, SAMPLE_CHARS);
  if (sample.length === 0) return 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: counting control characters is the point.
  const garbage = sample.match(/[\u0000-\u0008\u000E-\u001F\uFFFD]/g)?.length ?? 0;
  return garbage / sample.length;
}

/**
 * Decodes text bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM. Rejects binary data
 * that only claims to be text, so garbage never reaches the index.
 */
export function decodeText(bytes: Buffer, format: string): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = decodeUtf16(bytes, false);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = decodeUtf16(bytes, true);
  else {
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    text = bytes.subarray(start).toString('utf8');
  }
  if (garbageRatio(text) > MAX_GARBAGE_RATIO) {
    throw new UnsupportedDocumentError(`${format} file looks like binary data, not text`);
  }
  return text;
}

/** True when bytes decode as UTF-8 text with no binary garbage: lets extension-less files in as plain text. */
export function looksLikeText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  const sample = bytes.subarray(0, SAMPLE_CHARS);
  if (sample.includes(0)) return false;
  return garbageRatio(sample.toString('utf8')) <= MAX_GARBAGE_RATIO;
}
