import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { functionCatalog } from '../../functions/catalog';
import { type HttpRoute, httpRoutes, routeKey } from '../../functions/api/routes';
import { checkIam, formatFinding } from '../../scripts/check-iam';
import { buildFunctionBundles } from '../../scripts/build-functions';
import { type CfnResource, type CfnTemplate, type Json, type JsonObject, runServerlessPackage } from '../../scripts/package-stack';
import { loadConfig } from '../../shared/config/config';
import { DEFAULT_MODELS } from '../../shared/models/catalog';
import guardrailStack = require('../../stack/guardrail.js');
import { ALL_METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/observability/metric-names';
import { S3_VECTORS_NON_FILTERABLE_KEYS } from '../../shared/vectors/s3-vectors-store';
import { DEPLOYMENT, functionEnvironment } from '../iam/emulated-stack';

/**
 * The deployable stack, checked offline: builds the bundles, runs `serverless package` with fake
 * credentials (no AWS call is made) and inspects the CloudFormation template it writes.
 */
const root = path.resolve(__dirname, '..', '..');
const stage = 'ci';
const prefix = `serverless-rag-${stage}`;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const obj = (value: Json | undefined): JsonObject => (isObject(value) ? value : {});

let template: CfnTemplate;
let packageDir: string;

function resourcesOfType(type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function functionResource(name: string): [string, CfnResource] {
  const found = resourcesOfType('AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === `${prefix}-${name}`);
  if (!found) throw new Error(`No function ${name} in the template`);
  return found;
}

/** Logical ids a value depends on (Ref, Fn::GetAtt, Fn::Sub references), pseudo parameters excluded. */
function references(value: Json | undefined, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) references(v, into);
  } else if (isObject(value)) {
    if (typeof value.Ref === 'string' && !value.Ref.startsWith('AWS::')) into.add(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') into.add(getAtt[0]);
    const sub = value['Fn::Sub'];
    const subText = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    for (const match of subText?.matchAll(/\$\{([^}!]+)\}/g) ?? []) {
      const name = (match[1] ?? '').split('.')[0] ?? '';
      if (!name.startsWith('AWS::')) into.add(name);
    }
    for (const [key, v] of Object.entries(value)) if (key !== 'Fn::Sub') references(v, into);
    if (Array.isArray(sub)) references(sub[1], into);
  }
  return into;
}

function findCycle(resources: Record<string, CfnResource>): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const deps = references(resource.Properties as Json);
    for (const d of [resource.DependsOn ?? []].flat()) deps.add(d);
    edges.set(
      id,
      [...deps].filter((d) => d in resources),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

async function readAsl(machine: string): Promise<{ text: string; definition: JsonObject }> {
  const text = await readFile(path.join(root, 'statemachines', `${machine}.asl.json`), 'utf8');
  return { text, definition: JSON.parse(text) as JsonObject };
}

/** Routes only the local server serves (e.g. GET /metrics): never deployed. */
const isLocalOnly = (route: HttpRoute): boolean => 'localOnly' in route && route.localOnly === true;
/** Every statement of a function's role, both branches of each Fn::If (AWS::NoValue dropped). */
function roleStatements(fnName: string): JsonObject[] {
  const role = obj(functionResource(fnName)[1].Properties.Role);
  const getAtt = role['Fn::GetAtt'];
  const roleId = Array.isArray(getAtt) ? String(getAtt[0]) : '';
  const policies = (template.Resources[roleId]?.Properties.Policies as JsonObject[] | undefined) ?? [];
  const unfold = (value: Json): JsonObject[] => {
    const branches = obj(value)['Fn::If'];
    if (Array.isArray(branches)) return [branches[1], branches[2]].flatMap((b) => (b === undefined ? [] : unfold(b)));
    return isObject(value) && value.Ref !== 'AWS::NoValue' ? [value] : [];
  };
  return policies.flatMap((p) => ((obj(p.PolicyDocument).Statement as Json[] | undefined) ?? []).flatMap(unfold));
}
/** The actions a function's role allows on exactly these resources. */
function actionsOn(fnName: string, resource: Json): string[] {
  const same = (r: Json) => JSON.stringify(r) === JSON.stringify(resource);
  return roleStatements(fnName)
    .filter((s) => s.Effect === 'Allow' && [s.Resource ?? []].flat().some(same))
    .flatMap((s) => [s.Action ?? []].flat().map(String))
    .sort();
}

const placeholdersOf = (text: string): string[] => [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] ?? ''))].sort();
const machineOf = (module: string): string => module.split('/')[1] ?? '';

