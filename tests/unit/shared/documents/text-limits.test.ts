import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { extractText } from '../../../../shared/documents/extract';
import { MAX_HTML_CHARS } from '../../../../shared/documents/extractors/html';
import { TextBuilder } from '../../../../shared/documents/extractors/text-builder';
import { firstLongToken } from '../../../../shared/documents/text-limits';
import { UnsupportedDocumentError } from '../../../../shared/errors';
import { docxOf, documentXml } from '../../../helpers/docx-files';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/documents');
const LIMITS = {
  maxPages: 50,
  maxBytes: 100_000_000,
  maxArchiveBytes: 256 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxExtractedChars: 10_000_000,
  maxTokenChars: 4096,
};

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedDocumentError);
  return (error as Error).message;
}

describe('firstLongToken', () => {
  it('finds the first run without whitespace longer than the bound, with its offset and length', () => {
    expect(firstLongToken('short words only', 5)).toBeUndefined();
    expect(firstLongToken('ab abcdef abcdefgh', 5)).toEqual({ start: 3, length: 6 });
    expect(firstLongToken('abcde\nabcde\tabcde', 5)).toBeUndefined();
    // No-break space and other Unicode spaces separate runs too.
    expect(firstLongToken('abcde\u00A0abcde\u2003abcde', 5)).toBeUndefined();
  });

  it('does not count a paragraph of a script written without spaces as one run', () => {
    const japanese = '日本語の文章は単語の間に空白を入れずに書かれます。'.repeat(400);
    const thai = 'ภาษาไทยเขียนติดกันโดยไม่เว้นวรรคระหว่างคำ'.repeat(400);
    expect(japanese.length).toBeGreaterThan(4096);

    expect(firstLongToken(japanese, 4096)).toBeUndefined();
    expect(firstLongToken(thai, 4096)).toBeUndefined();
    // ...while the same length of Latin letters without a space is one run.
    expect(firstLongToken('x'.repeat(japanese.length), 4096)).toEqual({ start: 0, length: japanese.length });
  });
});

describe('TextBuilder limits', () => {
  it('takes blocks up to exactly maxExtractedChars (separators included) and refuses the block that passes it', () => {
    // Prepare: 5 + 2 (blank line) + 3 = 10 characters.
    const builder = new TextBuilder({ maxExtractedChars: 10, maxTokenChars: 100 });
    builder.addBlock('12345');
    builder.addBlock('678');
    // Act, Assess
    expect(() => builder.addBlock('x')).toThrow(
      new UnsupportedDocumentError('The extracted text is longer than the limit of 10 characters (RAG_MAX_EXTRACTED_CHARS)'),
    );
    expect(builder.build('text/plain').text).toBe('12345\n\n678');
  });

  it('refuses a block holding a run without whitespace longer than maxTokenChars, and takes one exactly at it', () => {
    const builder = new TextBuilder({ maxExtractedChars: 1000, maxTokenChars: 8 });
    builder.addBlock('12345678 ok');

    expect(() => builder.addBlock('ok 123456789')).toThrow(
      new UnsupportedDocumentError('The text has a run of 9 characters with no space or line break, above the limit of 8 (RAG_MAX_TOKEN_CHARS)'),
    );
  });

  it('counts the normalised text, not the raw block', () => {
    const builder = new TextBuilder({ maxExtractedChars: 5, maxTokenChars: 100 });
    // Control characters and surrounding blank lines are dropped before counting.
    builder.addBlock('\n\n\u0007ab\u200Bcde\n\n\n');
    expect(builder.build('text/plain').text).toBe('abcde');
  });
});

describe('extractText enforces the text limits on every format', () => {
  const small = { ...LIMITS, maxExtractedChars: 20 };
  const csv = Buffer.from('name,role\nAda,engineer\nGrace,admiral\nKatherine,mathematician\n');

  test.each([
    ['notes.txt', Buffer.from('One sentence of plain text that is longer than twenty characters.')],
    ['notes.md', Buffer.from('# Title\n\nA paragraph of Markdown longer than twenty characters.')],
    ['page.html', Buffer.from('<html><body><h1>Title</h1><p>A paragraph of HTML longer than twenty characters.</p></body></html>')],
    ['rows.csv', csv],
    ['data.json', Buffer.from(JSON.stringify({ title: 'A title', body: 'A value longer than twenty characters' }))],
    ['rows.ndjson', Buffer.from('{"a":"first record of the file"}\n{"a":"second record"}\n')],
    ['leaflet.docx', docxOf(documentXml(['A paragraph of Word text longer than twenty characters.']))],
    ['library-hours.txt', readFileSync(path.join(FIXTURES, 'library-hours.txt'))],
    ['ferry-timetable.pdf', readFileSync(path.join(FIXTURES, 'ferry-timetable.pdf'))],
  ])('%s: more characters than maxExtractedChars is refused with the reason', async (name, bytes) => {
    // Each passes with the default limits...
    await expect(extractText(bytes, `acme/${name}`, LIMITS)).resolves.toMatchObject({ text: expect.any(String) });
    // ...and is refused with a small one.
    expect(await refusal(extractText(bytes, `acme/${name}`, small))).toBe(
      'The extracted text is longer than the limit of 20 characters (RAG_MAX_EXTRACTED_CHARS)',
    );
  });

  test.each([
    ['line.txt', (run: string) => Buffer.from(`Before the data. ${run} After.`)],
    ['line.md', (run: string) => Buffer.from(`# Data\n\n${run}\n`)],
    ['line.html', (run: string) => Buffer.from(`<p>Before ${run}</p>`)],
    ['line.csv', (run: string) => Buffer.from(`name,blob\nx,${run}\n`)],
    ['line.json', (run: string) => Buffer.from(JSON.stringify({ blob: run }))],
    ['line.docx', (run: string) => docxOf(documentXml([`Before ${run}`]))],
  ])('%s: a run without whitespace longer than maxTokenChars is refused with the reason', async (name, make) => {
    const limits = { ...LIMITS, maxTokenChars: 64 };
    await expect(extractText(make('z'.repeat(60)), `acme/${name}`, limits)).resolves.toMatchObject({ text: expect.stringContaining('z'.repeat(60)) });

    expect(await refusal(extractText(make('z'.repeat(65)), `acme/${name}`, limits))).toMatch(
      /^The text has a run of \d+ characters with no space or line break, above the limit of 64 \(RAG_MAX_TOKEN_CHARS\)$/,
    );
  });

  it('refuses one 5 MB line of plain text by the default limits, quickly', async () => {
    const line = Buffer.alloc(5 * 1024 * 1024, 'a');
    const started = performance.now();

    const reason = await refusal(extractText(line, 'acme/one-line.txt', LIMITS));

    expect(reason).toBe('The text has a run of 5,242,880 characters with no space or line break, above the limit of 4,096 (RAG_MAX_TOKEN_CHARS)');
    // Generous: the scan is linear (about 50 ms here); a quadratic one would take minutes.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses HTML longer than the HTML reader takes instead of letting it cut the rest off silently', async () => {
    const html = Buffer.from(`<p>${'word '.repeat(Math.ceil(MAX_HTML_CHARS / 5))}</p>`);
    expect(await refusal(extractText(html, 'acme/huge.html', { ...LIMITS, maxExtractedChars: 100_000_000 }))).toMatch(
      /^The HTML is [\d,]+ characters, above the 16,777,216 the HTML reader takes$/,
    );
  });
});
