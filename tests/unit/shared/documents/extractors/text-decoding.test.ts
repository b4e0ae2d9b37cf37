import { binaryKindOf, decodeText, decodeTextBytes, looksLikeText } from '../../../../../shared/documents/extractors/text-decoding';
import { UnsupportedDocumentError } from '../../../../../shared/errors';

const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function reasonOf(bytes: Buffer, format = 'plain text'): string {
  const decoded = decodeTextBytes(bytes, format);
  return decoded.ok ? '' : decoded.reason;
}

describe('decodeText', () => {
  it('reads Windows-1252 (Latin-1) text that is not UTF-8 as what it says, not as binary', () => {
    // Prepare: more than 2% of its characters are accented, which the old check called binary.
    const bytes = Buffer.from([...Buffer.from('Caf', 'latin1'), 0xe9, 0x20, 0x80, 0x35, 0x20, 0x93, 0x6f, 0x6b, 0x94, 0x20, 0xe0, 0x20, 0xe7, 0x61]);
    // Act
    const text = decodeText(bytes, 'plain text');
    // Assess
    expect(text).toBe('Café €5 \u201cok\u201d à ça');
    expect(decodeTextBytes(bytes, 'plain text')).toMatchObject({ ok: true, encoding: 'windows-1252' });
  });

  it('keeps the characters of damaged UTF-8 and marks each bad byte, instead of refusing the file', () => {
    // Prepare: valid "ö" and "’", a lone continuation byte, a truncated sequence and 0xFF.
    const bytes = Buffer.concat([
      Buffer.from('Björn’s log \u2014 '),
      Buffer.from([0x80]),
      Buffer.from(' and '),
      Buffer.from([0xe2, 0x82]),
      Buffer.from(' then '),
      Buffer.from([0xff]),
      Buffer.from(' done, with enough ordinary words around the damage.'),
    ]);
    // Act
    const decoded = decodeTextBytes(bytes, 'plain text');
    // Assess
    expect(decoded).toMatchObject({ ok: true, encoding: 'utf-8' });
    expect(decoded.ok && decoded.text).toBe('Björn’s log \u2014 \uFFFD and \uFFFD then \uFFFD done, with enough ordinary words around the damage.');
  });

  it('refuses text that is mostly undecodable UTF-8, saying so', () => {
    // Prepare: one valid "é", then more bad bytes than the 10% a damaged file may have.
    const bytes = Buffer.concat([Buffer.from('é abc '), Buffer.from([0xff, 0xfe, 0xff, 0x20, 0xff, 0x41, 0xff, 0xff])]);
    // Act, Assess
    expect(reasonOf(bytes)).toMatch(/^The text is not valid UTF-8: \d+% of it cannot be decoded \(save it as UTF-8\)$/);
  });

  it('refuses binary content under a text name, naming the format the bytes are', () => {
    // Prepare
    const png = Buffer.concat([PNG_HEADER, Buffer.from('IHDR then some pixels that happen to be printable')]);
    const controls = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 0x01 : 0x61)));
    // Act, Assess
    expect(reasonOf(png)).toBe('The file is binary data, not text (its bytes are those of a PNG image); it cannot be read as plain text');
    expect(reasonOf(controls, 'CSV')).toBe('The file is binary data, not text; it cannot be read as CSV');
    expect(() => decodeText(png, 'plain text')).toThrow(UnsupportedDocumentError);
  });

  it('keeps UTF-8, UTF-8 with a BOM and UTF-16 with a BOM as they are', () => {
    expect(decodeText(Buffer.from('naïve 📘 text'), 'plain text')).toBe('naïve 📘 text');
    expect(decodeText(Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('bom')]), 'plain text')).toBe('bom');
    expect(decodeText(Buffer.from([0xff, 0xfe, ...Buffer.from('wide é', 'utf16le')]), 'plain text')).toBe('wide é');
  });

  it('tolerates a stray control character in long text', () => {
    expect(decodeText(Buffer.from(`one\u0000 ${'word '.repeat(20)}`), 'plain text')).toContain('one\u0000 word');
  });
});

describe('binaryKindOf', () => {
  it.each([
    [PNG_HEADER, 'a PNG image'],
    [Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'a JPEG image'],
    [Buffer.from('GIF89a...'), 'a GIF image'],
    [Buffer.from('%PDF-1.7'), 'a PDF'],
    [Buffer.from([0x50, 0x4b, 0x03, 0x04]), 'a ZIP archive or Office document'],
    [Buffer.from('MZ is how this note starts'), undefined],
    [Buffer.from('GIF8 is not a signature on its own'), undefined],
  ])('%o is %s', (bytes, kind) => {
    expect(binaryKindOf(bytes)).toBe(kind);
  });
});

describe('looksLikeText', () => {
  it('takes UTF-8 and Windows-1252 text, and a sample cut inside a UTF-8 character', () => {
    // Prepare: 65,535 ASCII bytes, then "é" across the 65,536-byte sample's end.
    const cut = Buffer.concat([Buffer.alloc(65_535, 'a'), Buffer.from('é and more')]);
    // Act, Assess
    expect(looksLikeText(Buffer.from('plain words'))).toBe(true);
    expect(looksLikeText(Buffer.from([0x43, 0x61, 0x66, 0xe9]))).toBe(true);
    expect(looksLikeText(cut)).toBe(true);
  });

  it('refuses empty, NUL-holding and binary bytes', () => {
    expect(looksLikeText(Buffer.alloc(0))).toBe(false);
    expect(looksLikeText(Buffer.from('a\u0000b'))).toBe(false);
    expect(looksLikeText(PNG_HEADER)).toBe(false);
  });
});
