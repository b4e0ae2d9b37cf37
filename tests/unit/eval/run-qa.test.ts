import type { QaItem } from '../../../eval/beir';
import {
  abstained,
  blockedAtInput,
  citationPrecision,
  containsAnswer,
  normalizeAnswer,
  outcomeOf,
  runAbstention,
  runQa,
  statesWrongAnswer,
  summarizeAbstention,
  summarizeQa,
} from '../../../eval/run-qa';
import type { QueryResponse } from '../../../shared/contracts/query';

function response(overrides: Partial<QueryResponse> = {}): QueryResponse {
  return {
    answer: 'Most coasts see two high tides a day [1].',
    citations: [
      { documentId: 'x', chunkId: 'c1', uri: 'eval/g/g05', key: 'eval/g/g05', excerpt: '...', location: { start: 0, end: 10 } },
      { documentId: 'y', chunkId: 'c2', uri: 'eval/g/g09', key: 'eval/g/g09', excerpt: '...', location: { start: 0, end: 10 } },
    ],
    guardrail: { action: 'NONE', blocked: false, findings: [], guardrailId: 'local', groundingScore: 0.9 },
    usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
    model: 'extractive',
    fallbackUsed: false,
    promptVersion: 'v1',
    requestId: 'r',
    ...overrides,
  };
}

const item: QaItem = { id: 'qa1', question: 'How many high tides?', answers: ['two high tides'], docIds: ['g05'] };
const datasetIdOf = (citation: QueryResponse['citations'][number]): string | undefined => citation.key.split('/').pop();

describe('answer containment', () => {
  it('matches whole words, ignoring case, accents and punctuation', () => {
    expect(normalizeAnswer('Café, au-lait!')).toBe(' cafe au lait ');
    expect(containsAnswer('It is TWO high-tides.', ['two high tides'])).toBe(true);
    expect(containsAnswer('about 1450 or so', ['1450'])).toBe(true);
    expect(containsAnswer('in 14500 BC', ['1450'])).toBe(false);
    expect(containsAnswer('anything', ['   '])).toBe(false);
  });
});

describe('multi-part and wrong answers', () => {
  it('needs every part of a multi-part answer', () => {
    const expected = [['25 to 30 seconds', 'twelve to twenty-four hours']];
    expect(containsAnswer('Espresso takes 25 to 30 seconds; cold brew steeps twelve to twenty-four hours.', expected)).toBe(true);
    expect(containsAnswer('Espresso takes 25 to 30 seconds.', expected)).toBe(false);
    expect(containsAnswer('Espresso takes 25 to 30 seconds.', [...expected, '25 to 30 seconds'])).toBe(true);
    expect(containsAnswer('anything', [[]])).toBe(false);
  });

  it('finds a wrong answer as containment finds an expected one', () => {
    expect(statesWrongAnswer('Up to 120 Euros a night [1]', ['120 euros'])).toBe(true);
    expect(statesWrongAnswer('Up to 1120 euros a night', ['120 euros'])).toBe(false);
    expect(statesWrongAnswer('anything', undefined)).toBe(false);
  });

  it('does not count an answer that also states a wrong answer as contained', () => {
    const versions: QaItem = { id: 'v', question: 'Hotel limit now?', answers: ['140 euros'], docIds: ['g38'], wrongAnswers: ['120 euros'] };
    const both = outcomeOf(versions, response({ answer: 'Up to 120 euros a night [1]. Up to 140 euros a night [2].' }), datasetIdOf, 1, false);
    expect(both.contained).toBe(false);
    expect(both.statesWrongAnswer).toBe(true);
    const right = outcomeOf(versions, response({ answer: 'Up to 140 euros a night [1].' }), datasetIdOf, 1, false);
    expect(right.contained).toBe(true);
    expect(right.statesWrongAnswer).toBeUndefined();
  });
});

describe('blockedAtInput', () => {
  const inputBlocked = {
    action: 'INTERVENED' as const,
    blocked: true,
    findings: [{ type: 'PROMPT_ATTACK' as const, detail: 'IGNORE_INSTRUCTIONS', action: 'BLOCKED' as const }],
    guardrailId: 'local',
  };

  it('is a blocking verdict with nothing embedded or generated', () => {
    expect(blockedAtInput(response({ citations: [], guardrail: inputBlocked, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } }))).toBe(true);
  });

  it('is not an answer blocked after generation (it used tokens) nor an answer that passed', () => {
    expect(blockedAtInput(response({ citations: [], guardrail: { ...inputBlocked, findings: [] } }))).toBe(false);
    expect(blockedAtInput(response({ usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } }))).toBe(false);
  });
});

describe('runQa', () => {
  it('asks each question once through the given runner and scores its response', async () => {
    // Prepare
    const asked: string[] = [];
    const items: QaItem[] = [item, { id: 'qa2', question: 'Broken?', answers: ['x'] }];
    const runner = async (input: { question: string; tenant: string; requestId: string }) => {
      asked.push(`${input.tenant}:${input.question}`);
      if (input.question === 'Broken?') throw new RangeError('boom');
      return response({ requestId: input.requestId });
    };
    // Act
    const run = await runQa(runner, items, { tenant: 'eval', keyPrefix: 'eval/g/', datasetIdByChunkId: new Map([['c1', 'g05']]) });
    // Assess
    expect(asked).toEqual(['eval:How many high tides?', 'eval:Broken?']);
    expect(run.perQuestion[0]).toMatchObject({ id: 'qa1', contained: true, citations: 2, citationPrecision: 0.5 });
    expect(run.perQuestion[1]).toMatchObject({ id: 'qa2', contained: false, error: 'RangeError' });
    expect(run.metrics.failedQuestions).toBe(1);
  });
});

