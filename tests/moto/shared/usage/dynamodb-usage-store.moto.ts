import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbUsageStore, DynamoDbUsageStore, USAGE_DAY_INDEX, USAGE_TTL_ATTRIBUTE } from '../../../../shared/usage/dynamodb-usage-store';
import { aggregate, describeUsageStoreContract } from '../../../contract/usage-store.contract';
import { useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { MOTO_CREDENTIALS, motoClientOptions, motoConfig, motoEndpoint, uniqueName } from '../../harness/moto-env';

/**
 * DynamoDbUsageStore through the real SDK client over HTTP against moto's DynamoDB, on tables created as
 * serverless.yml creates `UsageTable`: pk (HASH, S) + sk (RANGE, S), on-demand, GSI `byDay` on gsi1pk (HASH, S)
 * + gsi1sk (RANGE, S) with projection ALL, TTL on `expiresAt`. Every contract case gets its own table.
 * moto checks what the DynamoDB emulator does not (reserved words in bare attribute names), and runs no TTL
 * deletion, which AWS also delays for days after expiry. moto loses some of many concurrent updates of one item
 * (see UsageStoreContractOptions), so the contract runs its additions one at a time here; the atomicity of
 * concurrent additions rests on DynamoDB's ADD and is exercised against the DynamoDB emulator and SQLite.
 */
describe('DynamoDbUsageStore against moto_server', () => {
  const client = new DynamoDBClient(motoClientOptions());
  const documents = DynamoDBDocumentClient.from(client);

  const createTable = async (): Promise<string> => {
    const tableName = uniqueName('rag-usage');
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: USAGE_DAY_INDEX,
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: USAGE_TTL_ATTRIBUTE, Enabled: true } }));
    return tableName;
  };

  afterAll(() => {
    client.destroy();
  });

  describeUsageStoreContract(
    'DynamoDbUsageStore (moto)',
    async () => {
      const tableName = await createTable();
      return { store: new DynamoDbUsageStore({ client, tableName, retentionDays: 90 }), cleanup: async () => {} };
    },
    { concurrentWrites: false },
  );

  describe('on the table', () => {
    let tableName: string;
    let store: DynamoDbUsageStore;

    beforeEach(async () => {
      tableName = await createTable();
      store = new DynamoDbUsageStore({ client, tableName, retentionDays: 30 });
    });

    it('stores cells with their index keys and the TTL on the table whose TTL attribute is expiresAt', async () => {
      // Act
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'model#1')]);
      // Assess
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'TENANT#tenant-a', sk: 'DAY#2030-01-10#FEATURE#query#MODEL#model#1' } }),
      );
      expect(Item).toMatchObject({
        gsi1pk: 'DAY#2030-01-10',
        gsi1sk: 'TENANT#tenant-a#FEATURE#query#MODEL#model#1',
        day: '2030-01-10',
        [USAGE_TTL_ATTRIBUTE]: Date.UTC(2030, 0, 10) / 1000 + 31 * 86_400,
        costNanoUsd: 1_500,
      });
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: USAGE_TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([[USAGE_DAY_INDEX, 'ALL']]);
    });

    it("follows LastEvaluatedKey across moto's 1 MB pages of one day in the byDay index", async () => {
      // Prepare: 5 padded cells of ~300 KB each on one day (moto pages at 1,000,000 bytes), beside the store's own cells
      for (const n of [1, 2, 3, 4, 5]) {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: `TENANT#t-${n}` },
              sk: { S: 'DAY#2030-01-10#FEATURE#query#MODEL#m' },
              gsi1pk: { S: 'DAY#2030-01-10' },
              gsi1sk: { S: `TENANT#t-${n}#FEATURE#query#MODEL#m` },
              tenant: { S: `t-${n}` },
              day: { S: '2030-01-10' },
              feature: { S: 'query' },
              modelId: { S: 'm' },
              calls: { N: '1' },
              padding: { S: 'x'.repeat(300 * 1024) },
            },
          }),
        );
      }
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      const firstPage = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: USAGE_DAY_INDEX,
          KeyConditionExpression: 'gsi1pk = :day',
          ExpressionAttributeValues: { ':day': { S: 'DAY#2030-01-10' } },
        }),
      );
      // Act
      const rows = await store.aggregates('*', '2030-01-10', '2030-01-10');
      // Assess: moto did cut the first page, and the store read past it
      expect(firstPage.LastEvaluatedKey).toBeDefined();
      expect(rows.map((r) => r.tenant).sort()).toEqual(['t-1', 't-2', 't-3', 't-4', 't-5', 'tenant-a']);
    });

    it('refuses ConsistentRead on the byDay index, as the DynamoDB emulator does', async () => {
      await expect(
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: USAGE_DAY_INDEX,
            KeyConditionExpression: 'gsi1pk = :day',
            ExpressionAttributeValues: { ':day': { S: 'DAY#2030-01-10' } },
            ConsistentRead: true,
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException', message: 'Consistent reads are not supported on global secondary indexes' });
    });
  });

  describe('through the factory', () => {
    // The factory builds its own client from the config; it reads credentials from the environment.
    useFakeAwsCredentials(MOTO_CREDENTIALS);

    it('uses the configured endpoint and the given table', async () => {
      // Prepare
      const tableName = await createTable();
      const store = createDynamoDbUsageStore(motoConfig({ RAG_DYNAMODB_ENDPOINT: motoEndpoint() }), tableName);
      // Act
      const added = await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      // Assess
      expect(added.after).toEqual({ tokens: 120, costUsd: 1.5e-6 });
      await expect(store.dayUse('tenant-a', '2030-01-10')).resolves.toEqual({ tokens: 120, costUsd: 1.5e-6 });
    });
  });
});
