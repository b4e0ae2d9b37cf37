import { datasetIdOfKey, documentBody, documentFile, documentKey } from '../../../eval/bulk-ingest';
import { extractText } from '../../../shared/documents/extract';

const limits = {
  maxPages: 10,
  maxBytes: 1_000_000,
  maxArchiveBytes: 256 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxExtractedChars: 10_000_000,
  maxTokenChars: 4096,
};

async function extract(id: string, title: string, text: string) {
  const key = documentKey('eval/set/', id);
  return extractText(documentFile({ id, title, text }), key, { contentType: 'text/markdown', ...limits });
}

describe('the file the service is given for a BEIR document', () => {
  it('is Markdown whose title is metadata and whose text is title + text, as the plain-text reading gives it', async () => {
    // Prepare
    const doc = { id: '12', title: '  Flow over a "thin"   wing: results ', text: 'Line one. Line two with 5 * 3 and snake_case.\n\nA second paragraph.' };
    const plain = await extractText(Buffer.from(documentBody(doc)), 'x.txt', { contentType: 'text/plain', ...limits });
    // Act
    const extracted = await extract(doc.id, doc.title, doc.text);
    // Assess
    expect(extracted.contentType).toBe('text/markdown');
    expect(extracted.title).toBe('Flow over a "thin" wing: results');
    expect(extracted.text).toBe(plain.text);
    expect(extracted.sections).toBeUndefined();
  });

  it('is read as Markdown: a line break inside a paragraph is a space (the BEIR sets in use have none)', async () => {
    expect((await extract('3', 'T', 'wrapped\nline')).text).toBe('T\n\nwrapped line');
  });

  it('has no front matter, and no title, when the document has none', async () => {
    const extracted = await extract('7', '', 'Just text.');
    expect(documentFile({ id: '7', title: '', text: 'Just text.' }).toString('utf8')).toBe('Just text.');
    expect(extracted.title).toBeUndefined();
    expect(extracted.text).toBe('Just text.');
  });

  it('keys documents by dataset id, whatever the id looks like, and maps keys back', () => {
    expect(documentKey('eval/set/', 'x.pdf')).toBe('eval/set/x.pdf.md');
    expect(datasetIdOfKey('eval/set/', 'eval/set/x.pdf.md')).toBe('x.pdf');
    expect(datasetIdOfKey('eval/set/', 'eval/other/x.md')).toBeUndefined();
    expect(datasetIdOfKey('eval/set/', 'eval/set/x.txt')).toBeUndefined();
  });
});
