// Serverless variable source: checks serverless.yml's parameters when the stack is packaged and works
// out what IAM needs for each model (stack/params.ts, which uses the dated model catalogue).
// A bad parameter, or a model the Region does not offer, stops `serverless package` with the reason.
const { require: tsxRequire } = require('tsx/cjs/api');

const PARAMS = [
  'jwtIssuerUrl',
  'jwtAudience',
  'tenantClaim',
  'embeddingModelId',
  'embeddingDimensions',
  'primaryGenerationModel',
  'fallbackGenerationModel',
  'rerankFoundationModel',
  'promptVersion',
  'knowledgeBase',
  'groundingThreshold',
  'relevanceThreshold',
  'embedRequestsPerSecond',
  'embedConcurrency',
  'usageRetentionDays',
  'budgetDailyUsd',
  'budgetDailyTokens',
  'tenantBudgets',
  'reindexSchedule',
  'logLevel',
  'logRetentionDays',
  'alarmEmail',
  'api5xxRatePercent',
  'apiP99LatencyMs',
  'apiThrottleRatePerSecond',
  'apiThrottleBurst',
  'modelThrottleAlarmCount',
  'modelInvocationLogging',
];

let planned;

/**
 * The parameters as the framework merges them: `--param="name=value"` over the stage's `params` over
 * `params.default` (https://www.serverless.com/framework/docs/guides/parameters, v3). Read here from the
 * static `params` block and the CLI options, because the `param:` source is not yet available when
 * `resources` are resolved.
 */
async function mergedParams({ options, resolveConfigurationProperty }) {
  const params = (await resolveConfigurationProperty(['params'])) ?? {};
  const stage = options.stage ?? (await resolveConfigurationProperty(['provider', 'stage'])) ?? 'dev';
  const cli = Object.fromEntries(
    [options.param ?? []].flat().map((entry) => {
      const at = String(entry).indexOf('=');
      return [String(entry).slice(0, at), String(entry).slice(at + 1)];
    }),
  );
  return { stage, values: { ...params.default, ...params[stage], ...cli } };
}

/** The checked parameters and model grants, computed once per packaging. */
async function plan(context) {
  planned ??= (async () => {
    const { planStack } = tsxRequire('./params.ts', __filename);
    const { stage, values } = await mergedParams(context);
    const raw = { stage, region: context.options.region ?? 'us-east-1' };
    for (const name of PARAMS) raw[name] = values[name];
    return planStack(raw);
  })();
  return planned;
}

module.exports = async (context) => {
  const { params } = await plan(context);
  return `checked ${params.stage} in ${params.region}`;
};
module.exports.plan = plan;
