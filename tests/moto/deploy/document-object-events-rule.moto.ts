import { CreateBucketCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3EventSchema } from '../../../functions/ingest/trigger';
import { type S3EventBridgeEvent, s3Event } from '../../../local/watcher';
import { type CfnTemplate, type Json, packageStack } from '../../../scripts/package-stack';
import { callMotoJson } from '../harness/aws-json-client';
import { motoClientOptions, uniqueName } from '../harness/moto-env';

/**
 * The stack's S3 -> EventBridge rule (DocumentObjectEventsRule), taken from the packaged template, on
 * moto's EventBridge with an SQS queue as its target instead of the ingest-trigger Lambda: the events
 * our local watcher builds must match it like the ones S3 sends, and events of another bucket must not.
 * The documents bucket gets the watcher's bucket name, so its events go on the bus unchanged.
 */
const DOCUMENTS_BUCKET = s3Event('Object Created', 'probe', {}).detail.bucket.name;

/** The EventPattern of the template's one EventBridge rule with a pattern, its bucket Ref resolved. */
function documentEventsPattern(template: CfnTemplate, documentsBucket: string): Json {
  const rules = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Events::Rule' && resource.Properties.EventPattern);
  if (rules.length !== 1) throw new Error(`Expected one AWS::Events::Rule with an EventPattern, found ${rules.map(([name]) => name).join(', ') || 'none'}`);
  const resolve = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    if (Object.keys(node).length === 1 && node.Ref === 'DocumentsBucket') return documentsBucket;
    const intrinsic = Object.keys(node).find((key) => key === 'Ref' || key.startsWith('Fn::'));
    if (intrinsic) throw new Error(`The rule's EventPattern holds ${intrinsic} ${JSON.stringify(node[intrinsic])}: resolve it here too`);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
  };
  return resolve((rules[0]?.[1].Properties.EventPattern ?? null) as Json);
}

/** The watcher's event as a PutEvents entry; the awsJson protocol carries Time as epoch seconds. */
function putEventsEntry(event: S3EventBridgeEvent): Record<string, unknown> {
  return {
    Source: event.source,
    DetailType: event['detail-type'],
    Detail: JSON.stringify(event.detail),
    Resources: event.resources,
    Time: Date.parse(event.time) / 1000,
  };
}

function fromBucket(event: S3EventBridgeEvent, bucket: string): S3EventBridgeEvent {
  return { ...event, resources: [`arn:aws:s3:::${bucket}`], detail: { ...event.detail, bucket: { name: bucket } } };
}

interface DeliveredEvent {
  'detail-type': string;
  source: string;
  resources: string[];
  detail: { bucket: { name: string }; object: Record<string, unknown> } & Record<string, unknown>;
}