describe('citationPrecision', () => {
  it('is the share of cited chunks from a relevant document', () => {
    expect(citationPrecision(['g05', 'g09', undefined, 'g05'], ['g05'])).toBe(0.5);
  });

  it('is undefined without relevant documents or without citations', () => {
    expect(citationPrecision(['g05'], undefined)).toBeUndefined();
    expect(citationPrecision([], ['g05'])).toBeUndefined();
  });
});

describe('outcomeOf and summarizeQa', () => {
  it('scores a grounded, correct answer with one relevant citation out of two', () => {
    // Act
    const outcome = outcomeOf(item, response(), datasetIdOf, 12, false);
    // Assess
    expect(outcome).toEqual({
      id: 'qa1',
      contained: true,
      citations: 2,
      citationPrecision: 0.5,
      grounded: true,
      groundingScore: 0.9,
      blockedAtInput: false,
      abstained: false,
      latencyMs: 12,
    });
  });

  it('does not count an answer that failed the grounding check as grounded or contained', () => {
    const blocked = response({
      answer: 'Sorry, the answer could not be verified.',
      citations: [],
      guardrail: {
        action: 'INTERVENED',
        blocked: true,
        findings: [{ type: 'GROUNDING', detail: 'low', action: 'BLOCKED' }],
        guardrailId: 'local',
        groundingScore: 0.1,
      },
    });
    const outcome = outcomeOf(item, blocked, datasetIdOf, 5, false);
    expect(outcome.grounded).toBe(false);
    expect(outcome.contained).toBe(false);
    expect(outcome.citationPrecision).toBeUndefined();
  });

  it('averages over the right denominators', () => {
    const good = outcomeOf(item, response(), datasetIdOf, 10, false);
    const ungrounded = { ...good, id: 'b', grounded: false, contained: false, citationPrecision: 1, groundingScore: 0.3, latencyMs: 20 };
    const inputBlocked = {
      ...good,
      id: 'c',
      grounded: false,
      contained: false,
      blockedAtInput: true,
      citations: 0,
      citationPrecision: undefined,
      groundingScore: undefined,
      latencyMs: 30,
    };
    delete inputBlocked.citationPrecision;
    delete inputBlocked.groundingScore;
    const metrics = summarizeQa([good, ungrounded, inputBlocked]);
    expect(metrics.questions).toBe(3);
    expect(metrics.answerContainment).toBeCloseTo(1 / 3, 10);
    // (0.5 + 1) / 2 questions with a precision
    expect(metrics.citationPrecision).toBeCloseTo(0.75, 10);
    expect(metrics.citationPrecisionQuestions).toBe(2);
    // 1 grounded of the 2 that reached generation
    expect(metrics.groundingRate).toBeCloseTo(0.5, 10);
    expect(metrics.meanGroundingScore).toBeCloseTo(0.6, 10);
    expect(metrics.latencyMs.p50).toBe(20);
  });
});

describe('abstention', () => {
  const notFound = response({ answer: 'I could not find an answer in the documents.', citations: [] });
  const blocked = response({
    answer: 'Sorry, the answer could not be verified against the documents.',
    citations: [],
    guardrail: { action: 'INTERVENED', blocked: true, findings: [{ type: 'GROUNDING', detail: 'RELEVANCE', action: 'BLOCKED' }], guardrailId: 'local' },
  });

  it('counts the not-found reply and a blocked answer as abstaining, a cited answer as answering', () => {
    expect(abstained(notFound)).toBe(true);
    expect(abstained(blocked)).toBe(true);
    expect(abstained(response())).toBe(false);
    expect(outcomeOf(item, notFound, datasetIdOf, 1, false).abstained).toBe(true);
  });

  it('reports answered-when-answerable and abstained-when-not separately; a failure counts as neither', () => {
    // Prepare
    const outcomes = [
      { id: 'a1', answerable: true, abstained: false, latencyMs: 1 },
      { id: 'a2', answerable: true, abstained: true, latencyMs: 1 },
      { id: 'a3', answerable: true, abstained: false, latencyMs: 1, error: 'Boom' },
      { id: 'a4', answerable: true, abstained: false, latencyMs: 1 },
      { id: 'u1', answerable: false, abstained: true, latencyMs: 1 },
      { id: 'u2', answerable: false, abstained: false, latencyMs: 1, error: 'Boom' },
    ];
    // Act
    const metrics = summarizeAbstention(outcomes, 'queries', 'other/queries.jsonl');
    // Assess
    expect(metrics).toEqual({
      answerableSource: 'queries',
      answerable: 4,
      answeredWhenAnswerable: 0.5,
      unanswerableFile: 'other/queries.jsonl',
      unanswerable: 2,
      abstainedWhenNot: 0.5,
      failedQuestions: 2,
    });
  });

  it('asks each question once through the runner, in order, and records errors by name', async () => {
    const asked: string[] = [];
    const outcomes = await runAbstention(
      async (input) => {
        asked.push(input.question);
        if (input.question === 'boom') throw new TypeError('x');
        return input.question === 'known' ? response() : notFound;
      },
      [
        { id: 'k', text: 'known', answerable: true },
        { id: 'u', text: 'unknown', answerable: false },
        { id: 'b', text: 'boom', answerable: false },
      ],
      { tenant: 't' },
    );
    expect(asked).toEqual(['known', 'unknown', 'boom']);
    expect(outcomes.map(({ id, abstained: a, error }) => ({ id, a, error }))).toEqual([
      { id: 'k', a: false, error: undefined },
      { id: 'u', a: true, error: undefined },
      { id: 'b', a: false, error: 'TypeError' },
    ]);
  });
});
