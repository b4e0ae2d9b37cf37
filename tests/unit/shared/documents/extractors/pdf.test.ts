import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { extractPdf, openFailureReason } from '../../../../../shared/documents/extractors/pdf';
import { UnsupportedDocumentError } from '../../../../../shared/errors';

const HOSTILE = path.resolve(__dirname, '../../../../fixtures/hostile');
const LIMITS = { maxPages: 50, maxArchiveBytes: 1 << 28, maxCompressionRatio: 100, maxExtractedChars: 1_000_000, maxTokenChars: 4096 };

async function failureOf(name: string): Promise<unknown> {
  const bytes = readFileSync(path.join(HOSTILE, name));
  return extractPdf({ bytes, contentType: 'application/pdf', ...LIMITS }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('extractPdf on hostile PDFs', () => {
  it.each([
    ['encrypted.pdf', 'PDF is encrypted (password-protected); it cannot be read without its password'],
    ['truncated.pdf', 'PDF could not be parsed: the file is incomplete (it ends before its end-of-file marker, as a cut-short download or copy does)'],
    ['garbled.pdf', 'PDF could not be parsed: the file is damaged (its structure is not valid PDF)'],
  ])('%s is refused with a reason a person understands', async (name, reason) => {
    // Act
    const error = await failureOf(name);
    // Assess
    expect(error).toBeInstanceOf(UnsupportedDocumentError);
    expect((error as Error).message).toBe(reason);
  });
});

describe('openFailureReason', () => {
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

  it('keeps PDF.js’s own first line for errors it has no words for', () => {
    expect(openFailureReason(named('UnknownErrorException', 'Something odd.\nstack'), Buffer.from('%PDF-1.4'))).toBe('PDF could not be parsed: something odd');
    // An error object from another realm (not instanceof this realm's Error) is read the same way.
    expect(openFailureReason({ name: 'PasswordException', message: 'No password given' }, Buffer.from('%PDF-1.4'))).toMatch(/^PDF is encrypted/);
    expect(openFailureReason({ name: 'FormatError', message: 'Bad xref.' }, Buffer.from('%PDF-1.4'))).toBe('PDF could not be parsed: bad xref');
  });

  it('tells a cut-short file (objects, no end marker) from a damaged one', () => {
    const invalid = named('InvalidPDFException');
    expect(openFailureReason(invalid, Buffer.from('%PDF-1.4\n1 0 obj\n<<'))).toMatch(/incomplete/);
    expect(openFailureReason(invalid, Buffer.from('%PDF-1.4\n1 0 obj\n<<\n%%EOF\n'))).toMatch(/damaged/);
    expect(openFailureReason(invalid, Buffer.from('this is not a pdf at all'))).toMatch(/damaged/);
  });
});
