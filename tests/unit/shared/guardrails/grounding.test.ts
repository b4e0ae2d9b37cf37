import { assessGrounding, groundingScore } from '../../../../shared/guardrails/grounding';

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
