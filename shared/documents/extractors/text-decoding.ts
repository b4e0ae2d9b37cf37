import { UnsupportedDocumentError } from '../../errors';

/** Above this share of control characters, "text" is really binary. */
const MAX_GARBAGE_RATIO = 0.02;
/**
 * Above this share of undecodable sequences in a file that is otherwise UTF-8, it is not damaged UTF-8 but
 * something else (a mix of encodings, or binary): a few stray bytes in a long text are left as U+FFFD.
 */
const MAX_INVALID_UTF8_RATIO = 0.1;
/** Enough of the text to judge it without scanning a whole large file. */
const SAMPLE_CHARS = 65_536;

// biome-ignore lint/suspicious/noControlCharactersInRegex: counting control characters is the point.
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u0080-\u009F]/g;
const REPLACEMENT = /\uFFFD/g;
/** A character outside ASCII that UTF-8 decoded from a valid multi-byte sequence (not the replacement mark). */
const DECODED_NON_ASCII = /[\u0080-\uFFFC\uFFFE-\uFFFF]/;

/**
 * Well-known binary formats by their first bytes, so the refusal can say what the file really is: the usual
 * case is a picture, an archive or a PDF saved or renamed as .txt. Only signatures no text starts with
 * (they hold control bytes, or are as unlikely as "%PDF"); a file that starts with one is binary.
 */
const SIGNATURES: { bytes: number[]; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive or Office document' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'a program (ELF)' },
];

/** What a binary file looks like by its first bytes ("a PNG image"), or undefined. */
export function binaryKindOf(bytes: Buffer): string | undefined {
  return SIGNATURES.find((s) => s.bytes.every((b, i) => bytes[i] === b))?.what;
}

function decodeUtf16(bytes: Buffer, bigEndian: boolean): string {
  const body = bytes.subarray(2, bytes.length - (bytes.length % 2));
  if (!bigEndian) return body.toString('utf16le');
  const swapped = Buffer.from(body);
  swapped.swap16();
  return swapped.toString('utf16le');
}

/** Share of C0 control bytes (tab, line and page breaks excepted): the same in every ASCII-compatible encoding. */
function controlByteRatio(bytes: Buffer): number {
  const sample = bytes.subarray(0, SAMPLE_CHARS);
  let controls = 0;
  for (const byte of sample) if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) controls += 1;
  return sample.length === 0 ? 0 : controls / sample.length;
}

const isUtf16 = (bytes: Buffer): boolean => (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);

function shareOf(pattern: RegExp, text: string): number {
  const sample = text.slice(0, SAMPLE_CHARS);
  if (sample.length === 0) return 0;
  return (sample.match(pattern)?.length ?? 0) / sample.length;
}

/** Share of characters that no text file contains: NUL and other C0/C1 controls (tab, line and page breaks excepted). */
export function garbageRatio(text: string): number {
  return shareOf(CONTROL, text);
}

export type DecodedText = { ok: true; text: string; encoding: 'utf-8' | 'utf-16' | 'windows-1252' } | { ok: false; reason: string };

/**
 * Bytes that are not valid UTF-8: damaged UTF-8 (valid multi-byte characters, a few bad bytes) keeps its
 * characters and marks the bad bytes U+FFFD; with no valid multi-byte character at all it is a legacy
 * single-byte encoding, read as Windows-1252 (a superset of Latin-1, what Windows editors save), so
 * "café" in Latin-1 is indexed as "café" instead of refused as binary.
 */
function decodeInvalidUtf8(bytes: Buffer): DecodedText {
  const lossy = new TextDecoder('utf-8').decode(bytes);
  if (!DECODED_NON_ASCII.test(lossy)) return { ok: true, text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  const invalid = shareOf(REPLACEMENT, lossy);
  if (invalid > MAX_INVALID_UTF8_RATIO) {
    return { ok: false, reason: `The text is not valid UTF-8: ${Math.round(invalid * 100)}% of it cannot be decoded (save it as UTF-8)` };
  }
  return { ok: true, text: lossy, encoding: 'utf-8' };
}

function decodeBytes(bytes: Buffer): DecodedText {
  if (isUtf16(bytes)) return { ok: true, text: decodeUtf16(bytes, bytes[0] === 0xfe), encoding: 'utf-16' };
  const body = bytes.subarray(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return decodeInvalidUtf8(body);
  }
}

/** Why bytes are not text, or the decoded text: the one decision behind decodeText and looksLikeText. */
export function decodeTextBytes(bytes: Buffer, format: string): DecodedText {
  const kind = binaryKindOf(bytes);
  // Judged on the bytes before decoding, so binary data is called binary whichever decoding it would fall to.
  const binary = kind !== undefined || (!isUtf16(bytes) && controlByteRatio(bytes) > MAX_GARBAGE_RATIO);
  const decoded = binary ? undefined : decodeBytes(bytes);
  if (!decoded || (decoded.ok && garbageRatio(decoded.text) > MAX_GARBAGE_RATIO)) {
    return {
      ok: false,
      reason: `The file is binary data, not text${kind ? ` (its bytes are those of ${kind})` : ''}; it cannot be read as ${format}`,
    };
  }
  return decoded;
}

/**
 * Decodes text bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 when the bytes are not
 * UTF-8 (see decodeInvalidUtf8). Rejects binary data that only claims to be text, so garbage never reaches the
 * index, with a reason that says so ("it cannot be read as plain text").
 */
export function decodeText(bytes: Buffer, format: string): string {
  const decoded = decodeTextBytes(bytes, format);
  if (!decoded.ok) throw new UnsupportedDocumentError(decoded.reason);
  return decoded.text;
}

/** True when the file's first bytes decode as text (see decodeText): lets extension-less files in as plain text. */
export function looksLikeText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  const sample = bytes.subarray(0, SAMPLE_CHARS);
  if (sample.includes(0)) return false;
  // A sample cut inside a UTF-8 character decodes that character as U+FFFD, well within what damaged UTF-8 may hold.
  return decodeTextBytes(sample, 'text').ok;
}
