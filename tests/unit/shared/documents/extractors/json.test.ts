import { UnsupportedDocumentError } from '../../../../../shared/errors';
import { extractJson, extractNdjson, jsonDepth, MAX_JSON_DEPTH } from '../../../../../shared/documents/extractors/json';

const input = (text: string, contentType = 'application/json') => ({
  bytes: Buffer.from(text),
  contentType,
  maxPages: 10,
  maxExtractedChars: 1_000_000,
  maxTokenChars: 4096,
  maxArchiveBytes: 1_000_000,
  maxCompressionRatio: 100,
});

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('JSON nesting', () => {
  it('measures depth without recursion, even past any stack', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth(JSON.parse(nested(100_000)) as never)).toBe(100_000);
    expect(jsonDepth(JSON.parse(nested(100_000)) as never, 10)).toBe(11);
  });

  it(`reads nesting up to ${MAX_JSON_DEPTH} levels and refuses deeper with a reason a person reads`, async () => {
    await expect(extractJson(input(nested(MAX_JSON_DEPTH)))).resolves.toMatchObject({ text: expect.stringMatching(/^(\[0\]){99}: 1$/) });
    const refused = extractJson(input(nested(5000)));
    await expect(refused).rejects.toThrow(UnsupportedDocumentError);
    await expect(refused).rejects.toThrow(`JSON nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; it cannot be read as text`);
    await expect(extractNdjson(input(`{"a":1}\n${nested(5000)}\n`, 'application/x-ndjson'))).rejects.toThrow(/^NDJSON line 2 nests arrays/);
  });
});
