import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
// aws-xray-sdk-core comes with @aws-lambda-powertools/tracer (not declared here): the Segment and Subsegment
// classes the tracer hands out on Lambda, so the fake facade segment behaves as the real one does.
import { Segment, type Subsegment } from 'aws-xray-sdk-core';
import { instrumentAwsClient } from '../../../../shared/aws/instrument';
import { STAGES } from '../../../../shared/observability/metric-names';
import { MetricUnit, metrics, traceStage, tracer } from '../../../../shared/observability/telemetry';

/**
 * The X-Ray side of telemetry: each pipeline stage is its own subsegment, annotated (tenant, model, prompt
 * version) and closed, with the stage's latency metric; every AWS SDK client is captured by the tracer and
 * carries the attempt counter. Outside Lambda the tracer is disabled and hands out a throwaway segment, so here
 * a real X-Ray `Segment` stands in for Lambda's facade segment: `getSegment`/`setSegment` are spied to read and
 * write it, as the tracer's provider does on Lambda.
 */

/** What X-Ray would receive for a subsegment (its serialized form). */
interface SubsegmentDocument {
  name: string;
  annotations?: Record<string, string | number | boolean>;
  end_time?: number;
  in_progress?: boolean;
  fault?: boolean;
  cause?: { exceptions?: Array<{ message?: string; type?: string }> };
}

const documentOf = (subsegment: Subsegment): SubsegmentDocument => JSON.parse(subsegment.format()) as SubsegmentDocument;

describe('traceStage', () => {
  let facade: Segment;
  let current: Segment | Subsegment | undefined;
  let addMetric: jest.SpyInstance;

  beforeEach(() => {
    facade = new Segment('rag-test');
    current = facade;
    jest.spyOn(tracer, 'getSegment').mockImplementation(() => current);
    jest.spyOn(tracer, 'setSegment').mockImplementation((segment) => {
      current = segment;
    });
    addMetric = jest.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const children = (): Subsegment[] => facade.subsegments ?? [];

  it.each(STAGES)('runs %s in its own subsegment "## <stage>", annotated, closed, and timed', async (stage) => {
    // Act
    let inside: Segment | Subsegment | undefined;
    const result = await traceStage(
      stage,
      async () => {
        inside = tracer.getSegment();
        return 'done';
      },
      { tenant: 'tenant-a', model: 'amazon.nova-lite-v1:0', promptVersion: 'v2', sessionId: undefined },
    );
    // Assess
    expect(result).toBe('done');
    expect(children()).toHaveLength(1);
    const [subsegment] = children();
    if (!subsegment) throw new Error('no subsegment');
    expect(inside).toBe(subsegment);
    const document = documentOf(subsegment);
    expect(document.name).toBe(`## ${stage}`);
    // Undefined values are left out, not annotated as "undefined".
    expect(document.annotations).toEqual({ tenant: 'tenant-a', model: 'amazon.nova-lite-v1:0', promptVersion: 'v2' });
    expect(document.in_progress).toBeUndefined();
    expect(document.end_time).toEqual(expect.any(Number));
    expect(current).toBe(facade);
    expect(addMetric).toHaveBeenCalledWith(`${stage}LatencyMs`, MetricUnit.Milliseconds, expect.any(Number));
  });

  it('marks the subsegment faulty with the error, rethrows it, restores the parent and still records the latency', async () => {
    // Prepare
    const failure = Object.assign(new Error('model down'), { name: 'ServiceUnavailableException' });
    // Act
    const attempt = traceStage(
      'Generate',
      async () => {
        throw failure;
      },
      { tenant: 'tenant-a' },
    );
    // Assess
    await expect(attempt).rejects.toBe(failure);
    const [subsegment] = children();
    if (!subsegment) throw new Error('no subsegment');
    const document = documentOf(subsegment);
    expect(document.fault).toBe(true);
    expect(document.cause?.exceptions?.[0]).toEqual(expect.objectContaining({ message: 'model down', type: 'ServiceUnavailableException' }));
    expect(document.end_time).toEqual(expect.any(Number));
    expect(current).toBe(facade);
    expect(addMetric).toHaveBeenCalledWith('GenerateLatencyMs', MetricUnit.Milliseconds, expect.any(Number));
  });

  it('nests: a stage inside a stage is a subsegment of the outer one', async () => {
    // Act
    await traceStage('Retrieve', () => traceStage('Rerank', async () => 'inner'));
    // Assess
    const [outer] = children();
    expect(outer?.name).toBe('## Retrieve');
    expect(outer?.subsegments?.map((s) => s.name)).toEqual(['## Rerank']);
    expect(current).toBe(facade);
  });

  it('runs the work, and times it, when there is no segment at all', async () => {
    // Prepare
    current = undefined;
    // Act
    const result = await traceStage('Retrieve', async () => 42, { tenant: 'tenant-a' });
    // Assess
    expect(result).toBe(42);
    expect(addMetric).toHaveBeenCalledWith('RetrieveLatencyMs', MetricUnit.Milliseconds, expect.any(Number));
  });
});

describe('instrumentAwsClient', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([
    ['BedrockRuntimeClient', () => new BedrockRuntimeClient({ region: 'us-east-1' })],
    ['DynamoDBClient', () => new DynamoDBClient({ region: 'us-east-1' })],
    ['S3Client', () => new S3Client({ region: 'us-east-1' })],
  ])('has the tracer capture a %s and puts the attempt counter on its stack', (_name, build) => {
    // Prepare
    const capture = jest.spyOn(tracer, 'captureAWSv3Client');
    const client = build();
    expect(client.middlewareStack.identify().some((entry) => entry.startsWith('ragAttemptCounter'))).toBe(false);
    // Act
    const instrumented = instrumentAwsClient(client);
    // Assess
    expect(instrumented).toBe(client);
    expect(capture).toHaveBeenCalledWith(client);
    expect(client.middlewareStack.identify()).toContainEqual(expect.stringMatching(/^ragAttemptCounter - finalizeRequest/));
  });

  it('every AWS SDK client built by the deployed code (functions/, shared/) is built inside instrumentAwsClient(...)', () => {
    // Prepare: the client classes each source file imports from @aws-sdk/client-*, and where it constructs them.
    const root = path.resolve(__dirname, '../../../..');
    const sources = ['functions', 'shared'].flatMap((dir) => tsFiles(path.join(root, dir)));
    const constructions: Array<{ file: string; client: string; wrapped: boolean }> = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      const clients = awsClientImports(text);
      for (const client of clients) {
        for (const match of text.matchAll(new RegExp(`new\\s+${client}\\s*\\(`, 'g'))) {
          const before = text.slice(0, match.index).replace(/\s+$/, '');
          constructions.push({ file: path.relative(root, file), client, wrapped: before.endsWith('instrumentAwsClient(') });
        }
      }
    }
    // Assess: the scan found the clients (a scan that finds nothing proves nothing), and each is instrumented.
    expect(constructions.length).toBeGreaterThanOrEqual(10);
    expect(constructions.filter((c) => !c.wrapped)).toEqual([]);
  });
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Names of the `*Client` classes a file imports from an @aws-sdk/client-* package (value imports). */
function awsClientImports(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-[a-z0-9-]+'/g)) {
    for (const part of (match[1] ?? '').split(',')) {
      const name = part.trim();
      if (/^[A-Za-z0-9]+Client$/.test(name)) names.push(name);
    }
  }
  return names;
}
