import { costQueryPath, DEFAULT_ASSUMPTIONS, formatQueryCost, type QueryPathCount } from '../../../bench/query-cost';
import { AWS_PRICES } from '../../../shared/models/aws-prices';

/** A counted path shaped like the emulated stack's: api-query, then the Tasks and their calls. */
const counted = (tasks: string[], callsPerQuery: QueryPathCount['callsPerQuery']): QueryPathCount => ({
  queries: 5,
  states: [...tasks, 'InputAllowed', 'GenerateOrStream'],
  tasks,
  callsPerQuery,
});

const before = counted(['ValidateQuery', 'GuardInput', 'Retrieve', 'Rerank', 'Generate', 'ResolveCitations'], {
  'api-query': { 'SFNClient.StartSyncExecutionCommand': 1, 'DynamoDBClient.GetItemCommand': 1, 'DynamoDBClient.PutItemCommand': 1 },
  'query-retrieve': { 'BedrockRuntimeClient.InvokeModelCommand': 1, 'S3VectorsClient.QueryVectorsCommand': 1 },
  'query-rerank': { 'S3VectorsClient.GetVectorsCommand': 1, 'BedrockAgentRuntimeClient.RerankCommand': 1 },
  'query-generate': { 'S3VectorsClient.GetVectorsCommand': 1, 'BedrockRuntimeClient.ConverseCommand': 1 },
});
const after = counted(['ValidateQuery', 'GuardInput', 'RetrieveAndRank', 'Generate', 'ResolveCitations'], {
  'api-query': { 'SFNClient.StartSyncExecutionCommand': 1, 'DynamoDBClient.GetItemCommand': 1, 'DynamoDBClient.PutItemCommand': 1 },
  'query-retrieve-and-rank': {
    'BedrockRuntimeClient.InvokeModelCommand': 1,
    'S3VectorsClient.QueryVectorsCommand': 1,
    'BedrockAgentRuntimeClient.RerankCommand': 1,
  },
  'query-generate': { 'BedrockRuntimeClient.ConverseCommand': 1 },
});

describe('query-cost (bench/query-cost.ts)', () => {
  it('counts one Lambda invocation per Task plus the API function, and sums the calls over functions', () => {
    const column = costQueryPath('before', before);

    expect(column.lambdaInvocations).toBe(7);
    expect(column.calls['S3VectorsClient.GetVectorsCommand']).toBe(2);
    expect(column.calls['BedrockRuntimeClient.ConverseCommand']).toBe(1);
  });

  it('prices requests from the price table: one fewer Task and no reads back cost fewer Lambda requests and less time', () => {
    const b = costQueryPath('before', before);
    const a = costQueryPath('after', after);
    const lambdaRequests = (c: typeof a) => c.costPer1000.parts.find((p) => p.name === 'lambdaRequests')?.usd;

    expect(lambdaRequests(b)).toBeCloseTo(((AWS_PRICES.lambdaRequests.usd ?? Number.NaN) / AWS_PRICES.lambdaRequests.per) * 7000, 10);
    expect(lambdaRequests(a)).toBeCloseTo(((AWS_PRICES.lambdaRequests.usd ?? Number.NaN) / AWS_PRICES.lambdaRequests.per) * 6000, 10);
    // Two GetVectors calls and one Task less, at the assumed call and Task times.
    expect(b.latencyMs - a.latencyMs).toBeCloseTo(2 * DEFAULT_ASSUMPTIONS.callMs + DEFAULT_ASSUMPTIONS.taskMs, 6);
    expect(a.costPer1000.pricedUsd).toBeLessThan(b.costPer1000.pricedUsd);
  });

  it('names every part without a published price instead of guessing a total', () => {
    const column = costQueryPath('after', after);

    expect(column.costPer1000.totalUsd).toBeUndefined();
    expect(column.costPer1000.unpriced).toEqual(expect.arrayContaining(['stepFunctionsExpressGbSeconds', 'bedrockCohereRerank35Queries']));
    expect(formatQueryCost({ assumptions: DEFAULT_ASSUMPTIONS, columns: [column], prices: {} })).toMatch(/per 1,000: bedrockCohereRerank35Queries\s+unpriced/);
  });
});
