import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { detectContentType, EXTRACTABLE_CONTENT_TYPES, type ExtractedDocument, extractOptionsFrom, extractText } from '../../../../shared/documents/extract';
import { loadConfig } from '../../../../shared/config/config';
import { SUPPORTED_CONTENT_TYPES } from '../../../../shared/documents/formats';
import { UnsupportedDocumentError } from '../../../../shared/errors';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/documents');
const SAMPLES = path.resolve(__dirname, '../../../../local/samples');
const LIMITS = {
  maxPages: 50,
  maxBytes: 1_000_000,
  maxArchiveBytes: 256 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxExtractedChars: 10_000_000,
  maxTokenChars: 4096,
};
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

async function extractFixture(name: string): Promise<ExtractedDocument> {
  return extractText(fixture(name), `tenant/docs/${name}`, LIMITS);
}

async function expectUnsupported(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedDocumentError);
  expect((error as Error).name).toBe('UnsupportedDocumentError');
  expect((error as Error).message).toMatch(reason);
}

/** Rows of a QUESTIONS.md table: [question, file, phrase] (the sample table has a leading # column). */
function questionRows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('| ---') && !/\| (Question|#) \|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .map((cells) => cells.slice(-3));
}

function expectNormalised(doc: ExtractedDocument): void {
  expect(doc.text).not.toContain('\u0000');
  expect(doc.text).not.toMatch(/\r|\n{3,}|[ \t]\n/);
  expect(doc.text).toBe(doc.text.trim());
}

describe('supported formats', () => {
  it('has an extractor for every type the upload handler accepts, and accepts every type an extractor reads', () => {
    expect([...EXTRACTABLE_CONTENT_TYPES].sort()).toEqual([...SUPPORTED_CONTENT_TYPES].sort());
  });
});

describe('detectContentType', () => {
  test.each([
    ['a/notes.txt', 'text/plain'],
    ['a/app.LOG', 'text/plain'],
    ['readme.markdown', 'text/markdown'],
    ['page.htm', 'text/html'],
    ['data.json', 'application/json'],
    ['rows.csv', 'text/csv'],
    ['events.ndjson', 'application/x-ndjson'],
    ['file.pdf', 'application/pdf'],
    ['file.docx', DOCX],
  ])('%s is %s by extension', (key, expected) => {
    // Act
    const type = detectContentType(key, Buffer.from('x'));
    // Assess
    expect(type).toBe(expected);
  });

  test('falls back to magic bytes, then the declared type, then text sniffing', () => {
    // Prepare
    const pdf = Buffer.from('%PDF-1.7\n');
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]);
    // Act + Assess
    expect(detectContentType('upload-1', pdf, 'text/plain')).toBe('application/pdf');
    expect(detectContentType('upload-2', zip)).toBe(DOCX);
    expect(detectContentType('doc-3', Buffer.from('hello'), 'text/markdown; charset=utf-8')).toBe('text/markdown');
    expect(detectContentType('doc-4', Buffer.from('hello'), 'binary/octet-stream')).toBe('text/plain');
    expect(detectContentType('doc-5', fixture('unknown.bin'))).toBe('application/octet-stream');
    expect(detectContentType('file.xyz', Buffer.from('hello'))).toBe('application/octet-stream');
  });
});

