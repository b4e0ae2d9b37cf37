import { requestSchemaFor } from '../../../../shared/pipeline/request-schema';

describe('requestSchemaFor (shared/pipeline/request-schema.ts)', () => {
  it('builds the schema once per limits object and applies those limits', () => {
    const limits = { maxQuestionChars: 10, maxTopK: 3 };
    const other = { maxQuestionChars: 100, maxTopK: 3 };

    const schema = requestSchemaFor(limits);

    expect(requestSchemaFor(limits)).toBe(schema);
    expect(requestSchemaFor(other)).not.toBe(schema);
    expect(schema.safeParse({ question: 'x'.repeat(11) }).success).toBe(false);
    expect(requestSchemaFor(other).safeParse({ question: 'x'.repeat(11) }).success).toBe(true);
    expect(schema.safeParse({ question: 'ok', topK: 4 }).success).toBe(false);
  });
});
