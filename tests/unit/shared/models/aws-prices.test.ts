import { AWS_PRICES, AWS_PRICES_READ_ON, type AwsPriceName, costOf, totalCost, type UnitPrice } from '../../../../shared/models/aws-prices';

describe('AWS price table', () => {
  it('gives every price a source page and the day it was read, and a note wherever no figure was found', () => {
    for (const [name, entry] of Object.entries(AWS_PRICES) as [AwsPriceName, UnitPrice][]) {
      expect(entry.source.url).toMatch(/^https?:\/\//);
      expect(entry.source.read).toBe(AWS_PRICES_READ_ON);
      expect(entry.per).toBeGreaterThan(0);
      if (entry.usd === undefined) expect(entry.source.note ?? '').not.toBe('');
      else expect(entry.usd).toBeGreaterThan(0);
      expect(name.length).toBeGreaterThan(0);
    }
  });

  it('prices a quantity at the listed rate per unit', () => {
    // $0.025 per 1,000 transitions: 7,000 transitions cost $0.175.
    expect(costOf('stepFunctionsStandardTransitions', 7_000)).toBeCloseTo(0.175, 10);
    expect(costOf('lambdaRequests', 1_000_000)).toBeCloseTo(0.2, 10);
  });

  it('reports an unknown price as undefined, and a total with an unknown part as undefined naming it', () => {
    expect(costOf('bedrockCohereRerank35Queries', 10)).toBeUndefined();

    const total = totalCost([
      { name: 'lambdaRequests', cost: 0.5 },
      { name: 'dynamoDbOnDemandWrites', cost: undefined },
    ]);
    const known = totalCost([
      { name: 'lambdaRequests', cost: 0.5 },
      { name: 'stepFunctionsStandardTransitions', cost: 0.25 },
    ]);

    expect(total).toEqual({ usd: undefined, unpriced: ['dynamoDbOnDemandWrites'] });
    expect(known).toEqual({ usd: 0.75, unpriced: [] });
  });

  it('uses a table passed in, so a price change is one edit', () => {
    const table = { ...AWS_PRICES, lambdaRequests: { ...AWS_PRICES.lambdaRequests, usd: 0.4 } };

    expect(costOf('lambdaRequests', 1_000_000, table)).toBeCloseTo(0.4, 10);
  });
});