describe('extractText by format', () => {
  test('plain text keeps paragraphs and has no title or structure', async () => {
    // Act
    const doc = await extractFixture('library-hours.txt');
    // Assess
    expect(doc.contentType).toBe('text/plain');
    expect(doc.text).toContain('stays open until 20:00 on Thursdays.');
    expect(doc.text).toContain('\n\nLate returns cost 0.25 dollars');
    expect(doc.title).toBeUndefined();
    expect(doc.pages).toBeUndefined();
    expect(doc.sections).toBeUndefined();
    expectNormalised(doc);
  });

  test('UTF-8 with BOM and CRLF, and UTF-16 with BOM, decode cleanly', async () => {
    // Act
    const utf8 = await extractFixture('utf8-bom.txt');
    const utf16 = await extractFixture('utf16.txt');
    // Assess
    expect(utf8.text).toBe('BOM note: the kettle in room 4 boils in 90 seconds.\nSecond line.');
    expect(utf16.text).toBe('UTF-16 note: the lighthouse lamp turns every 12 seconds.');
  });

  test('normalises control characters and runs of blank lines', async () => {
    // Prepare
    const padding = ' A stray NUL byte in a long line of text is removed, not rejected.';
    const bytes = Buffer.from(`One\u0000 line${padding}\t \r\n\r\n\r\n\r\n\u00a0Two\u200b lines\n\n\n`, 'utf8');
    // Act
    const doc = await extractText(bytes, 'x.txt', LIMITS);
    // Assess
    expect(doc.text).toBe(`One line${padding}\n\n Two lines`);
  });

  test('markdown drops markup, keeps text, and maps headings to sections', async () => {
    // Act
    const doc = await extractFixture('observatory.md');
    // Assess
    expect(doc.contentType).toBe('text/markdown');
    expect(doc.title).toBe('Ridgeview Observatory Guide');
    expect(doc.text).toContain('The main reflector has a 1.2 metre primary mirror');
    expect(doc.text).toContain('A smaller refractor is used');
    expect(doc.text).toContain('dome-status --telescope main');
    expect(doc.text).not.toMatch(/[#*`]|\]\(|https:/);
    expect(doc.sections?.map((s) => s.path)).toEqual([
      'Ridgeview Observatory Guide',
      'Ridgeview Observatory Guide > Telescopes',
      'Ridgeview Observatory Guide > Visiting',
    ]);
    for (const section of doc.sections ?? []) {
      const heading = section.path.split(' > ').pop() ?? '';
      expect(doc.text.slice(section.start, section.start + heading.length)).toBe(heading);
    }
    expectNormalised(doc);
  });

  test('markdown front matter title wins, lists and tables stay one item per line', async () => {
    // Act
    const doc = await extractText(readFileSync(path.join(SAMPLES, 'expense-policy.md')), 'expense-policy.md', LIMITS);
    // Assess
    expect(doc.title).toBe('Northwind Robotics Expense Policy');
    expect(doc.text).not.toContain('title:');
    expect(doc.text).toContain('Attach an itemised receipt for any single expense above $25.\nYour line manager');
    expect(doc.text).toContain('Meals while travelling | $75 per day');
    expect(doc.text).not.toContain('---');
  });

  test('markdown inline markup: escapes, code spans, emphasis, snake_case', async () => {
    // Prepare
    const source = 'Use \\*literal\\* stars, `a*b*c` code, **bold** and _em_ but keep snake_case_name and [link](http://x.y/(a)).';
    // Act
    const doc = await extractText(Buffer.from(source), 'inline.md', LIMITS);
    // Assess
    expect(doc.text).toBe('Use *literal* stars, a*b*c code, bold and em but keep snake_case_name and link.');
  });

  test('html keeps body text, drops script/style/nav, reads <title> and headings', async () => {
    // Act
    const doc = await extractFixture('bakery.html');
    // Assess
    expect(doc.contentType).toBe('text/html');
    expect(doc.title).toBe('Cedar Lane Bakery');
    expect(doc.text).toContain('Our sourdough starter, called Gertrude, has been fed every day since 1976.');
    expect(doc.text).toContain('six weeks in advance & need a 20 percent deposit.');
    expect(doc.text).not.toMatch(/tracking|color|Menu|Contact/);
    expect(doc.text).not.toMatch(/[\uE000-\uE002]/);
    expect(doc.sections).toEqual([
      { start: 0, path: 'Cedar Lane Bakery' },
      { start: doc.text.indexOf('Opening times'), path: 'Cedar Lane Bakery > Opening times' },
      { start: doc.text.indexOf('Orders'), path: 'Cedar Lane Bakery > Orders' },
    ]);
    expectNormalised(doc);
  });

  test('html headings keep their case and nested levels build paths; tables become rows', async () => {
    // Prepare
    const html = '<h2>Intro</h2><p>a</p><h3>Deep</h3><table><tr><th>Col</th><th>Val</th></tr><tr><td>x</td><td>1</td></tr></table><h2>Next</h2><p>b</p>';
    // Act
    const doc = await extractText(Buffer.from(html), 'page.html', LIMITS);
    // Assess
    expect(doc.title).toBe('Intro');
    expect(doc.sections?.map((s) => s.path)).toEqual(['Intro', 'Intro > Deep', 'Next']);
    expect(doc.text).toContain('Col | Val\nx | 1');
  });

  test('pdf gives one page range per page and the metadata title', async () => {
    // Act
    const doc = await extractFixture('ferry-timetable.pdf');
    // Assess
    expect(doc.contentType).toBe('application/pdf');
    expect(doc.title).toBe('Harbor Ferry Timetable');
    expect(doc.pages).toHaveLength(2);
    const [first, second] = doc.pages ?? [];
    expect(first?.start).toBe(0);
    expect(doc.text.slice(first?.start, first?.end)).toContain('The first departure from Pier 4 is at 06:15');
    expect(doc.text.slice(second?.start, second?.end)).toMatch(/^Fares\n/);
    expect(doc.text.slice(second?.start, second?.end)).toContain('3 euros each way');
    expect(second?.end).toBe(doc.text.length);
    expectNormalised(doc);
  });

  test('docx headings become sections and the first heading the title', async () => {
    // Act
    const doc = await extractFixture('community-garden.docx');
    // Assess
    expect(doc.contentType).toBe(DOCX);
    expect(doc.title).toBe('Community Garden Handbook');
    expect(doc.text).toContain('A raised-bed plot rents for 40 dollars per season');
    expect(doc.sections?.map((s) => s.path)).toEqual([
      'Community Garden Handbook',
      'Community Garden Handbook > Plot rental',
      'Community Garden Handbook > Watering',
    ]);
    expect(doc.text.slice(doc.sections?.[1]?.start)).toMatch(/^Plot rental\n\nA raised-bed/);
  });

  test('json flattens fields to paths and records to one line each', async () => {
    // Act
    const doc = await extractFixture('bike-share.json');
    // Assess
    expect(doc.contentType).toBe('application/json');
    expect(doc.title).toBe('Bike share stations');
    expect(doc.text.split('\n')).toEqual([
      'title: Bike share stations',
      'city: Port Alder',
      'operator.name: Alder Wheels',
      'operator.hotline: 555-0142',
      'stations: name: Riverside; docks: 24; electric: true',
      'stations: name: Old Market; docks: 16; electric: false',
    ]);
  });

  test('json top-level arrays and ndjson give one line per record', async () => {
    // Prepare
    const array = Buffer.from(
      JSON.stringify([
        { a: 1, b: { c: 'x' } },
        { a: 2, tags: ['p', 'q'] },
      ]),
    );
    const ndjson = Buffer.from('{"id":1,"msg":"hello"}\n\n{"id":2,"msg":"bye"}\n');
    // Act
    const fromArray = await extractText(array, 'rows.json', LIMITS);
    const fromLines = await extractText(ndjson, 'rows.ndjson', LIMITS);
    // Assess
    expect(fromArray.text).toBe('a: 1; b.c: x\na: 2; tags: p, q');
    expect(fromLines.text).toBe('id: 1; msg: hello\nid: 2; msg: bye');
  });

  test('csv rows become header-aware "col: value" lines with quoted fields intact', async () => {
    // Act
    const doc = await extractFixture('street-trees.csv');
    // Assess
    expect(doc.contentType).toBe('text/csv');
    expect(doc.text.split('\n')).toEqual([
      'species: Ginkgo; street: Elm Street; planted: 1987; height_m: 14',
      'species: Oak, English; street: Harbour Road; planted: 1952; height_m: 22',
      'species: London plane; street: Main Street, north side; planted: 2004; height_m: 11',
    ]);
  });

  test('csv handles semicolons, escaped quotes, embedded newlines and empty cells', async () => {
    // Prepare
    const csv = Buffer.from('name;note;extra\r\n"Ann";"said ""hi""\nthen left";\r\nBob;;x;overflow\r\n');
    // Act
    const doc = await extractText(csv, 'people.csv', LIMITS);
    // Assess
    expect(doc.text).toBe('name: Ann; note: said "hi" then left\nname: Bob; extra: x; column 4: overflow');
  });
});

describe('extractOptionsFrom', () => {
  it('passes every configured limit under its extractText name, and the declared type when there is one', () => {
    // Prepare: each limit set to a value of its own, so a swapped or dropped field shows.
    const { ingestion } = loadConfig({
      RAG_DATA_DIR: '/tmp/unused',
      RAG_MAX_PAGES: '11',
      RAG_MAX_FILE_BYTES: '12000',
      RAG_MAX_ARCHIVE_BYTES: '13000',
      RAG_MAX_COMPRESSION_RATIO: '14',
      RAG_MAX_EXTRACTED_CHARS: '15000',
      RAG_MAX_TOKEN_CHARS: '16',
    });
    // Act, Assess
    expect(extractOptionsFrom(ingestion, 'text/csv')).toEqual({
      contentType: 'text/csv',
      maxPages: 11,
      maxBytes: 12000,
      maxArchiveBytes: 13000,
      maxCompressionRatio: 14,
      maxExtractedChars: 15000,
      maxTokenChars: 16,
    });
    expect(extractOptionsFrom(ingestion)).not.toHaveProperty('contentType');
  });
});

describe('extractText failures', () => {
  test.each([
    ['broken.pdf', /^PDF could not be parsed: /],
    ['not-a-pdf.pdf', /^PDF could not be parsed: /],
    ['empty-page.pdf', /^No text could be extracted/],
    ['not-a-document.docx', /^DOCX could not be read: /],
    ['unknown.bin', /^Unsupported format \.bin/],
    ['binary-garbage.txt', /binary data/],
    ['whitespace-only.txt', /^No text could be extracted/],
  ])('%s is rejected with a reason', async (name, reason) => {
    await expectUnsupported(extractFixture(name), reason);
  });

  test('invalid JSON, unterminated CSV quote and an empty file are rejected', async () => {
    await expectUnsupported(extractText(Buffer.from('{"a": '), 'x.json', LIMITS), /^JSON could not be parsed/);
    await expectUnsupported(extractText(Buffer.from('a,b\n"open,1\n'), 'x.csv', LIMITS), /unterminated quoted field/);
    await expectUnsupported(extractText(Buffer.alloc(0), 'x.txt', LIMITS), /^File is empty/);
  });

  test('a declared but unsupported type is rejected', async () => {
    await expectUnsupported(extractText(Buffer.from('GIF89a'), 'upload-7', { ...LIMITS, contentType: 'image/gif' }), /^Unsupported format \(image\/gif\)/);
  });

  test('more bytes than maxBytes are rejected before parsing', async () => {
    await expectUnsupported(extractText(fixture('library-hours.txt'), 'a.txt', { ...LIMITS, maxPages: 10, maxBytes: 100 }), /above the limit of 100 bytes/);
  });

  test('more pages than maxPages are rejected', async () => {
    await expectUnsupported(extractText(fixture('ferry-timetable.pdf'), 'f.pdf', { ...LIMITS, maxPages: 1 }), /PDF has 2 pages, above the limit of 1/);
  });
});

describe('QUESTIONS.md tables', () => {
  async function extractAll(directory: string, names: string[]): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    for (const name of names) texts.set(name, (await extractText(readFileSync(path.join(directory, name)), name, LIMITS)).text);
    return texts;
  }

  test.each([
    [FIXTURES, ['library-hours.txt', 'observatory.md', 'bakery.html', 'ferry-timetable.pdf', 'community-garden.docx', 'bike-share.json', 'street-trees.csv']],
    [SAMPLES, ['expense-policy.md', 'oncall-runbook.html', 'product-faq.pdf', 'security-policy.docx', 'release-notes.txt']],
  ])('every expected phrase in %s is in exactly the named document', async (directory, names) => {
    // Prepare
    const texts = await extractAll(directory, names);
    const rows = questionRows(path.join(directory, 'QUESTIONS.md'));
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const [, file, phrase] of rows) {
      // Assess
      const holders = [...texts].filter(([, text]) => text.includes(phrase ?? '\u0000')).map(([name]) => name);
      expect({ phrase, holders }).toEqual({ phrase, holders: [file] });
    }
  });
});
