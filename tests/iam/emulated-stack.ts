import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AppConfig, loadConfig } from '../../shared/config/config';
import { addAwsClientPlugin } from '../../shared/aws/instrument';
import { foundationModelRegions } from '../../shared/models/catalog';
import { createStepFunctionsWorkflows } from '../../shared/workflows/step-functions-workflows';
import { S3_VECTORS_NON_FILTERABLE_KEYS } from '../../shared/vectors/s3-vectors-store';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { type CfnTemplate, packageStack } from '../../scripts/package-stack';
import { BedrockAgentEmulator } from '../emulators/bedrock-agent-emulator';
import { BedrockAgentRuntimeEmulator } from '../emulators/bedrock-agent-runtime-emulator';
import { KnowledgeBaseDocuments } from '../emulators/knowledge-base-documents';
import { BedrockRuntimeEmulator } from '../emulators/bedrock-runtime-emulator';
import { DynamoDbEmulator, type KeyAttribute, type TableKeySchema } from '../emulators/dynamodb-emulator';
import { type RunningS3Server, startS3Server } from '../emulators/s3-server';
import { S3VectorsEmulator } from '../emulators/s3vectors-emulator';
import { StepFunctionsEmulator } from '../emulators/sfn-emulator';
import { IamProof } from './iam-proof';
import { type Deployment, functionRoles, TemplateResolver } from './template-policies';

/**
 * The stack as `serverless package` describes it, run on this machine: every function's environment
 * is taken from the packaged template (resolved for one emulated deployment), every AWS adapter talks
 * over the wire to an emulator (S3: s3rver; Bedrock, Agent Runtime, S3 Vectors, Step Functions: ours),
 * Step Functions executions are handed to the local ASL interpreter, and every call is judged by the
 * IAM proof against its function's packaged role.
 */
export const STAGE = 'ci';
export const STACK_PREFIX = `serverless-rag-${STAGE}`;

export const DEPLOYMENT: Deployment = {
  region: 'us-east-1',
  account: '123456789012',
  partition: 'aws',
  physicalIds: {
    DocumentsBucket: 'rag-ci-documents',
    StateBucket: 'rag-ci-state',
    Guardrail: 'gremulated01',
    GuardrailVersion: '1',
    VectorBucket: 'rag-ci-vectors',
    KnowledgeBase: 'KBEMULATE1',
    KnowledgeBaseDataSource: 'DSEMULATE1',
    ConversationsTable: 'rag-ci-conversations',
    UsageTable: 'rag-ci-usage',
  },
};

/** The environment the packaged template gives a function, resolved for the deployment. */
export function functionEnvironment(template: CfnTemplate, functionName: string, deployment: Deployment = DEPLOYMENT): Record<string, string> {
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `${STACK_PREFIX}-${functionName}`,
  );
  if (!fn) throw new Error(`No function ${functionName} in the template`);
  const resolved = new TemplateResolver(template, deployment).resolve(fn.Properties.Environment ?? null) as { Variables?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(resolved.Variables ?? {}).map(([k, v]) => [k, String(v)]));
}

export interface EmulatedStack {
  template: CfnTemplate;
  config: AppConfig;
  runtime: LocalRuntime;
  proof: IamProof;
  s3: RunningS3Server;
  bedrock: BedrockRuntimeEmulator;
  agent: BedrockAgentRuntimeEmulator;
  /** The Knowledge Base's document API and the documents it holds (knowledge-base mode). */
  knowledgeBase: BedrockAgentEmulator;
  vectors: S3VectorsEmulator;
  sfn: StepFunctionsEmulator;
  /** Sessions and the answer cache (the template's ConversationsTable). */
  dynamodb: DynamoDbEmulator;
  stop(): Promise<void>;
}

export interface EmulatedStackOptions {
  /** `--param` values for `serverless package` (e.g. knowledgeBase=true). */
  params?: Record<string, string>;
  /** Settings on top of the template's (chunk sizes for small fixtures, rate limits). */
  env?: Record<string, string>;
}

/** A DynamoDB table's key schema as the template declares it (the table is made as CloudFormation would). */
type CfnKeySchema = { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];

