import { planStack, stackParamsProblems } from '../../../stack/params';
import { DEFAULT_MODELS } from '../../../shared/models/catalog';

/** serverless.yml's parameters as stack/params.js reads them (defaults of params.default). */
const DEFAULTS: Record<string, unknown> = {
  stage: 'prod',
  region: 'us-east-1',
  jwtIssuerUrl: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE',
  jwtAudience: 'rag-api-client',
  tenantClaim: 'custom:tenant',
  embeddingModelId: DEFAULT_MODELS.embeddingModelId,
  embeddingDimensions: 1024,
  primaryGenerationModel: DEFAULT_MODELS.generationModelIds[0],
  fallbackGenerationModel: DEFAULT_MODELS.generationModelIds[1],
  rerankFoundationModel: DEFAULT_MODELS.rerankModelId,
  promptVersion: 'v1',
  knowledgeBase: 'false',
  groundingThreshold: 0.7,
  relevanceThreshold: 0.5,
  embedRequestsPerSecond: 5,
  embedConcurrency: 4,
  reindexSchedule: 'rate(1 hour)',
  logLevel: 'INFO',
  logRetentionDays: 30,
  alarmEmail: '',
  api5xxRatePercent: 1,
  apiThrottleRatePerSecond: 50,
  apiThrottleBurst: 100,
  apiP99LatencyMs: 5000,
  modelThrottleAlarmCount: 10,
  modelInvocationLogging: 'false',
  usageRetentionDays: 90,
  budgetDailyUsd: '',
  budgetDailyTokens: '',
  tenantBudgets: '',
};

const ON = new Date('2026-11-30T00:00:00Z');

describe('stack parameters', () => {
  it('accepts the defaults and works out each model grant from the catalogue', () => {
    // Act
    const plan = planStack(DEFAULTS, ON);

    // Assess
    expect(plan.models.primaryGeneration).toMatchObject({ profileId: DEFAULT_MODELS.generationModelIds[0], regions: ['us-east-1', 'us-east-2', 'us-west-2'] });
    expect(plan.models.rerank).toMatchObject({ foundationModelId: 'cohere.rerank-v3-5:0', regions: ['us-east-1'], marketplace: true });
    expect(plan.models.embedding).toMatchObject({ foundationModelId: 'amazon.titan-embed-text-v2:0', marketplace: false });
  });

  it.each([
    ['embeddingDimensions', 300, /embeddingDimensions: must be one of 256, 512, 1024/],
    ['stage', 'Prod_1', /stage: must be 1-20 lower-case/],
    ['knowledgeBase', 'yes', /knowledgeBase/],
    ['jwtIssuerUrl', 'http://issuer.example.com', /jwtIssuerUrl/],
    ['logRetentionDays', 10, /logRetentionDays: is not a CloudWatch Logs retention value/],
    ['alarmEmail', 'not-an-address', /alarmEmail/],
    ['apiThrottleRatePerSecond', 0, /apiThrottleRatePerSecond/],
    ['apiThrottleBurst', 2.5, /apiThrottleBurst/],
    ['modelThrottleAlarmCount', 0, /modelThrottleAlarmCount/],
    ['modelInvocationLogging', 'on', /modelInvocationLogging/],
    ['usageRetentionDays', 0, /usageRetentionDays/],
    ['budgetDailyUsd', '-1', /budgetDailyUsd/],
    ['budgetDailyTokens', '2.5', /budgetDailyTokens/],
    ['tenantBudgets', 'ACME=usd:5', /tenantBudgets/],
  ])('refuses %s = %p, naming the parameter', (name, value, message) => {
    expect(stackParamsProblems({ ...DEFAULTS, [name]: value }, ON).join('\n')).toMatch(message);
  });

  it('refuses a model the Region does not offer, naming the model and the Region', () => {
    const problems = stackParamsProblems({ ...DEFAULTS, rerankFoundationModel: 'amazon.rerank-v1:0' }, ON);
    expect(problems).toEqual([expect.stringMatching(/amazon\.rerank-v1:0.*not offered in us-east-1/)]);
  });

  it('refuses a model past its end of life', () => {
    const problems = stackParamsProblems({ ...DEFAULTS, primaryGenerationModel: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' }, ON);
    expect(problems.join('\n')).toMatch(/claude-3-5-haiku.*end of life on 2026-06-19/);
  });

  it('accepts a Region where every model is offered, refuses one where they are not', () => {
    expect(stackParamsProblems({ ...DEFAULTS, region: 'us-west-2', rerankFoundationModel: 'amazon.rerank-v1:0' }, ON)).toEqual([]);
    expect(stackParamsProblems({ ...DEFAULTS, region: 'sa-east-1' }, ON).join('\n')).toMatch(/sa-east-1/);
  });
});
