import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkArchiveLimits, formatBytes } from '../../../../shared/documents/archive-limits';
import { extractText } from '../../../../shared/documents/extract';
import { UnsupportedDocumentError } from '../../../../shared/errors';
import { docxOf, documentXml } from '../../../helpers/docx-files';

const LIMITS = { maxArchiveBytes: 256 * 1024 * 1024, maxCompressionRatio: 100 };
const EXTRACT = { maxPages: 50, maxBytes: 10_000_000, maxExtractedChars: 10_000_000, maxTokenChars: 4096, ...LIMITS };
const FIXTURE = path.resolve(__dirname, '../../../fixtures/documents/community-garden.docx');

/** About 6 MiB of XML from one repeated paragraph: DEFLATE packs it about 1,000 to 1. */
const BOMB_XML = documentXml(['All work and no play makes Jack a dull boy.'], 60_000);

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedDocumentError);
  return error as Error;
}

describe('checkArchiveLimits', () => {
  it('lets a real DOCX and a small generated one through', async () => {
    await expect(checkArchiveLimits(readFileSync(FIXTURE), 'DOCX', LIMITS)).resolves.toBeUndefined();
    await expect(checkArchiveLimits(docxOf(documentXml(['Opening hours are nine to five.'])), 'DOCX', LIMITS)).resolves.toBeUndefined();
  });

  it('refuses an archive whose entries inflate to more than maxCompressionRatio times its size, naming the variable', async () => {
    // Prepare
    const bomb = docxOf(BOMB_XML);
    expect(BOMB_XML.length / bomb.length).toBeGreaterThan(100);
    // Act
    const error = await refusal(checkArchiveLimits(bomb, 'DOCX', LIMITS));
    // Assess
    expect(error.message).toMatch(
      /^DOCX inflates to at least [\d,.]+ times its size \(\d+ MiB from \d+ KiB\), above the limit of 100 \(RAG_MAX_COMPRESSION_RATIO\)$/,
    );
  });

  it('refuses an archive whose entries inflate to more than maxArchiveBytes, naming the variable', async () => {
    const bomb = docxOf(BOMB_XML);

    const error = await refusal(checkArchiveLimits(bomb, 'DOCX', { maxArchiveBytes: 1024 * 1024, maxCompressionRatio: 100_000 }));

    expect(error.message).toBe('DOCX inflates to at least 6 MiB, above the limit of 1 MiB (RAG_MAX_ARCHIVE_BYTES)');
  });

  it('an archive exactly at either limit passes; past it, it is refused', async () => {
    // Prepare
    const file = docxOf(documentXml(['Compressible text. '], 200));
    const declared = declaredTotal(file);
    const ratio = declared / file.length;
    // Act, Assess
    await expect(checkArchiveLimits(file, 'DOCX', { maxArchiveBytes: declared, maxCompressionRatio: Math.ceil(ratio) })).resolves.toBeUndefined();
    await refusal(checkArchiveLimits(file, 'DOCX', { maxArchiveBytes: declared - 1, maxCompressionRatio: Math.ceil(ratio) }));
    await refusal(checkArchiveLimits(file, 'DOCX', { maxArchiveBytes: declared, maxCompressionRatio: Math.floor(ratio) }));
  });

  it('refuses an archive whose entry declares a small size and inflates to more: the declaration is checked, not trusted', async () => {
    // Prepare: word/document.xml claims 1,000 bytes, so the directory's sums are within both limits.
    const liar = docxOf(BOMB_XML, 1000);
    // Act
    const error = await refusal(checkArchiveLimits(liar, 'DOCX', LIMITS));
    // Assess
    expect(error.message).toBe('DOCX has an entry that inflates to more than the 1000 bytes it declares (a zip bomb)');
  });

  it('says a file that is no ZIP could not be read', async () => {
    const error = await refusal(checkArchiveLimits(Buffer.from('PK\u0003\u0004 but not really a zip file at all'), 'DOCX', LIMITS));
    expect(error.message).toMatch(/^DOCX could not be read: /);
  });
});

const CENTRAL_RECORD = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

/** The sum of the sizes a ZIP's central directory declares, read from its records. */
function declaredTotal(zip: Buffer): number {
  let sum = 0;
  for (let at = zip.indexOf(CENTRAL_RECORD); at !== -1; at = zip.indexOf(CENTRAL_RECORD, at + 4)) sum += zip.readUInt32LE(at + 24);
  return sum;
}

describe('formatBytes', () => {
  it.each([
    [800, '800 bytes'],
    [96 * 1024, '96 KiB'],
    [412 * 1024 * 1024, '412 MiB'],
  ])('%d is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('extractText on a DOCX bomb', () => {
  it('refuses it before mammoth reads it, with the limit in the reason', async () => {
    const error = await refusal(extractText(docxOf(BOMB_XML), 'acme/bomb.docx', EXTRACT));
    expect(error.message).toMatch(/RAG_MAX_COMPRESSION_RATIO/);
  });

  it('still reads a normal DOCX', async () => {
    const doc = await extractText(docxOf(documentXml(['The garden opens at nine.', 'Tools are in the shed.'])), 'acme/ok.docx', EXTRACT);
    expect(doc.text).toBe('The garden opens at nine.\n\nTools are in the shed.');
  });
});
