import { assessGrounding, groundingScore, termWeights, weightedShare } from '../../../../shared/guardrails/grounding';

const sources = ['To connect to the VPN, install the GlobalConnect client and sign in with your corporate account.'];

describe('assessGrounding', () => {
  it('scores a verbatim answer 1, ignoring citation markers', () => {
    expect(groundingScore('Install the GlobalConnect client and sign in with your corporate account. [1]', sources)).toBe(1);
  });

  it('matches stemmed terms, so inflections count as support', () => {
    expect(groundingScore('Installing clients connects you.', sources)).toBe(1);
  });

  it('scores unsupported claims by the share of content terms not in the sources', () => {
    const result = assessGrounding('Install the client, then call the helpdesk in Berlin.', sources);

    expect(result.answerTerms).toBe(5);
    expect(result.supportedTerms).toBe(2);
    expect(result.score).toBeCloseTo(0.4, 10);
  });

  it('scores 0 without sources and 1 for an answer with no content terms', () => {
    expect(groundingScore('The moon is made of cheese.', [])).toBe(0);
    expect(groundingScore('It is what it is. [1]', sources)).toBe(1);
  });
});

describe('relevance to the question', () => {
  const handbook = [
    'This policy explains which business expenses Northwind Robotics reimburses and how to claim them.',
    'This policy applies to every Northwind Robotics employee, contractor and intern.',
    'Submit every expense report within 30 days of the purchase date.',
  ];
  const copied = 'This policy explains which business expenses Northwind Robotics reimburses and how to claim them. [1]';

  it("does not score a verbatim answer 1 when it leaves the question's key term out", () => {
    const ceo = assessGrounding(copied, handbook, 'Who is the CEO of Northwind Robotics?');
    const leave = assessGrounding(copied, handbook, 'What is the parental leave policy?');

    expect(ceo.support).toBe(1);
    // "CEO" is in no source and weighs the most; "Northwind" and "Robotics" are in two of three.
    expect(ceo.relevance).toBeLessThan(0.6);
    expect(ceo.score).toBe(ceo.relevance);
    expect(leave.score).toBeLessThan(0.35);
  });

  it("scores an answer that covers the question's terms as relevant", () => {
    const result = assessGrounding(
      'Submit every expense report within 30 days of the purchase date. [1]',
      handbook,
      'Within how many days must an expense report be submitted?',
    );

    expect(result.relevance).toBe(1);
    expect(result.score).toBe(1);
  });

  it('weights a question term by its rarity in the sources: a shared word counts less than a rare one', () => {
    // "policy" is in two sources, "days" in one: an answer with only "days" covers more of the question.
    const question = 'policy days';
    const withRare = assessGrounding('days', handbook, question).relevance;
    const withCommon = assessGrounding('policy', handbook, question).relevance;

    expect(withRare).toBeGreaterThan(0.5);
    expect(withCommon).toBeLessThan(0.5);
    expect(withRare + withCommon).toBeCloseTo(1, 10);
  });

  it('leaves relevance at 1 without a question, or for a question with no content terms', () => {
    expect(assessGrounding(copied, handbook).relevance).toBe(1);
    expect(assessGrounding(copied, handbook, 'What is it?').relevance).toBe(1);
  });

  it('weighs a term no document has by the missing-term factor, and a share of nothing as full', () => {
    const documents = [new Set(['a']), new Set(['a', 'b'])];
    const [a, b, c] = termWeights(['a', 'b', 'c'], documents, 2);

    expect(a).toBeCloseTo(Math.log(2), 10);
    expect(b).toBeCloseTo(Math.log(2.5), 10);
    expect(c).toBeCloseTo(2 * Math.log(4), 10);
    expect(weightedShare([], [], new Set())).toBe(1);
  });
});