beforeAll(async () => {
  await buildFunctionBundles({ rootDir: root });
  packageDir = await mkdtemp(path.join(tmpdir(), 'rag-sls-package-'));
  await runServerlessPackage(root, packageDir, { stage });
  template = JSON.parse(await readFile(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate;
}, 600_000);

afterAll(async () => {
  if (packageDir) await rm(packageDir, { recursive: true, force: true });
});

describe('serverless package (offline)', () => {
  it('declares every catalog function on nodejs22.x / arm64 with active tracing and its own bundle', async () => {
    // Prepare
    const functions = resourcesOfType('AWS::Lambda::Function');

    // Act
    const names = functions.map(([, r]) => String(r.Properties.FunctionName).slice(prefix.length + 1)).sort();

    // Assess
    expect(names).toEqual(functionCatalog.map((f) => f.name).sort());
    for (const entry of functionCatalog) {
      const [, fn] = functionResource(entry.name);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: `dist/functions/${entry.name}/index.handler`,
      });
      const artifact = path.join(packageDir, `${entry.name}.zip`);
      const { size } = await stat(artifact);
      expect(size).toBeGreaterThan(10_000);
      expect(size).toBeLessThan(50 * 1024 * 1024);
    }
  });

  it('gives every function an environment that passes loadConfig with the AWS adapters', () => {
    for (const entry of functionCatalog) {
      // Prepare: the environment as one deployment resolves it (tests/iam/emulated-stack.ts).
      const env: Record<string, string | undefined> = { AWS_REGION: 'us-east-1', ...functionEnvironment(template, entry.name) };

      // Act
      const config = loadConfig(env);

      // Assess
      expect(config.adapters).toEqual({
        blobStore: 's3',
        conversationStore: 'dynamodb',
        embedder: 'bedrock-titan',
        vectorStore: 's3vectors',
        reranker: 'bedrock',
        generator: 'bedrock-converse',
        guardrail: 'bedrock',
        workflows: 'stepfunctions',
      });
      // The defaults are the model catalogue's (active, offered in the default Region).
      expect(config.aws.generationModelIds).toEqual([...DEFAULT_MODELS.generationModelIds]);
      expect(config.aws.embeddingModelId).toBe(DEFAULT_MODELS.embeddingModelId);
      expect(config.aws.rerankModelArn).toBe(`arn:aws:bedrock:us-east-1::foundation-model/${DEFAULT_MODELS.rerankModelId}`);
      expect(config.aws.s3VectorsBucket).toBe(DEPLOYMENT.physicalIds.VectorBucket);
      expect(config.aws.reindexStateMachineArn).toBe(`arn:aws:states:us-east-1:123456789012:stateMachine:${prefix}-reindex`);
      // Source maps are not loaded at start (cold start); see serverless.yml.
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(env.POWERTOOLS_SERVICE_NAME).toBeDefined();
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBeDefined();
    }
  });

  it('deploys the three ASL files unchanged, every placeholder substituted by its catalog function', async () => {
    const expected: Record<string, { logicalId: string; type: string }> = {
      ingest: { logicalId: 'IngestStateMachine', type: 'STANDARD' },
      query: { logicalId: 'QueryStateMachine', type: 'EXPRESS' },
      reindex: { logicalId: 'ReindexStateMachine', type: 'STANDARD' },
    };
    expect(
      resourcesOfType('AWS::StepFunctions::StateMachine')
        .map(([id]) => id)
        .sort(),
    ).toEqual(
      Object.values(expected)
        .map((e) => e.logicalId)
        .sort(),
    );
    for (const [machine, { logicalId, type }] of Object.entries(expected)) {
      // Prepare
      const { text, definition } = await readAsl(machine);
      const props = template.Resources[logicalId]?.Properties ?? {};

      // Act
      const substitutions = obj(props.DefinitionSubstitutions);

      // Assess
      // Byte-for-byte the file's JSON: `"ResultPath": null` must survive packaging.
      expect(JSON.parse(String(props.DefinitionString))).toEqual(definition);
      expect(props.Definition).toBeUndefined();
      expect(props.StateMachineType).toBe(type);
      expect(props.StateMachineName).toBe(`${prefix}-${machine}`);
      expect(props.TracingConfiguration).toEqual({ Enabled: true });
      expect(obj(props.LoggingConfiguration).IncludeExecutionData).toBe(false);
      expect(Object.keys(substitutions).sort()).toEqual(placeholdersOf(text));
      for (const [placeholder, value] of Object.entries(substitutions)) {
        const entry = functionCatalog.find((f) => f.aslPlaceholder === placeholder);
        expect(entry).toBeDefined();
        expect(value).toEqual({ 'Fn::GetAtt': [functionResource(entry?.name ?? '')[0], 'Arn'] });
      }
    }
  });

  it('serves the HTTP API routes with the JWT authorizer on all but the public ones (/health, /openapi.json)', () => {
    // Prepare
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const authorizers = resourcesOfType('AWS::ApiGatewayV2::Authorizer');
    const integrations = Object.fromEntries(resourcesOfType('AWS::ApiGatewayV2::Integration'));
    // functions/api/routes.ts is the one route table: the local server serves it, the stack must deploy it.
    // Streaming routes are served by a function URL instead (the next test); local-only routes not at all.
    const expectedRoutes: Record<string, string> = Object.fromEntries(
      httpRoutes.filter((route) => !route.stream && !isLocalOnly(route)).map((route) => [routeKey(route), route.function]),
    );

    // Act
    const byKey = new Map(routes.map((r) => [String(r.RouteKey), r]));

    // Assess
    expect([...byKey.keys()].sort()).toEqual(Object.keys(expectedRoutes).sort());
    expect(byKey.has('GET /health')).toBe(true);
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0] ?? ['', { Properties: {} }];
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [expect.any(String)], Issuer: expect.stringMatching(/^https:\/\//) },
    });
    for (const [key, fnName] of Object.entries(expectedRoutes)) {
      const route = byKey.get(key) ?? {};
      if (httpRoutes.find((route) => routeKey(route) === key)?.public) {
        expect(route.AuthorizationType).toBeUndefined();
      } else {
        expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      }
      const [integrationId = ''] = [...references(route.Target)];
      const integration = integrations[integrationId];
      expect(references(integration?.Properties.IntegrationUri)).toEqual(new Set([functionResource(fnName)[0]]));
    }
  });

  it("serves each streaming route from a RESPONSE_STREAM function URL whose function verifies the HTTP API's JWT itself", () => {
    // Prepare
    const streaming = httpRoutes.filter((route) => route.stream);
    const urls = resourcesOfType('AWS::Lambda::Url').map(([, r]) => r.Properties);
    const authorizers = resourcesOfType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const jwt = obj(authorizers[0]?.[1].Properties.JwtConfiguration);

    // Act + Assess
    expect(streaming.map((route) => route.function)).toEqual(['api-query-stream']);
    expect(urls).toHaveLength(streaming.length);
    for (const route of streaming) {
      const fnResource = functionResource(route.function)[0];
      const url = urls.find((u) => references(u.TargetFunctionArn).has(fnResource));
      // No authorizer stands in front of a function URL: the function checks the same issuer and audience.
      expect(url).toMatchObject({ InvokeMode: 'RESPONSE_STREAM', AuthType: 'NONE' });
      const env = functionEnvironment(template, route.function);
      expect(env.RAG_JWT_ISSUER).toBe(jwt.Issuer);
      expect([env.RAG_JWT_AUDIENCE]).toEqual(jwt.Audience);
    }
  });

  it('encrypts and blocks public access on every bucket; only the documents bucket emits events', () => {
    // Prepare
    const buckets = resourcesOfType('AWS::S3::Bucket');

    // Act + Assess
    expect(buckets.map(([id]) => id)).toEqual(expect.arrayContaining(['DocumentsBucket', 'StateBucket']));
    for (const [id, bucket] of buckets) {
      expect([id, obj(bucket.Properties.BucketEncryption).ServerSideEncryptionConfiguration]).toEqual([id, expect.any(Array)]);
      expect([id, bucket.Properties.PublicAccessBlockConfiguration]).toEqual([
        id,
        { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      ]);
    }
    expect(template.Resources.DocumentsBucket?.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(template.Resources.StateBucket?.Properties.NotificationConfiguration).toBeUndefined();
  });

  it('routes S3 Object Created/Deleted of the documents bucket to ingest-trigger, with a DLQ', () => {
    // Prepare
    const rules = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties);

    // Act
    const objectRule = rules.find((r) => r.EventPattern !== undefined);

    // Assess
    expect(objectRule?.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created', 'Object Deleted'],
      detail: { bucket: { name: [{ Ref: 'DocumentsBucket' }] } },
    });
    const [target] = (objectRule?.Targets as JsonObject[] | undefined) ?? [];
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': [functionResource('ingest-trigger')[0], 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
    });
    const permission = resourcesOfType('AWS::Lambda::Permission').find(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
    expect(permission?.[1].Properties.FunctionName).toEqual({ 'Fn::GetAtt': [functionResource('ingest-trigger')[0], 'Arn'] });
  });

  it('starts the re-index state machine on a schedule with {"trigger":"schedule"}', () => {
    // Prepare
    const rules = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties);

    // Act
    const schedule = rules.find((r) => r.ScheduleExpression !== undefined);

    // Assess
    expect(schedule?.ScheduleExpression).toBe('rate(1 hour)');
    const [target] = (schedule?.Targets as JsonObject[] | undefined) ?? [];
    expect(target?.Arn).toEqual({ Ref: 'ReindexStateMachine' });
    expect(JSON.parse(String(target?.Input))).toEqual({ trigger: 'schedule' });
  });

  it('provisions the S3 Vectors bucket and index the adapter expects, named by CloudFormation (no collision on redeploy)', () => {
    // Prepare
    const [bucketId = '', bucket] = resourcesOfType('AWS::S3Vectors::VectorBucket')[0] ?? [];
    const index = resourcesOfType('AWS::S3Vectors::Index')[0]?.[1].Properties;

    // Act
    const nonFilterable = obj(index?.MetadataConfiguration).NonFilterableMetadataKeys;

    // Assess
    expect(resourcesOfType('AWS::S3Vectors::VectorBucket')).toHaveLength(1);
    expect(bucket?.Properties.VectorBucketName).toBeUndefined();
    expect(index).toMatchObject({
      VectorBucketArn: { 'Fn::GetAtt': [bucketId, 'VectorBucketArn'] },
      IndexName: 'chunks',
      Dimension: 1024,
      DataType: 'float32',
      DistanceMetric: 'cosine',
    });
    expect(nonFilterable).toEqual([...S3_VECTORS_NON_FILTERABLE_KEYS]);
  });

  it('provisions the guardrail with PII, denied topics, prompt-attack and grounding filters', () => {
    // Prepare
    const guardrail = resourcesOfType('AWS::Bedrock::Guardrail')[0]?.[1].Properties ?? {};

    // Act
    const contentFilters = (obj(guardrail.ContentPolicyConfig).FiltersConfig as JsonObject[]).map((f) => f.Type);
    const grounding = (obj(guardrail.ContextualGroundingPolicyConfig).FiltersConfig as JsonObject[]).map((f) => f.Type);

    // Assess
    expect(contentFilters).toContain('PROMPT_ATTACK');
    expect(grounding).toEqual(expect.arrayContaining(['GROUNDING', 'RELEVANCE']));
    expect((obj(guardrail.SensitiveInformationPolicyConfig).PiiEntitiesConfig as JsonObject[]).length).toBeGreaterThan(0);
    expect((obj(guardrail.TopicPolicyConfig).TopicsConfig as JsonObject[]).every((t) => t.Type === 'DENY')).toBe(true);
    expect(resourcesOfType('AWS::Bedrock::GuardrailVersion')).toHaveLength(1);
  });

  it('replaces the guardrail version whenever the guardrail definition changes (its description carries the hash)', () => {
    // Prepare
    const definition = template.Resources.Guardrail?.Properties;

    // Act
    const version = template.Resources.GuardrailVersion?.Properties;

    // Assess: the Description is create-only, so a new hash means a new version.
    expect(version?.Description).toBe(`Guardrail definition ${guardrailStack.definitionHash(definition)}`);
  });

  it('publishes alarms to a topic CloudWatch can use: a customer managed key whose policy lets CloudWatch encrypt', () => {
    // Prepare
    const topic = template.Resources.AlarmTopic?.Properties ?? {};

    // Act
    const keyId = obj(topic.KmsMasterKeyId).Ref;
    const statements = (obj(template.Resources[String(keyId)]?.Properties.KeyPolicy).Statement as JsonObject[] | undefined) ?? [];
    const cloudwatch = statements.find((s) => obj(s.Principal).Service === 'cloudwatch.amazonaws.com');

    // Assess: never the AWS managed alias/aws/sns, whose key policy CloudWatch cannot use.
    expect(topic.KmsMasterKeyId).not.toBe('alias/aws/sns');
    expect(template.Resources[String(keyId)]?.Type).toBe('AWS::KMS::Key');
    expect(cloudwatch?.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    expect(cloudwatch?.Effect).toBe('Allow');
    // ...and the topic's policy lets CloudWatch publish.
    const topicPolicy = resourcesOfType('AWS::SNS::TopicPolicy').find(
      ([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: 'AlarmTopic' }]),
    );
    const publish = ((obj(topicPolicy?.[1].Properties.PolicyDocument).Statement as JsonObject[] | undefined) ?? []).find(
      (s) => obj(s.Principal).Service === 'cloudwatch.amazonaws.com',
    );
    expect(publish).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'AlarmTopic' } });
    // Every alarm notifies the topic, and nothing else: no alarm without an action, no other target.
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      expect([id, alarm.Properties.AlarmActions]).toEqual([id, [{ Ref: 'AlarmTopic' }]]);
      for (const actions of ['OKActions', 'InsufficientDataActions']) {
        if (alarm.Properties[actions] !== undefined) expect([id, actions, alarm.Properties[actions]]).toEqual([id, actions, [{ Ref: 'AlarmTopic' }]]);
      }
    }
  });

  it("throttles every route of the HTTP API's stage (429 from API Gateway before any Lambda runs)", () => {
    const stages = resourcesOfType('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    expect(stages[0]?.[1].Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  it('declares HttpApiUrl once, as the framework generates it (no merged Fn::Join + Fn::Sub)', () => {
    const output = obj(obj(template.Outputs).HttpApiUrl);
    expect(Object.keys(obj(output.Value))).toEqual(['Fn::Join']);
  });

  it('makes the Knowledge Base optional through a CloudFormation condition', () => {
    // Prepare + Act
    const kb = resourcesOfType('AWS::Bedrock::KnowledgeBase')[0]?.[1];

    // Assess
    expect(kb?.Condition).toBe('KnowledgeBaseEnabled');
    expect(template.Conditions?.KnowledgeBaseEnabled).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(obj(kb?.Properties.StorageConfiguration).Type).toBe('S3_VECTORS');
  });

  it('alarms on 5xx rate, p99 latency, throttles, failed ingestions and dead letters', () => {
    // Prepare
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

    // Act
    const metrics = alarms.flatMap((a) => [
      a.MetricName ? `${a.Namespace}/${a.MetricName}` : undefined,
      ...((a.Metrics as JsonObject[] | undefined) ?? []).map((m) => {
        const metric = obj(obj(m.MetricStat).Metric);
        return metric.MetricName ? `${metric.Namespace}/${metric.MetricName}` : undefined;
      }),
    ]);

    // Assess
    expect(metrics).toEqual(
      expect.arrayContaining([
        'AWS/ApiGateway/5xx',
        'AWS/ApiGateway/Latency',
        'AWS/Lambda/Throttles',
        'AWS/States/ExecutionsFailed',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        `${METRICS_NAMESPACE}/BudgetExhausted`,
        `${METRICS_NAMESPACE}/ModelThrottles`,
      ]),
    );
    // The service's own metrics: names it emits, with its dimension set (shared/observability/metric-names.ts).
    for (const alarm of alarms.filter((a) => a.Namespace === METRICS_NAMESPACE)) {
      expect(ALL_METRIC_NAMES).toContain(alarm.MetricName);
      expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: METRICS_SERVICE }]);
    }
    // One exhausted budget in 5 minutes is enough; no data (the usual state) is not an alarm.
    expect(alarms.find((a) => a.MetricName === 'BudgetExhausted')).toMatchObject({
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarms.find((a) => a.MetricName === 'ModelThrottles')).toMatchObject({ Statistic: 'Sum', Threshold: 10, TreatMissingData: 'notBreaching' });
    expect(alarms.find((a) => a.MetricName === 'Latency')?.ExtendedStatistic).toBe('p99');
    const dlq = resourcesOfType('AWS::SQS::Queue');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.[1].Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('stores usage in an encrypted, recoverable pay-per-request table keyed pk/sk with a byDay index and a TTL', () => {
    // Prepare
    const table = template.Resources.UsageTable?.Properties ?? {};

    // Act
    const [index, ...otherIndexes] = (table.GlobalSecondaryIndexes as JsonObject[] | undefined) ?? [];

    // Assess
    expect(template.Resources.UsageTable?.Type).toBe('AWS::DynamoDB::Table');
    expect(table).toMatchObject({
      TableName: `${prefix}-usage`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.AttributeDefinitions).toEqual(['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((name) => ({ AttributeName: name, AttributeType: 'S' })));
    expect(index).toEqual({
      IndexName: 'byDay',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(otherIndexes).toEqual([]);
    // Every function gets the table's name (provider environment), as the template gives it.
    for (const entry of functionCatalog) {
      const variables = obj(obj(functionResource(entry.name)[1].Properties.Environment).Variables);
      expect([entry.name, variables.RAG_USAGE_TABLE]).toEqual([entry.name, { Ref: 'UsageTable' }]);
    }
  });

  it('grants the usage table as each function uses it: record, budget check, and the /usage queries', () => {
    // Prepare
    const table = { 'Fn::GetAtt': ['UsageTable', 'Arn'] };
    const byDay = { 'Fn::Sub': `\${UsageTable.Arn}/index/byDay` };
    const recorders = ['ingest-embed-batch', 'query-guard-input', 'query-retrieve-and-rank', 'query-generate'];
    const apis = ['api-query', 'api-query-stream'];

    // Act + Assess
    for (const fn of recorders) expect([fn, actionsOn(fn, table)]).toEqual([fn, ['dynamodb:UpdateItem']]);
    for (const fn of apis) expect([fn, actionsOn(fn, table)]).toEqual([fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem']]);
    expect(actionsOn('api-usage', table)).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(actionsOn('api-usage', byDay)).toEqual(['dynamodb:Query']);
    const others = functionCatalog.map((f) => f.name).filter((fn) => ![...recorders, ...apis, 'api-usage'].includes(fn));
    for (const fn of others) expect([fn, actionsOn(fn, table), actionsOn(fn, byDay)]).toEqual([fn, [], []]);
  });

  it('serves GET /usage behind the JWT authorizer with no route scope (the handler checks rag/admin itself)', () => {
    // Act
    const route = resourcesOfType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === 'GET /usage')?.[1].Properties;

    // Assess
    expect(route).toMatchObject({ AuthorizationType: 'JWT' });
    expect(route?.AuthorizationScopes).toBeUndefined();
  });

  it('switches Bedrock model invocation logging by a parameter, off by default', () => {
    // Prepare
    const logging = Object.entries(template.Resources).filter(([id]) => id.startsWith('ModelInvocationLog'));

    // Act
    const condition = template.Conditions?.ModelInvocationLoggingEnabled;

    // Assess
    expect(condition).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(logging.map(([id]) => id).sort()).toEqual(['ModelInvocationLogGroup', 'ModelInvocationLoggingRole']);
    for (const [id, resource] of logging) expect([id, resource.Condition]).toEqual([id, 'ModelInvocationLoggingEnabled']);
  });

  it('grants least privilege: one role per function, no wildcard action or resource where a narrower one exists', () => {
    // Prepare
    const roles = functionCatalog.map((entry) => JSON.stringify(functionResource(entry.name)[1].Properties.Role));

    // Act
    const findings = checkIam(template);

    // Assess
    expect(findings.map(formatFinding)).toEqual([]);
    expect(new Set(roles).size).toBe(functionCatalog.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('has no circular dependency between resources (state machine ARNs are built from names)', () => {
    // Act
    const cycle = findCycle(template.Resources);

    // Assess
    expect(cycle).toBeUndefined();
  });
});

describe('ASL files', () => {
  const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

  it.each(['ingest', 'query', 'reindex'])('%s.asl.json is valid ASL and uses exactly its catalog placeholders', async (machine) => {
    // Prepare
    const { text, definition } = await readAsl(machine);
    const catalogPlaceholders = functionCatalog
      .filter((f) => f.aslPlaceholder && machineOf(f.module) === machine)
      .map((f) => f.aslPlaceholder)
      .sort();

    // Act
    const result = aslValidator(definition);

    // Assess
    expect({ valid: result.isValid, errors: result.isValid ? '' : result.errorsText('\n') }).toEqual({ valid: true, errors: '' });
    expect(placeholdersOf(text)).toEqual(catalogPlaceholders);
  });
});