describe('DocumentObjectEventsRule from the packaged stack, on moto EventBridge', () => {
  const s3 = new S3Client({ ...motoClientOptions(), forcePathStyle: true });
  const ruleName = uniqueName('rag-document-object-events');
  let queueUrl = '';

  beforeAll(async () => {
    const { template, cleanup } = await packageStack();
    let pattern: Json;
    try {
      pattern = documentEventsPattern(template, DOCUMENTS_BUCKET);
    } finally {
      await cleanup();
    }
    ({ QueueUrl: queueUrl } = await callMotoJson<{ QueueUrl: string }>('sqs', 'CreateQueue', { QueueName: uniqueName('rag-ingest-trigger') }));
    const { Attributes } = await callMotoJson<{ Attributes: { QueueArn: string } }>('sqs', 'GetQueueAttributes', {
      QueueUrl: queueUrl,
      AttributeNames: ['QueueArn'],
    });
    await callMotoJson('events', 'PutRule', { Name: ruleName, EventPattern: JSON.stringify(pattern), State: 'ENABLED' });
    await callMotoJson('events', 'PutTargets', { Rule: ruleName, Targets: [{ Id: 'ingest-trigger', Arn: Attributes.QueueArn }] });
  }, 120_000);

  /** Every event waiting in the queue (moto delivers during PutEvents; received messages stay hidden). */
  const drainQueue = async (): Promise<DeliveredEvent[]> => {
    const events: DeliveredEvent[] = [];
    for (;;) {
      const { Messages = [] } = await callMotoJson<{ Messages?: { Body: string }[] }>('sqs', 'ReceiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10 });
      if (Messages.length === 0) return events;
      events.push(...Messages.map((message) => JSON.parse(message.Body) as DeliveredEvent));
    }
  };

  const putEvents = async (events: S3EventBridgeEvent[]): Promise<void> => {
    const out = await callMotoJson<{ FailedEntryCount: number }>('events', 'PutEvents', { Entries: events.map(putEventsEntry) });
    expect(out.FailedEntryCount).toBe(0);
  };

  it("delivers the watcher's Object Created and Object Deleted for the documents bucket, and nothing for another bucket", async () => {
    // Prepare
    await drainQueue();
    const created = s3Event('Object Created', 'tenant-a/My Docs/guide.md', { size: 12, etag: 'abc123' });
    const deleted = s3Event('Object Deleted', 'tenant-a/My Docs/guide.md', {});
    const otherBucket = fromBucket(s3Event('Object Created', 'tenant-a/work/state.json', { size: 3, etag: 'def456' }), 'rag-state');
    // Act
    await putEvents([created, deleted, otherBucket]);
    // Assess
    const delivered = await drainQueue();
    expect(delivered.map((event) => event['detail-type'])).toEqual(['Object Created', 'Object Deleted']);
    expect(delivered.map((event) => event.detail)).toEqual([created.detail, deleted.detail]);
    expect(delivered.every((event) => event.source === 'aws.s3' && event.resources[0] === `arn:aws:s3:::${DOCUMENTS_BUCKET}`)).toBe(true);
  });

  it('delivers no other S3 event type from the documents bucket', async () => {
    // Prepare: an event S3 also sends for the bucket, which must not start an ingestion, beside one that must.
    await drainQueue();
    const created = s3Event('Object Created', 'tenant-a/docs/a.md', { size: 1, etag: 'x' });
    const tagged = { ...created, 'detail-type': 'Object Tags Added' } as unknown as S3EventBridgeEvent;
    // Act
    await putEvents([tagged, created]);
    // Assess
    expect((await drainQueue()).map((event) => event['detail-type'])).toEqual(['Object Created']);
  });

  it("delivers S3's own events for the documents bucket, which the ingest trigger's schema accepts like the watcher's", async () => {
    // Prepare: moto's S3 emits EventBridge events for buckets that enable them, as the stack's bucket does.
    await drainQueue();
    const stateBucket = uniqueName('rag-state');
    for (const bucket of [DOCUMENTS_BUCKET, stateBucket]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    }
    const key = 'tenant-a/docs/guide.md';
    // Act
    await s3.send(new PutObjectCommand({ Bucket: DOCUMENTS_BUCKET, Key: key, Body: 'hello' }));
    await s3.send(new PutObjectCommand({ Bucket: stateBucket, Key: key, Body: 'state' }));
    await s3.send(new DeleteObjectCommand({ Bucket: DOCUMENTS_BUCKET, Key: key }));
    // Assess
    const delivered = await drainQueue();
    expect(delivered.map((event) => [event['detail-type'], event.detail.bucket.name, event.detail.object.key])).toEqual([
      ['Object Created', DOCUMENTS_BUCKET, key],
      ['Object Deleted', DOCUMENTS_BUCKET, key],
    ]);
    const watcherEvent = s3Event('Object Created', key, { size: 5, etag: 'e' });
    for (const event of [...delivered, watcherEvent]) expect(s3EventSchema.safeParse(event).success).toBe(true);
    expect(Object.keys(delivered[0] ?? {})).toEqual(expect.arrayContaining(Object.keys(watcherEvent).filter((field) => field !== 'id')));
    expect(delivered[0]?.detail.object).toMatchObject({ key: watcherEvent.detail.object.key, size: 5 });
  });
});
