import { z } from 'zod';
import { awsRegionSchema } from '../shared/config/aws-identifiers';
import { findModel, foundationModelRegions, validateDeploymentModels } from '../shared/models/catalog';

/**
 * The deployment parameters of serverless.yml, checked when the stack is packaged
 * (stack/params.js runs this inside `serverless package`/`deploy`): a bad value, or a model the
 * chosen Region does not offer, stops packaging with a message that names the parameter, the model and
 * the Region, instead of a stack that deploys and then fails on every request.
 */

/** CloudWatch Logs retention values (AWS::Logs::LogGroup RetentionInDays, read 2026-11-30:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Titan Text Embeddings V2 produces 1024, 512 or 256 dimensions (../shared/DESIGN.md §10). */
const EMBEDDING_DIMENSIONS = [256, 512, 1024];

const number = (min: number, max: number) => z.coerce.number().min(min).max(max);

export const stackParamsSchema = z.object({
  /** Stage names become part of every function name: `serverless-rag-<stage>-ingest-delete-document` must stay within Lambda's 64 characters. */
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1-20 lower-case letters, digits or hyphens, starting with a letter'),
  region: awsRegionSchema,
  jwtIssuerUrl: z.url({ protocol: /^https$/ }),
  jwtAudience: z.string().min(1),
  tenantClaim: z.string().min(1),
  embeddingModelId: z.string().min(1),
  embeddingDimensions: z.coerce.number().refine((d) => EMBEDDING_DIMENSIONS.includes(d), `must be one of ${EMBEDDING_DIMENSIONS.join(', ')}`),
  primaryGenerationModel: z.string().min(1),
  fallbackGenerationModel: z.string().min(1),
  rerankFoundationModel: z.string().min(1),
  promptVersion: z.string().regex(/^[\w.-]+$/),
  knowledgeBase: z.enum(['true', 'false']),
  groundingThreshold: number(0, 0.99),
  relevanceThreshold: number(0, 0.99),
  embedRequestsPerSecond: number(0.1, 10000),
  embedConcurrency: z.coerce.number().int().min(1).max(40),
  reindexSchedule: z.string().regex(/^(rate|cron)\(.+\)$/, 'must be a rate(...) or cron(...) expression'),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  logRetentionDays: z.coerce.number().refine((d) => LOG_RETENTION_DAYS.includes(d), 'is not a CloudWatch Logs retention value'),
  alarmEmail: z.union([z.literal(''), z.email()]),
  api5xxRatePercent: number(0, 100),
  apiP99LatencyMs: number(1, 30_000),
  // HTTP API stage throttling: a steady rate (requests/s, may be fractional) and a bucket of whole requests.
  apiThrottleRatePerSecond: z.coerce.number().positive(),
  apiThrottleBurst: z.coerce.number().int().min(1),
  // Usage and budgets: the runtime's configuration schema checks the same values again (loadConfig).
  usageRetentionDays: z.coerce.number().int().min(1).max(3660),
  budgetDailyUsd: z.union([z.literal(''), z.coerce.number().min(0)]),
  budgetDailyTokens: z.union([z.literal(''), z.coerce.number().int().min(0)]),
  tenantBudgets: z.union([
    z.literal(''),
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}=[^,]+(,[a-z0-9][a-z0-9_-]{0,62}=[^,]+)*$/, 'must be tenant=usd:<amount>/tokens:<count>, comma-separated'),
  ]),
  // Throttled model calls (metric ModelThrottles) in 5 minutes that raise ModelThrottlesAlarm.
  modelThrottleAlarmCount: z.coerce.number().int().min(1),
  // Bedrock model invocation logging (metadata only): creates its log group and role (stack/model-invocation-logging.js).
  modelInvocationLogging: z.enum(['true', 'false']),
});

export type StackParams = z.infer<typeof stackParamsSchema>;

export class StackParamsError extends Error {
  constructor(readonly problems: string[]) {
    super(`serverless.yml parameters are not deployable:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackParamsError';
  }
}

/** Every problem with the parameters, one line each; [] when they can be deployed. */
export function stackParamsProblems(raw: Record<string, unknown>, on: Date = new Date()): string[] {
  const parsed = stackParamsSchema.safeParse(raw);
  if (!parsed.success)
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message} (got ${JSON.stringify(raw[String(issue.path[0])])})`);
  const p = parsed.data;
  return validateDeploymentModels(
    {
      region: p.region,
      embeddingModelId: p.embeddingModelId,
      generationModelIds: [p.primaryGenerationModel, p.fallbackGenerationModel],
      rerankModelId: p.rerankFoundationModel,
    },
    on,
  );
}

export function checkStackParams(raw: Record<string, unknown>, on: Date = new Date()): StackParams {
  const problems = stackParamsProblems(raw, on);
  if (problems.length > 0) throw new StackParamsError(problems);
  return stackParamsSchema.parse(raw);
}

/** What IAM must allow to call one model from the deployment's Region. */
export interface ModelGrant {
  /** The id the code calls (profile or foundation model). */
  modelId: string;
  foundationModelId: string;
  /** Set when the code calls a cross-region inference profile. */
  profileId?: string;
  /** Regions of the foundation-model ARNs to allow ('*' for a global profile). */
  regions: readonly string[];
  /** Third-party models are subscribed through AWS Marketplace on first use. */
  marketplace: boolean;
}

export function modelGrant(modelId: string, region: string): ModelGrant {
  const match = findModel(modelId);
  if (!match) throw new StackParamsError([`${modelId}: not in the model catalogue (shared/models/catalog.ts)`]);
  return {
    modelId,
    foundationModelId: match.model.id,
    ...(match.profile ? { profileId: match.profile.id } : {}),
    regions: foundationModelRegions(modelId, region),
    marketplace: match.model.iam.marketplaceActions.length > 0,
  };
}

export interface StackPlan {
  params: StackParams;
  models: { embedding: ModelGrant; primaryGeneration: ModelGrant; fallbackGeneration: ModelGrant; rerank: ModelGrant };
}

/** Checks the parameters and works out the model grants the roles need. */
export function planStack(raw: Record<string, unknown>, on: Date = new Date()): StackPlan {
  const params = checkStackParams(raw, on);
  return {
    params,
    models: {
      embedding: modelGrant(params.embeddingModelId, params.region),
      primaryGeneration: modelGrant(params.primaryGenerationModel, params.region),
      fallbackGeneration: modelGrant(params.fallbackGenerationModel, params.region),
      rerank: modelGrant(params.rerankFoundationModel, params.region),
    },
  };
}
