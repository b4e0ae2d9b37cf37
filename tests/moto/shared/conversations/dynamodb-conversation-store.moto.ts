import { CreateTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionTurn } from '../../../../shared/contracts/sessions';
import {
  createDynamoDbConversationStore,
  DYNAMODB_TTL_ATTRIBUTE,
  DynamoDbConversationStore,
  generationItemKey,
  sessionItemKey,
} from '../../../../shared/conversations/dynamodb-conversation-store';
import { ConfigurationError, DependencyUnavailableError } from '../../../../shared/errors';
import { describeConversationStoreContract } from '../../../contract/conversation-store.contract';
import { useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { MOTO_CREDENTIALS, motoClientOptions, motoConfig, motoEndpoint, uniqueName } from '../../harness/moto-env';

/**
 * DynamoDbConversationStore through the real SDK client over HTTP against moto's DynamoDB, on tables
 * created as the stack creates them: key pk (HASH, S) + sk (RANGE, S), on-demand, TTL on `ttl`.
 * Every contract case gets its own table. moto keeps expired items (it runs no TTL deletion), which is
 * what AWS does for up to days after expiry, so these cases prove the store's own expiry checks.
 */
describe('DynamoDbConversationStore against moto_server', () => {
  const client = new DynamoDBClient(motoClientOptions());
  const documents = DynamoDBDocumentClient.from(client);
  const turn = (n: number): SessionTurn => ({
    requestId: `req-${n}`,
    question: `q${n}`,
    answer: `a${n}`,
    citedDocumentIds: [],
    at: '2030-01-01T00:00:00.000Z',
  });

  const createTable = async (): Promise<string> => {
    const tableName = uniqueName('rag-conversations');
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: DYNAMODB_TTL_ATTRIBUTE, Enabled: true } }));
    return tableName;
  };

  describeConversationStoreContract('DynamoDbConversationStore (moto)', async ({ maxTurns, now }) => {
    const tableName = await createTable();
    return { store: new DynamoDbConversationStore({ client, tableName, maxTurns, now }), cleanup: async () => {} };
  });

  describe('on the table', () => {
    let tableName: string;
    let nowMs: number;
    let store: DynamoDbConversationStore;

    beforeEach(async () => {
      tableName = await createTable();
      nowMs = Date.UTC(2030, 0, 1, 12);
      store = new DynamoDbConversationStore({ client, tableName, maxTurns: 3, now: () => nowMs });
    });

    it('stores one item per session with the turns, a version and the TTL in epoch seconds', async () => {
      // Act
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 61.5);
      await store.appendTurn('tenant-a', 'session-0001', turn(2), 61.5);
      // Assess
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: sessionItemKey('tenant-a', 'session-0001') }));
      expect(Item).toMatchObject({
        pk: 'TENANT#tenant-a#SESSION#session-0001',
        sk: 'SESSION',
        tenant: 'tenant-a',
        sessionId: 'session-0001',
        version: 2,
        expiresAtMs: nowMs + 61_500,
        // Rounded up: the service never deletes an item the store still serves.
        [DYNAMODB_TTL_ATTRIBUTE]: Math.ceil((nowMs + 61_500) / 1000),
      });
      expect(JSON.parse(Item?.turns as string)).toEqual([turn(1), turn(2)]);
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: DYNAMODB_TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
    });

    it('ignores an expired session the table still holds, as DynamoDB holds it until TTL deletion runs', async () => {
      // Prepare
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
      nowMs += 60_000;
      // Act
      const read = await store.getSession('tenant-a', 'session-0001');
      // Assess
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: sessionItemKey('tenant-a', 'session-0001') }));
      expect(Item).toBeDefined();
      expect(read).toBeUndefined();
    });

    it("does not serve an item under a tenant's key whose stored tenant differs", async () => {
      // Prepare: an item at tenant-a's key that claims tenant-b, as a key bug would write it
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...sessionItemKey('tenant-a', 'session-0001'),
            tenant: 'tenant-b',
            sessionId: 'session-0001',
            createdAt: new Date(nowMs).toISOString(),
            updatedAt: new Date(nowMs).toISOString(),
            expiresAtMs: nowMs + 3600_000,
            turns: JSON.stringify([turn(1)]),
            version: 1,
          },
        }),
      );
      await documents.send(new PutCommand({ TableName: tableName, Item: { ...generationItemKey('tenant-a'), tenant: 'tenant-b', generation: 7 } }));
      // Act / Assess
      await expect(store.getSession('tenant-a', 'session-0001')).resolves.toBeUndefined();
      await expect(store.indexGeneration('tenant-a')).resolves.toBe(0);
    });

    it('keeps a session of two 200 KiB turns under the 400 KB item limit by dropping the older turn', async () => {
      // Prepare: moto refuses items over 400 KB as DynamoDB does
      const big = (n: number): SessionTurn => ({ ...turn(n), answer: String(n).repeat(200 * 1024) });
      await store.appendTurn('tenant-a', 'session-0001', big(1), 60);
      // Act
      await store.appendTurn('tenant-a', 'session-0001', big(2), 60);
      // Assess
      expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([big(2)]);
    });

    it('maps a missing table to DependencyUnavailableError naming the service error', async () => {
      // Prepare
      const missing = new DynamoDbConversationStore({ client, tableName: uniqueName('missing-table'), maxTurns: 3 });
      // Act
      const attempt = missing.getSession('tenant-a', 'session-0001');
      // Assess
      await expect(attempt).rejects.toThrow(DependencyUnavailableError);
      await expect(attempt).rejects.toThrow(/ResourceNotFoundException/);
    });

    it('maps an item that does not fit the table key schema to DependencyUnavailableError, not a 400', async () => {
      // Prepare: a table keyed by `id` alone, as a mis-deployed stack would have
      const wrongTable = uniqueName('rag-wrong-schema');
      await client.send(
        new CreateTableCommand({
          TableName: wrongTable,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const misdeployed = new DynamoDbConversationStore({ client, tableName: wrongTable, maxTurns: 3 });
      // Act
      const attempt = misdeployed.bumpIndexGeneration('tenant-a');
      // Assess
      await expect(attempt).rejects.toThrow(DependencyUnavailableError);
      await expect(attempt).rejects.toMatchObject({ status: 503 });
    });

    it('rejects a table name DynamoDB would not accept, naming the variable', () => {
      expect(() => new DynamoDbConversationStore({ client, tableName: 'no spaces allowed', maxTurns: 3 })).toThrow(ConfigurationError);
      expect(() => new DynamoDbConversationStore({ client, tableName: 'no spaces allowed', maxTurns: 3 })).toThrow(/RAG_CONVERSATIONS_TABLE/);
    });
  });

  describe('through the factory', () => {
    // The factory builds its own client from the config; it reads credentials from the environment.
    useFakeAwsCredentials(MOTO_CREDENTIALS);

    it('uses the given endpoint and table', async () => {
      // Prepare
      const tableName = await createTable();
      const store = createDynamoDbConversationStore(motoConfig(), { tableName, endpoint: motoEndpoint(), maxTurns: 2 });
      // Act
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
      const generation = await store.bumpIndexGeneration('tenant-a');
      // Assess
      expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([turn(1)]);
      expect(generation).toBe(1);
    });
  });
});
