import { extractMarkdown } from '../../../../../shared/documents/extractors/markdown';

const input = (text: string) => ({
  bytes: Buffer.from(text),
  contentType: 'text/markdown',
  maxPages: 10,
  maxExtractedChars: 10_000_000,
  maxTokenChars: 4096,
  maxArchiveBytes: 1_000_000,
  maxCompressionRatio: 100,
});

/**
 * A list nested 4,000 levels deep (16 MB, almost all indentation): every item is read, one per line. The speed is
 * measured, not asserted (docs/evaluation.md): two line patterns backtracked over the indentation (1 MB took 3 s,
 * this file 72 s); now this file takes about 0.2 s.
 */
describe('Markdown with deep indentation', () => {
  it('reads every item of a 4,000-level nested list, one per line', async () => {
    const levels = 4000;
    const text = Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    const document = await extractMarkdown(input(text));
    const lines = document.text.split('\n');
    expect(lines).toHaveLength(levels);
    expect(lines[0]).toBe('item 0');
    expect(lines[levels - 1]).toBe(`item ${levels - 1}`);
  });

  it('still keeps a hard break (two trailing spaces or a backslash) and a table delimiter row out of the text', async () => {
    const document = await extractMarkdown(input('first line  \nsecond line\\\nthird line\nfourth\n\n| a | b |\n| --- | :-: |\n| 1 | 2 |\n'));
    expect(document.text).toBe('first line\nsecond line\nthird line fourth\n\na | b\n1 | 2');
  });
});
