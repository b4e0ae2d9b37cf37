import { extractHtml, MAX_HTML_DEPTH, nestsDeeperThan } from '../../../../../shared/documents/extractors/html';
import { UnsupportedDocumentError } from '../../../../../shared/errors';

const LIMITS = { maxPages: 50, maxArchiveBytes: 1 << 28, maxCompressionRatio: 100, maxExtractedChars: 1_000_000, maxTokenChars: 4096 };
const nested = (depth: number, tag = 'div') => `${`<${tag}>`.repeat(depth)}deep text${`</${tag}>`.repeat(depth)}`;

describe('nestsDeeperThan', () => {
  it('counts nested elements up to the limit, and one past it', () => {
    expect(nestsDeeperThan(nested(10), 10)).toBe(false);
    expect(nestsDeeperThan(nested(11), 10)).toBe(true);
    expect(nestsDeeperThan('<DIV>'.repeat(11), 10)).toBe(true);
  });

  it('does not count what a parser does not nest', () => {
    // Siblings, void and self-closed elements, elements whose end tag may be left out.
    expect(nestsDeeperThan('<div>x</div>'.repeat(100), 10)).toBe(false);
    expect(nestsDeeperThan('<br><img src="a.png"><hr>'.repeat(100), 10)).toBe(false);
    expect(nestsDeeperThan('<div/>'.repeat(100), 10)).toBe(false);
    expect(nestsDeeperThan(`<ul>${'<li>item'.repeat(100)}</ul>`, 10)).toBe(false);
    expect(nestsDeeperThan(`<table>${'<tr><td>a<td>b'.repeat(100)}</table>`, 10)).toBe(false);
    expect(nestsDeeperThan('<p>para'.repeat(100), 10)).toBe(false);
  });

  it('closes elements left open inside one that ends, and ignores end tags with nothing to close', () => {
    expect(nestsDeeperThan('<section><b><i>x</section>'.repeat(100), 10)).toBe(false);
    expect(nestsDeeperThan(`${'</span>'.repeat(100)}${nested(5)}`, 10)).toBe(false);
    expect(nestsDeeperThan('<b>'.repeat(11), 10)).toBe(true);
  });

  it('sees no elements in comments, scripts, styles and titles', () => {
    const markup = '<div>'.repeat(100);
    expect(nestsDeeperThan(`<!-- ${markup} -->`, 10)).toBe(false);
    expect(nestsDeeperThan(`<script>var s = "${markup}";</script>`, 10)).toBe(false);
    expect(nestsDeeperThan(`<style>/* ${markup} */</style><title>${markup}</title>`, 10)).toBe(false);
    // After the script ends, markup counts again.
    expect(nestsDeeperThan(`<script>x</script>${markup}`, 10)).toBe(true);
  });

  it('stops at text that never closes its tag, comment or script (nothing after it can nest)', () => {
    expect(nestsDeeperThan(`<div>'<div`, 1)).toBe(false);
    expect(nestsDeeperThan(`<!-- ${'<div>'.repeat(100)}`, 10)).toBe(false);
    expect(nestsDeeperThan(`<script>${'<div>'.repeat(100)}`, 10)).toBe(false);
  });
});

describe('extractHtml', () => {
  const read = (html: string) => extractHtml({ bytes: Buffer.from(html), contentType: 'text/html', ...LIMITS });

  it(`reads a page nested ${MAX_HTML_DEPTH} deep`, async () => {
    expect((await read(nested(MAX_HTML_DEPTH))).text).toBe('deep text');
  });

  it('refuses a page nested deeper, before rendering it, with a reason', async () => {
    // 200,000 levels: rendering took 90 s to overflow the stack before the limit.
    const error: unknown = await read(`<p>start</p>${nested(200_000)}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedDocumentError);
    expect((error as Error).message).toBe(
      `The HTML nests its elements more than ${MAX_HTML_DEPTH} deep, more than the HTML reader takes (a page built to crash readers, or a damaged one)`,
    );
  });
});
