import * as z from 'zod';
import { ConfigurationError } from '../errors';

/**
 * The AWS identifiers the service is configured with, each rule written once. The configuration
 * schema validates the environment with them, and the AWS adapters guard their options with the same
 * rules through `assertIdentifier`, so a hand-built option fails the way a bad variable does.
 */

export type IdentifierRule = z.ZodString;

/** Region names: us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, ... */
export const awsRegionSchema: IdentifierRule = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'is not an AWS Region name (such as eu-west-1)');

/** S3 (general purpose) bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit. */
export const s3BucketNameSchema: IdentifierRule = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'is not an S3 bucket name (3-63 of a-z 0-9 . -)');

/** Step Functions state machine ARNs: arn:<partition>:states:<region>:<12-digit account>:stateMachine:<name of at most 80 characters>. */
export const stateMachineArnSchema: IdentifierRule = z
  .string()
  .regex(/^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^\s:]{1,80}$/, 'is not a Step Functions state machine ARN');

/**
 * Bedrock model identifiers as InvokeModel, Converse and RetrieveAndGenerate take them: a model id
 * ("amazon.titan-embed-text-v2:0"), an inference profile id ("us.anthropic.claude-3-5-haiku-20241022-v1:0") or an ARN.
 */
export const bedrockModelIdSchema: IdentifierRule = z
  .string()
  .regex(/^(arn:aws[\w-]*:bedrock:[\w-]*:\d*:[\w./:-]+|[a-z0-9-]+(\.[\w-]+)+(:\d+)?(:[\w-]+)?)$/, 'is not a Bedrock model id or ARN');

/** Foundation-model ARNs, the only form Bedrock Rerank takes: arn:aws:bedrock:<region>::foundation-model/<amazon.rerank-v1:0 | cohere.rerank-v3-5:0>. */
export const bedrockFoundationModelArnSchema: IdentifierRule = z
  .string()
  .regex(/^arn:aws[\w-]*:bedrock:[a-z0-9-]+:\d*:foundation-model\/[\w.:-]+$/, 'is not a Bedrock foundation-model ARN');

/**
 * Knowledge Base and data source ids are `^[0-9a-zA-Z]{10}$` where Agents for Amazon Bedrock takes them
 * (IngestKnowledgeBaseDocuments URI parameters, read 2026-11-30); RetrieveAndGenerate documents only
 * "at most 10", but every id Bedrock issues has 10, so one rule serves both.
 */
const BEDROCK_RESOURCE_ID = /^[0-9a-zA-Z]{10}$/;
export const knowledgeBaseIdSchema: IdentifierRule = z.string().regex(BEDROCK_RESOURCE_ID, 'is not a Knowledge Base id (10 letters and digits)');
export const knowledgeBaseDataSourceIdSchema: IdentifierRule = z.string().regex(BEDROCK_RESOURCE_ID, 'is not a data source id (10 letters and digits)');

/**
 * Throws a ConfigurationError naming `variable` when `value` is missing or breaks `rule`, and narrows
 * it to a string. `usedBy` says who needs it, for the "is required" message.
 */
export function assertIdentifier(rule: IdentifierRule, value: string | undefined, variable: string, usedBy?: string): asserts value is string {
  if (value === undefined || value === '') {
    throw new ConfigurationError(`${variable} is required${usedBy ? ` for ${usedBy}` : ''}`);
  }
  const checked = rule.safeParse(value);
  if (!checked.success) {
    throw new ConfigurationError(`${variable} "${value}" ${checked.error.issues.map((issue) => issue.message).join('; ')}`);
  }
}

/** DynamoDB table names: 3-255 of a-z A-Z 0-9 _ - . (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html, read 2026-11-30). */
export const dynamoDbTableNameSchema: IdentifierRule = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)');