/** The table's key schema and global secondary indexes, as the template declares them. */
function tableKeySchema(template: CfnTemplate, logicalId: string): TableKeySchema {
  const props = template.Resources[logicalId]?.Properties as
    | {
        KeySchema: CfnKeySchema;
        AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
        GlobalSecondaryIndexes?: { IndexName: string; KeySchema: CfnKeySchema; Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE' } }[];
      }
    | undefined;
  if (!props) throw new Error(`No table ${logicalId} in the template`);
  const keysOf = (keySchema: CfnKeySchema, owner: string): { hashKey: KeyAttribute; rangeKey?: KeyAttribute } => {
    const attribute = (keyType: 'HASH' | 'RANGE'): KeyAttribute | undefined => {
      const name = keySchema.find((k) => k.KeyType === keyType)?.AttributeName;
      if (name === undefined) return undefined;
      const type = props.AttributeDefinitions.find((d) => d.AttributeName === name)?.AttributeType;
      if (!type) throw new Error(`${owner} declares no type for key ${name}`);
      return { name, type };
    };
    const hashKey = attribute('HASH');
    if (!hashKey) throw new Error(`${owner} has no HASH key`);
    const rangeKey = attribute('RANGE');
    return rangeKey ? { hashKey, rangeKey } : { hashKey };
  };
  const indexes = (props.GlobalSecondaryIndexes ?? []).map((index) => ({
    name: index.IndexName,
    ...keysOf(index.KeySchema, `${logicalId} index ${index.IndexName}`),
    projection: index.Projection.ProjectionType,
  }));
  return { ...keysOf(props.KeySchema, logicalId), ...(indexes.length > 0 ? { globalSecondaryIndexes: indexes } : {}) };
}

/** Where Bedrock may route a cross-region inference profile called from the deployment's Region. */
function profileRegions(profileId: string): readonly string[] {
  return foundationModelRegions(profileId, DEPLOYMENT.region);
}

export async function startEmulatedStack(options: EmulatedStackOptions = {}): Promise<EmulatedStack> {
  const packaged = await packageStack({ stage: STAGE, params: options.params });
  const template = packaged.template;
  await packaged.cleanup();

  const proof = new IamProof({
    roles: functionRoles(template, DEPLOYMENT, STACK_PREFIX),
    site: { region: DEPLOYMENT.region, account: DEPLOYMENT.account, partition: DEPLOYMENT.partition, profileRegions },
  });
  const removePlugin = addAwsClientPlugin(proof.plugin());

  const env = functionEnvironment(template, 'api-query');
  const s3 = await startS3Server([env.RAG_DOCUMENTS_BUCKET ?? '', env.RAG_STATE_BUCKET ?? '']);
  const bedrock = new BedrockRuntimeEmulator();
  const documents = new KnowledgeBaseDocuments();
  const agent = new BedrockAgentRuntimeEmulator({ documents });
  const knowledgeBase = new BedrockAgentEmulator(documents);
  const vectors = new S3VectorsEmulator();
  const sfn = new StepFunctionsEmulator();
  const dynamodb = new DynamoDbEmulator();
  const [bedrockUrl, agentUrl, knowledgeBaseUrl, vectorsUrl, sfnUrl, dynamodbUrl] = await Promise.all([
    bedrock.start(),
    agent.start(),
    knowledgeBase.start(),
    vectors.start(),
    sfn.start(),
    dynamodb.start(),
  ]);
  dynamodb.createTable(env.RAG_USAGE_TABLE ?? '', tableKeySchema(template, 'UsageTable'));
  dynamodb.createTable(env.RAG_CONVERSATIONS_TABLE ?? '', tableKeySchema(template, 'ConversationsTable'));
  if (env.RAG_KNOWLEDGE_BASE_ID && env.RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID) {
    // As the template declares it: a CUSTOM data source with chunking NONE.
    documents.createDataSource(env.RAG_KNOWLEDGE_BASE_ID, env.RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID, { chunkingStrategy: 'NONE' });
  } else {
    vectors.createIndex(env.RAG_S3VECTORS_BUCKET ?? '', env.RAG_S3VECTORS_INDEX ?? '', {
      dimension: Number(env.RAG_EMBEDDING_DIMENSIONS),
      nonFilterableMetadataKeys: [...S3_VECTORS_NON_FILTERABLE_KEYS],
    });
  }

  const dir = await mkdtemp(path.join(tmpdir(), 'rag-emulated-stack-'));
  const config = loadConfig({
    ...env,
    AWS_REGION: DEPLOYMENT.region,
    RAG_DATA_DIR: dir,
    PORT: '0',
    RAG_SAMPLES: 'off',
    RAG_WATCH: 'off',
    RAG_REINDEX_INTERVAL_SECONDS: '0',
    RAG_AWS_MAX_ATTEMPTS: '3',
    RAG_S3_ENDPOINT: s3.endpoint,
    RAG_S3_FORCE_PATH_STYLE: 'on',
    RAG_BEDROCK_ENDPOINT: bedrockUrl,
    RAG_BEDROCK_AGENT_ENDPOINT: agentUrl,
    RAG_BEDROCK_AGENT_BUILD_ENDPOINT: knowledgeBaseUrl,
    RAG_KNOWLEDGE_BASE_POLL_INTERVAL_MS: '10',
    RAG_S3VECTORS_ENDPOINT: vectorsUrl,
    RAG_SFN_ENDPOINT: sfnUrl,
    RAG_DYNAMODB_ENDPOINT: dynamodbUrl,
    RAG_EMBED_RPS: '1000',
    ...options.env,
  });
  const runtime = await startLocalRuntime(config, { retryDelayScale: 0, workflows: createStepFunctionsWorkflows(config) });

  // Step Functions runs each execution the functions start on the same ASL, locally.
  const local = runtime.workflows;
  sfn.machines.set(config.aws.ingestStateMachineArn ?? '', {
    type: 'STANDARD',
    start: (input) => void local.startIngestion(input as Parameters<typeof local.startIngestion>[0]),
  });
  sfn.machines.set(config.aws.reindexStateMachineArn ?? '', {
    type: 'STANDARD',
    start: (input) => void local.startReindex((input as { trigger: 'schedule' | 'manual' }).trigger),
  });
  sfn.machines.set(config.aws.queryStateMachineArn ?? '', {
    type: 'EXPRESS',
    run: async (input) => {
      try {
        return { status: 'SUCCEEDED', output: await local.runQuery(input as Parameters<typeof local.runQuery>[0]) };
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        // As Step Functions reports a Lambda task's error: its name, and Lambda's error JSON as the cause.
        return { status: 'FAILED', error: e.name, cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }) };
      }
    },
  });

  return {
    template,
    config,
    runtime,
    proof,
    s3,
    bedrock,
    agent,
    knowledgeBase,
    vectors,
    sfn,
    dynamodb,
    stop: async () => {
      await runtime.stop();
      removePlugin();
      await Promise.all([bedrock.stop(), agent.stop(), knowledgeBase.stop(), vectors.stop(), sfn.stop(), dynamodb.stop(), s3.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
