import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import { createDynamoDbUsageStore, DynamoDbUsageStore, USAGE_DAY_INDEX, USAGE_TTL_ATTRIBUTE } from '../../../../shared/usage/dynamodb-usage-store';
import { aggregate, describeUsageStoreContract } from '../../../contract/usage-store.contract';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { DynamoDbEmulator, type TableKeySchema } from '../../../emulators/dynamodb-emulator';

/**
 * DynamoDbUsageStore through the real SDK client over HTTP (awsJson1_0) to the DynamoDB emulator, on a table
 * keyed as serverless.yml `UsageTable`: pk (HASH, S) + sk (RANGE, S), GSI `byDay` gsi1pk (HASH, S) + gsi1sk
 * (RANGE, S), projection ALL. The emulator pages Query results every 2 items, so every range read of the
 * contract follows LastEvaluatedKey. tests/moto runs the same contract against moto_server.
 */
const USAGE_TABLE: TableKeySchema = {
  hashKey: 'pk',
  rangeKey: 'sk',
  globalSecondaryIndexes: [{ name: USAGE_DAY_INDEX, hashKey: 'gsi1pk', rangeKey: 'gsi1sk', projection: 'ALL' }],
};
const PAGE_ITEMS = 2;

describe('DynamoDbUsageStore over the DynamoDB wire format (awsJson1_0)', () => {
  useFakeAwsCredentials();
  const emulator = new DynamoDbEmulator({ queryPageItems: PAGE_ITEMS });
  let endpoint = '';
  let tableCounter = 0;
  const clients: DynamoDBClient[] = [];

  beforeAll(async () => {
    endpoint = await emulator.start();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.reset();
  });

  const config = (env: Record<string, string> = {}): AppConfig =>
    loadConfig({ AWS_REGION: 'us-east-1', RAG_DYNAMODB_ENDPOINT: endpoint, RAG_AWS_MAX_ATTEMPTS: '2', RAG_USAGE_RETENTION_DAYS: '30', ...env });

  const newClient = (): DynamoDBClient => {
    const c = config();
    const client = new DynamoDBClient({ ...awsClientOptions(c, endpoint), retryStrategy: fastRetries(c.aws.maxAttempts) });
    clients.push(client);
    return client;
  };

  const freshTable = (): string => {
    tableCounter += 1;
    const tableName = `rag-usage-${tableCounter}`;
    emulator.createTable(tableName, USAGE_TABLE);
    return tableName;
  };

  describeUsageStoreContract('DynamoDbUsageStore (emulated DynamoDB, 2 items a page)', async () => {
    const client = newClient();
    return { store: new DynamoDbUsageStore({ client, tableName: freshTable(), retentionDays: 90 }), cleanup: async () => client.destroy() };
  });

  describe('the requests the adapter sends', () => {
    let tableName: string;
    let store: DynamoDbUsageStore;

    beforeEach(() => {
      tableName = freshTable();
      store = new DynamoDbUsageStore({ client: newClient(), tableName, retentionDays: 30 });
    });

    it('stores a cell with its index keys and TTL, and the day total apart from it (not in the index)', async () => {
      // Act
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'model#1')]);
      // Assess: TTL = the day's start + (retention + 1) days, in epoch seconds
      const expiresAt = { N: String(Date.UTC(2030, 0, 10) / 1000 + 31 * 86_400) };
      expect(emulator.item(tableName, { pk: { S: 'TENANT#tenant-a' }, sk: { S: 'DAY#2030-01-10#FEATURE#query#MODEL#model#1' } })).toEqual({
        pk: { S: 'TENANT#tenant-a' },
        sk: { S: 'DAY#2030-01-10#FEATURE#query#MODEL#model#1' },
        gsi1pk: { S: 'DAY#2030-01-10' },
        gsi1sk: { S: 'TENANT#tenant-a#FEATURE#query#MODEL#model#1' },
        tenant: { S: 'tenant-a' },
        day: { S: '2030-01-10' },
        feature: { S: 'query' },
        modelId: { S: 'model#1' },
        [USAGE_TTL_ATTRIBUTE]: expiresAt,
        calls: { N: '1' },
        inputTokens: { N: '100' },
        outputTokens: { N: '20' },
        costNanoUsd: { N: '1500' },
        unpricedCalls: { N: '1' },
        estimatedCalls: { N: '1' },
        throttles: { N: '2' },
        cacheHits: { N: '1' },
      });
      expect(emulator.item(tableName, { pk: { S: 'TENANT#tenant-a' }, sk: { S: 'TOTAL#2030-01-10' } })).toEqual({
        pk: { S: 'TENANT#tenant-a' },
        sk: { S: 'TOTAL#2030-01-10' },
        tokens: { N: '120' },
        costNanoUsd: { N: '1500' },
        [USAGE_TTL_ATTRIBUTE]: expiresAt,
      });
    });

    it('adds with one UpdateItem per cell and one on the day total (ADD, UPDATED_NEW), and reads the total strongly consistent', async () => {
      // Act
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm1'), aggregate('tenant-a', '2030-01-10', 'query', 'm2')]);
      await store.dayUse('tenant-a', '2030-01-10');
      // Assess
      const updates = emulator.callsOf('UpdateItem').map((call) => call.body);
      expect(updates).toHaveLength(3);
      expect(updates[0]?.UpdateExpression).toMatch(/ ADD calls :calls, inputTokens :inputTokens/);
      expect(updates[2]).toMatchObject({ Key: { pk: { S: 'TENANT#tenant-a' }, sk: { S: 'TOTAL#2030-01-10' } }, ReturnValues: 'UPDATED_NEW' });
      expect(emulator.callsOf('GetItem').map((call) => call.body.ConsistentRead)).toEqual([true]);
    });

    it("reads a tenant's range with Query on the table (pk =, sk BETWEEN) and follows LastEvaluatedKey to the end", async () => {
      // Prepare: 5 cells, so 3 pages of 2
      for (const model of ['m1', 'm2', 'm3', 'm4', 'm5']) await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', model)]);
      // Act
      const rows = await store.aggregates('tenant-a', '2030-01-10', '2030-01-11');
      // Assess
      expect(rows.map((r) => r.modelId)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      const queries = emulator.callsOf('Query').map((call) => call.body);
      expect(queries).toHaveLength(3);
      expect(queries[0]).toEqual({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': { S: 'TENANT#tenant-a' }, ':from': { S: 'DAY#2030-01-10#' }, ':to': { S: 'DAY#2030-01-11#\uffff' } },
      });
      expect(queries[1]?.ExclusiveStartKey).toEqual({ pk: { S: 'TENANT#tenant-a' }, sk: { S: 'DAY#2030-01-10#FEATURE#query#MODEL#m2' } });
      expect(queries[2]?.ExclusiveStartKey).toEqual({ pk: { S: 'TENANT#tenant-a' }, sk: { S: 'DAY#2030-01-10#FEATURE#query#MODEL#m4' } });
    });

    it("reads every tenant's range with one eventually consistent Query of the byDay index per day, each paged to the end", async () => {
      // Prepare: 3 tenants on the first day (2 pages), none on the second
      for (const tenant of ['t-1', 't-2', 't-3']) await store.add(tenant, '2030-01-10', [aggregate(tenant, '2030-01-10', 'query', 'm')]);
      // Act
      const rows = await store.aggregates('*', '2030-01-10', '2030-01-11');
      // Assess
      expect(rows.map((r) => r.tenant)).toEqual(['t-1', 't-2', 't-3']);
      const queries = emulator.callsOf('Query').map((call) => call.body);
      // The days are queried at once, so their requests interleave: compared in sorted order.
      expect(
        queries
          .map((q) => [q.IndexName, (q.ExpressionAttributeValues as Record<string, { S: string }>)[':day']?.S, q.ExclusiveStartKey !== undefined])
          .sort((a, b) => String(a).localeCompare(String(b))),
      ).toEqual([
        [USAGE_DAY_INDEX, 'DAY#2030-01-10', false],
        [USAGE_DAY_INDEX, 'DAY#2030-01-10', true],
        [USAGE_DAY_INDEX, 'DAY#2030-01-11', false],
      ]);
      expect(queries.every((q) => q.ConsistentRead === undefined)).toBe(true);
    });

    it('works through the factory with the production client options', async () => {
      // Act
      const built = createDynamoDbUsageStore(config(), tableName);
      const added = await built.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      // Assess
      expect(added.after).toEqual({ tokens: 120, costUsd: 1.5e-6 });
      await expect(built.aggregates('tenant-a', '2030-01-10', '2030-01-10')).resolves.toHaveLength(1);
    });
  });

  describe('faults', () => {
    it('retries a throttled UpdateItem and then adds once', async () => {
      // Prepare
      const store = new DynamoDbUsageStore({ client: newClient(), tableName: freshTable(), retentionDays: 30 });
      emulator.setFaults({ next: [{ status: 400, code: 'ProvisionedThroughputExceededException' }] });
      // Act
      const added = await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      // Assess
      expect(added).toEqual({ before: { tokens: 0, costUsd: 0 }, after: { tokens: 120, costUsd: 1.5e-6 } });
      expect(emulator.http.requests.map((r) => r.status)).toEqual([400, 200, 200]);
    });

    it('rejects add and aggregates, naming the service error, when the table is missing (the recorder logs and counts it)', async () => {
      // Prepare
      const store = new DynamoDbUsageStore({ client: newClient(), tableName: 'no-such-table', retentionDays: 30 });
      // Act / Assess
      await expect(store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')])).rejects.toThrow(
        /ResourceNotFoundException|not found/,
      );
      await expect(store.aggregates('*', '2030-01-10', '2030-01-10')).rejects.toThrow(/ResourceNotFoundException|not found/);
    });
  });
});
