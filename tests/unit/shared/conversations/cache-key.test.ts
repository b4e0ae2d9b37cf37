import { createHash } from 'node:crypto';
import { type AnswerCacheKeyInput, answerCacheKey, canonicalJson, normaliseQuestion } from '../../../../shared/conversations/cache-key';
import { CACHE_KEY_PATTERN } from '../../../../shared/conversations/conversation-store';

const BASE: AnswerCacheKeyInput = {
  tenant: 'tenant-a',
  question: 'How many days do I have to submit an expense report?',
  filters: { keyPrefix: 'tenant-a/policies/', contentTypes: ['text/markdown'] },
  topK: 5,
  promptVersion: 'v1',
  generationModels: ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'amazon.nova-lite-v1:0'],
  indexGeneration: 7,
};

describe('normaliseQuestion', () => {
  it.each([
    ['  How many   DAYS\tdo I have?  ', 'how many days do i have'],
    ['What is X?!', 'what is x'],
    ['What is X...', 'what is x'],
    ['ｗｈａｔ　ｉｓ　Ｘ？', 'what is x'],
    ['什么是报销？', '什么是报销'],
    ['v1.2?', 'v1.2'],
  ])('normalises %j to %j', (question, expected) => {
    expect(normaliseQuestion(question)).toBe(expected);
  });

  it('keeps punctuation inside the question', () => {
    expect(normaliseQuestion('Is it $5.00, or 5?')).toBe('is it $5.00, or 5');
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('answerCacheKey', () => {
  it('is a SHA-256 hex digest of the recipe, the store accepts it', () => {
    // Act
    const key = answerCacheKey(BASE);
    // Assess
    expect(key).toMatch(CACHE_KEY_PATTERN);
    const expected = createHash('sha256')
      .update(
        JSON.stringify([
          'answer-cache/v1',
          'tenant-a',
          'how many days do i have to submit an expense report',
          '{"contentTypes":["text/markdown"],"keyPrefix":"tenant-a/policies/"}',
          5,
          'v1',
          BASE.generationModels,
          7,
        ]),
      )
      .digest('hex');
    expect(key).toBe(expected);
  });

  it('is the same for questions that differ only in case, spacing and trailing punctuation, and for reordered filter keys', () => {
    // Act
    const variant = answerCacheKey({
      ...BASE,
      question: '  how many days do i HAVE to submit an   expense report ',
      filters: { contentTypes: ['text/markdown'], keyPrefix: 'tenant-a/policies/' },
    });
    // Assess
    expect(variant).toBe(answerCacheKey(BASE));
  });

  it('treats absent filters as empty filters', () => {
    expect(answerCacheKey({ ...BASE, filters: undefined })).toBe(answerCacheKey({ ...BASE, filters: {} }));
  });

  it.each<[string, Partial<AnswerCacheKeyInput>]>([
    ['tenant', { tenant: 'tenant-b' }],
    ['question', { question: 'How many days do I have to submit a travel report?' }],
    ['filters', { filters: { keyPrefix: 'tenant-a/other/' } }],
    ['filter array order', { filters: { keyPrefix: 'tenant-a/policies/', contentTypes: ['text/markdown', 'text/plain'] } }],
    ['topK', { topK: 6 }],
    ['prompt version', { promptVersion: 'v2' }],
    ['model chain', { generationModels: ['amazon.nova-lite-v1:0'] }],
    ['model order', { generationModels: [...BASE.generationModels].reverse() }],
    ['index generation', { indexGeneration: 8 }],
  ])('changes with the %s', (_part, change) => {
    expect(answerCacheKey({ ...BASE, ...change })).not.toBe(answerCacheKey(BASE));
  });

  it('does not collide when a separator moves between parts', () => {
    // Prepare: text that a delimiter-joined recipe would render identically
    const a = answerCacheKey({ ...BASE, tenant: 'tenant-a', promptVersion: 'v1' });
    const b = answerCacheKey({ ...BASE, generationModels: ['a,b'] });
    const c = answerCacheKey({ ...BASE, generationModels: ['a', 'b'] });
    // Assess
    expect(new Set([a, b, c]).size).toBe(3);
  });
});
