import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import type { SessionTurn } from '../../../../shared/contracts/sessions';
import {
  answerItemKey,
  createDynamoDbConversationStore,
  DYNAMODB_TTL_ATTRIBUTE,
  DynamoDbConversationStore,
  generationItemKey,
  sessionItemKey,
} from '../../../../shared/conversations/dynamodb-conversation-store';
import { DependencyUnavailableError, ThrottlingError } from '../../../../shared/errors';
import { describeConversationStoreContract } from '../../../contract/conversation-store.contract';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { type AttributeMap, DynamoDbEmulator, itemBytes, MAX_ITEM_BYTES, QUERY_PAGE_BYTES } from '../../../emulators/dynamodb-emulator';

/**
 * DynamoDbConversationStore through the real SDK client over HTTP (awsJson1_0) to the DynamoDB
 * emulator, on tables keyed as the stack creates them: pk (HASH, S) + sk (RANGE, S). Runs with Node
 * only; tests/moto runs the same contract against moto_server.
 */
const turn = (n: number): SessionTurn => ({ requestId: `req-${n}`, question: `q${n}`, answer: `a${n}`, citedDocumentIds: [], at: '2030-01-01T00:00:00.000Z' });
const KEY = 'c'.repeat(64);
const wireKey = (key: { pk: string; sk: string }): AttributeMap => ({ pk: { S: key.pk }, sk: { S: key.sk } });

describe('DynamoDbConversationStore over the DynamoDB wire format (awsJson1_0)', () => {
  useFakeAwsCredentials();
  const emulator = new DynamoDbEmulator();
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
    loadConfig({
      AWS_REGION: 'us-east-1',
      RAG_CONVERSATION_STORE: 'dynamodb',
      RAG_CONVERSATIONS_TABLE: 'rag-conversations',
      RAG_DYNAMODB_ENDPOINT: endpoint,
      RAG_AWS_MAX_ATTEMPTS: '2',
      ...env,
    });

  /** A real SDK client on the emulator, retrying with the configured attempts and 1 ms delays. */
  const newClient = (): DynamoDBClient => {
    const c = config();
    const client = new DynamoDBClient({ ...awsClientOptions(c, endpoint), retryStrategy: fastRetries(c.aws.maxAttempts) });
    clients.push(client);
    return client;
  };

  const freshTable = (): string => {
    tableCounter += 1;
    const tableName = `rag-conversations-${tableCounter}`;
    emulator.createTable(tableName, { hashKey: 'pk', rangeKey: 'sk' });
    return tableName;
  };

  describeConversationStoreContract('DynamoDbConversationStore (emulated DynamoDB)', async ({ maxTurns, now }) => {
    const client = newClient();
    return { store: new DynamoDbConversationStore({ client, tableName: freshTable(), maxTurns, now }), cleanup: async () => client.destroy() };
  });

  describe('the requests the adapter sends', () => {
    let tableName: string;
    let nowMs: number;
    let store: DynamoDbConversationStore;

    beforeEach(() => {
      tableName = freshTable();
      nowMs = Date.UTC(2030, 0, 1, 12);
      store = new DynamoDbConversationStore({ client: newClient(), tableName, maxTurns: 3, now: () => nowMs });
    });

    it('stores a session as one item of typed attributes, with the TTL in epoch seconds rounded up', async () => {
      // Act
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 61.5);
      // Assess
      const item = emulator.item(tableName, wireKey(sessionItemKey('tenant-a', 'session-0001')));
      expect(item).toEqual({
        pk: { S: 'TENANT#tenant-a#SESSION#session-0001' },
        sk: { S: 'SESSION' },
        tenant: { S: 'tenant-a' },
        sessionId: { S: 'session-0001' },
        createdAt: { S: new Date(nowMs).toISOString() },
        updatedAt: { S: new Date(nowMs).toISOString() },
        expiresAtMs: { N: String(nowMs + 61_500) },
        [DYNAMODB_TTL_ATTRIBUTE]: { N: String(Math.ceil((nowMs + 61_500) / 1000)) },
        turns: { S: JSON.stringify([turn(1)]) },
        version: { N: '1' },
      });
      expect(emulator.callsOf('PutItem')[0]?.body).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)' });
    });

    it('reads sessions and generations strongly consistent and cached answers eventually consistent', async () => {
      // Act
      await store.getSession('tenant-a', 'session-0001');
      await store.indexGeneration('tenant-a');
      await store.getCached('tenant-a', KEY);
      // Assess
      expect(emulator.callsOf('GetItem').map((call) => call.body.ConsistentRead)).toEqual([true, true, undefined]);
      expect(emulator.callsOf('GetItem')[2]?.body.Key).toEqual(wireKey(answerItemKey('tenant-a', KEY)));
    });

    it('bumps the generation with one UpdateItem: ADD from 0, SET the tenant, UPDATED_NEW', async () => {
      // Act
      const first = await store.bumpIndexGeneration('tenant-a');
      const second = await store.bumpIndexGeneration('tenant-a');
      // Assess
      expect([first, second]).toEqual([1, 2]);
      expect(emulator.item(tableName, wireKey(generationItemKey('tenant-a')))).toEqual({
        ...wireKey(generationItemKey('tenant-a')),
        generation: { N: '2' },
        tenant: { S: 'tenant-a' },
      });
      expect(emulator.callsOf('UpdateItem')[0]?.body).toMatchObject({
        UpdateExpression: 'ADD #generation :one SET #tenant = :tenant',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':tenant': { S: 'tenant-a' } },
        ReturnValues: 'UPDATED_NEW',
      });
    });

    it('retries an append whose version changed between its read and its write, then lands on the newer version', async () => {
      // Prepare: another writer moves the version just before the store's next conditional write lands
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 3600);
      const key = wireKey(sessionItemKey('tenant-a', 'session-0001'));
      let raced = false;
      emulator.onCall = (call) => {
        if (call.operation !== 'PutItem' || raced) return;
        raced = true;
        emulator.seedItem(tableName, { ...(emulator.item(tableName, key) as AttributeMap), version: { N: '5' } });
      };
      // Act
      await store.appendTurn('tenant-a', 'session-0001', turn(2), 3600);
      // Assess
      const puts = emulator.callsOf('PutItem').slice(1);
      expect(puts.map((call) => call.body.ExpressionAttributeValues)).toEqual([{ ':read': { N: '1' } }, { ':read': { N: '5' } }]);
      expect(emulator.http.requests.filter((r) => r.status === 400)).toHaveLength(1);
      expect(emulator.item(tableName, key)?.version).toEqual({ N: '6' });
      expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([turn(1), turn(2)]);
    });

    it('gives up with DependencyUnavailableError when the version keeps changing for maxWriteAttempts', async () => {
      // Prepare
      const impatient = new DynamoDbConversationStore({ client: newClient(), tableName, maxTurns: 3, maxWriteAttempts: 2, now: () => nowMs });
      await impatient.appendTurn('tenant-a', 'session-0001', turn(1), 3600);
      const key = wireKey(sessionItemKey('tenant-a', 'session-0001'));
      let version = 10;
      emulator.onCall = (call) => {
        if (call.operation !== 'PutItem') return;
        version += 1;
        emulator.seedItem(tableName, { ...(emulator.item(tableName, key) as AttributeMap), version: { N: String(version) } });
      };
      // Act
      const attempt = impatient.appendTurn('tenant-a', 'session-0001', turn(2), 3600);
      // Assess
      await expect(attempt).rejects.toThrow(DependencyUnavailableError);
      await expect(attempt).rejects.toThrow(/kept changing during 2 attempts/);
      expect(emulator.callsOf('PutItem')).toHaveLength(3);
    });

    it('deletes with one DeleteItem that returns the old item (ALL_OLD)', async () => {
      // Prepare
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 3600);
      // Act
      const deleted = await store.deleteSession('tenant-a', 'session-0001');
      // Assess
      expect(deleted).toBe(true);
      expect(emulator.callsOf('DeleteItem').map((call) => call.body)).toEqual([
        { TableName: tableName, Key: wireKey(sessionItemKey('tenant-a', 'session-0001')), ReturnValues: 'ALL_OLD' },
      ]);
      expect(emulator.item(tableName, wireKey(sessionItemKey('tenant-a', 'session-0001')))).toBeUndefined();
    });

    it('works through the factory with the production client options', async () => {
      // Act
      const built = createDynamoDbConversationStore(config(), { tableName, endpoint, maxTurns: 2 });
      await built.appendTurn('tenant-a', 'session-0001', turn(1), 60);
      const generation = await built.bumpIndexGeneration('tenant-a');
      // Assess
      expect((await built.getSession('tenant-a', 'session-0001'))?.turns).toEqual([turn(1)]);
      expect(generation).toBe(1);
    });
  });

  describe('faults', () => {
    let store: DynamoDbConversationStore;

    beforeEach(() => {
      store = new DynamoDbConversationStore({ client: newClient(), tableName: freshTable(), maxTurns: 3 });
    });

    it('retries a throttled request and then succeeds', async () => {
      // Prepare
      emulator.setFaults({ next: [{ status: 400, code: 'ProvisionedThroughputExceededException' }] });
      // Act
      const generation = await store.bumpIndexGeneration('tenant-a');
      // Assess
      expect(generation).toBe(1);
      expect(emulator.http.requests.map((r) => r.status)).toEqual([400, 200]);
    });

    it('surfaces ThrottlingError when throttling outlasts the retries', async () => {
      // Prepare: as many throttles as the client has attempts (RAG_AWS_MAX_ATTEMPTS=2)
      emulator.setFaults({
        next: [
          { status: 400, code: 'ProvisionedThroughputExceededException' },
          { status: 400, code: 'ThrottlingException' },
        ],
      });
      // Act
      const attempt = store.bumpIndexGeneration('tenant-a');
      // Assess
      await expect(attempt).rejects.toThrow(ThrottlingError);
      expect(emulator.http.requests.map((r) => r.status)).toEqual([400, 400]);
      expect(emulator.callsOf('UpdateItem')).toHaveLength(0);
    });

    it('surfaces DependencyUnavailableError when 5xx outlasts the retries', async () => {
      // Prepare
      emulator.setFaults({
        next: [
          { status: 500, code: 'InternalServerError' },
          { status: 503, code: 'ServiceUnavailable' },
        ],
      });
      // Act / Assess
      await expect(store.getSession('tenant-a', 'session-0001')).rejects.toThrow(DependencyUnavailableError);
    });
  });

  describe('the rules the emulator enforces', () => {
    let tableName: string;
    let client: DynamoDBClient;
    let documents: DynamoDBDocumentClient;

    beforeEach(() => {
      tableName = freshTable();
      client = newClient();
      documents = DynamoDBDocumentClient.from(client);
    });

    describe('the table must exist', () => {
      it('answers ResourceNotFoundException, which the adapter reports as DependencyUnavailableError', async () => {
        // Prepare
        const store = new DynamoDbConversationStore({ client, tableName: 'no-such-table', maxTurns: 3 });
        // Act / Assess: the SDK's own error, then the adapter's mapping of it
        const raw = documents.send(new GetCommand({ TableName: 'no-such-table', Key: { pk: 'p', sk: 's' } }));
        await expect(raw).rejects.toMatchObject({
          name: 'ResourceNotFoundException',
          message: 'Requested resource not found',
          $metadata: { httpStatusCode: 400 },
        });
        const mapped = store.getSession('tenant-a', 'session-0001');
        await expect(mapped).rejects.toThrow(DependencyUnavailableError);
        await expect(mapped).rejects.toThrow(/ResourceNotFoundException/);
      });
    });

    describe('keys must match the key schema', () => {
      it.each([
        ['a key without the sort key', { pk: { S: 'p' } }],
        ['a key with an extra attribute', { pk: { S: 'p' }, sk: { S: 's' }, other: { S: 'x' } }],
        ['a key of the wrong type', { pk: { N: '1' }, sk: { S: 's' } }],
        ['a key on other attributes', { id: { S: 'p' }, sk: { S: 's' } }],
      ])('refuses %s in GetItem with ValidationException', async (_title, Key) => {
        await expect(client.send(new GetItemCommand({ TableName: tableName, Key: Key as Record<string, AttributeValue> }))).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'The provided key element does not match the schema',
        });
      });

      it.each([
        ['without its sort key', { pk: { S: 'p' }, data: { S: 'x' } }, 'One or more parameter values were invalid: Missing the key sk in the item'],
        [
          'with a key of the wrong type',
          { pk: { S: 'p' }, sk: { N: '1' } },
          'One or more parameter values were invalid: Type mismatch for key sk expected: S actual: N',
        ],
        [
          'with an empty string key',
          { pk: { S: '' }, sk: { S: 's' } },
          'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
        ],
      ])('refuses an item %s in PutItem and writes nothing', async (_title, Item, message) => {
        await expect(client.send(new PutItemCommand({ TableName: tableName, Item: Item as Record<string, AttributeValue> }))).rejects.toMatchObject({
          name: 'ValidationException',
          message,
        });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })).toBeUndefined();
      });

      it('is reported by the adapter as DependencyUnavailableError (503), a deployment fault rather than the caller’s', async () => {
        // Prepare: a table keyed by `id` alone, as a mis-deployed stack would have
        emulator.createTable('rag-wrong-schema', { hashKey: 'id' });
        const store = new DynamoDbConversationStore({ client, tableName: 'rag-wrong-schema', maxTurns: 3 });
        // Act
        const attempt = store.bumpIndexGeneration('tenant-a');
        // Assess
        await expect(attempt).rejects.toThrow(DependencyUnavailableError);
        await expect(attempt).rejects.toMatchObject({ status: 503 });
      });

      it('refuses an update of a key attribute', async () => {
        await expect(
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: 'p', sk: 's' },
              UpdateExpression: 'SET #sk = :v',
              ExpressionAttributeNames: { '#sk': 'sk' },
              ExpressionAttributeValues: { ':v': 'other' },
            }),
          ),
        ).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key',
        });
      });
    });

    describe(`items must not exceed 400 KB (${MAX_ITEM_BYTES} bytes of names and values)`, () => {
      // The names and values around `data`: "pk" + "p", "sk" + "s", "data" = 10 bytes.
      const OVERHEAD = itemBytes({ pk: { S: 'p' }, sk: { S: 's' }, data: { S: '' } });
      const withData = (bytes: number) => ({ pk: 'p', sk: 's', data: 'x'.repeat(bytes - OVERHEAD) });

      it('accepts an item of exactly 400 KB and refuses one byte more', async () => {
        // Act
        await documents.send(new PutCommand({ TableName: tableName, Item: withData(MAX_ITEM_BYTES) }));
        const over = documents.send(new PutCommand({ TableName: tableName, Item: { ...withData(MAX_ITEM_BYTES + 1), sk: 's2' } }));
        // Assess
        await expect(over).rejects.toMatchObject({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })?.data?.S).toHaveLength(MAX_ITEM_BYTES - OVERHEAD);
        expect(OVERHEAD).toBe(10);
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's2' } })).toBeUndefined();
      });

      it('refuses an update that would grow the item past 400 KB and keeps the item', async () => {
        // Prepare
        await documents.send(new PutCommand({ TableName: tableName, Item: withData(MAX_ITEM_BYTES - 10) }));
        // Act
        const grow = documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: 'p', sk: 's' },
            UpdateExpression: 'SET extra = :v',
            ExpressionAttributeValues: { ':v': 'x'.repeat(20) },
          }),
        );
        // Assess
        await expect(grow).rejects.toMatchObject({ name: 'ValidationException', message: 'Item size to update has exceeded the maximum allowed size' });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })?.extra).toBeUndefined();
      });
    });

    describe('conditions decide the write (ConditionalCheckFailedException)', () => {
      const put = (ConditionExpression: string, names?: Record<string, string>, values?: Record<string, unknown>) =>
        documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: 'p', sk: 's', version: 2 },
            ConditionExpression,
            ...(names ? { ExpressionAttributeNames: names } : {}),
            ...(values ? { ExpressionAttributeValues: values } : {}),
          }),
        );
      const failed = { name: 'ConditionalCheckFailedException', message: 'The conditional request failed' };

      it('attribute_not_exists passes for a new item and fails for an existing one, which stays unchanged', async () => {
        // Act
        await put('attribute_not_exists(pk)');
        await documents.send(
          new UpdateCommand({ TableName: tableName, Key: { pk: 'p', sk: 's' }, UpdateExpression: 'SET version = :v', ExpressionAttributeValues: { ':v': 1 } }),
        );
        const second = put('attribute_not_exists(pk)');
        // Assess
        await expect(second).rejects.toMatchObject(failed);
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })?.version).toEqual({ N: '1' });
      });

      it('attribute_exists fails for a missing item', async () => {
        await expect(put('attribute_exists(pk)')).rejects.toMatchObject(failed);
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })).toBeUndefined();
      });

      it('= compares numbers as numbers, and fails on another value or a missing attribute', async () => {
        // Prepare
        emulator.seedItem(tableName, { pk: { S: 'p' }, sk: { S: 's' }, version: { N: '1.0' } });
        // Act / Assess: one request at a time, the last one over the stored 1.0
        await expect(put('#version = :read', { '#version': 'version' }, { ':read': 7 })).rejects.toMatchObject(failed);
        await expect(put('#other = :read', { '#other': 'other' }, { ':read': 1 })).rejects.toMatchObject(failed);
        await expect(put('#version = :read', { '#version': 'version' }, { ':read': 1 })).resolves.toBeDefined();
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })?.version).toEqual({ N: '2' });
      });
    });

    describe('expressions are substituted strictly and unknown forms are refused, never ignored', () => {
      it.each([
        [
          'an undefined #name',
          { ConditionExpression: '#v = :v', ExpressionAttributeValues: { ':v': { N: '1' } } },
          'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #v',
        ],
        [
          'an undefined :value',
          { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' } },
          'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v',
        ],
        [
          'an unused :value',
          { ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':unused': { N: '1' } } },
          'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
        ],
        [
          'an unused #name',
          { ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeNames: { '#unused': 'x' } },
          'Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}',
        ],
        [
          'substitutions without an expression',
          { ExpressionAttributeValues: { ':v': { N: '1' } } },
          'Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}',
        ],
        ['an empty expression', { ConditionExpression: ' ' }, 'Invalid ConditionExpression: The expression can not be empty;'],
        ['a syntax error', { ConditionExpression: 'attribute_not_exists(pk' }, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "pk"'],
        [
          'a function name in the wrong case',
          { ConditionExpression: 'Attribute_Not_Exists(pk)' },
          'Invalid ConditionExpression: Syntax error; token: "Attribute_Not_Exists", near: "Attribute_Not_Exists"',
        ],
      ])('refuses %s with ValidationException', async (_title, parameters, message) => {
        await expect(client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'p' }, sk: { S: 's' } }, ...parameters }))).rejects.toMatchObject({
          name: 'ValidationException',
          message,
        });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })).toBeUndefined();
      });

      it.each([
        ['AND', 'attribute_not_exists(pk) AND attribute_not_exists(sk)'],
        ['another comparator', 'pk <> :v'],
        ['another function', 'begins_with(pk, :v)'],
        ['a nested path', 'attribute_not_exists(data.inner)'],
      ])('answers a ConditionExpression with %s as not implemented', async (_title, ConditionExpression) => {
        const values = ConditionExpression.includes(':v') ? { ExpressionAttributeValues: { ':v': { S: 'p' } } } : {};
        await expect(
          client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'p' }, sk: { S: 's' } }, ConditionExpression, ...values })),
        ).rejects.toMatchObject({
          name: 'NotImplementedByEmulatorException',
        });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })).toBeUndefined();
      });

      it.each([
        ['REMOVE', 'REMOVE data', {}],
        ['arithmetic', 'SET n = :v + :v', { ':v': { N: '1' } }],
        ['if_not_exists', 'SET n = if_not_exists(n, :v)', { ':v': { N: '1' } }],
        ['ADD on a set', 'ADD tags :v', { ':v': { SS: ['a'] } }],
      ])('answers an UpdateExpression with %s as not implemented', async (_title, UpdateExpression, values) => {
        await expect(
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { pk: { S: 'p' }, sk: { S: 's' } },
              UpdateExpression,
              ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
            }),
          ),
        ).rejects.toMatchObject({ name: 'NotImplementedByEmulatorException' });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })).toBeUndefined();
      });

      it.each([
        ['ADD of a string', 'ADD n :v', { ':v': { S: 'one' } }, /incorrect data type; operator: ADD, operand type: S$/],
        ['a clause given twice', 'SET a = :v SET b = :v', { ':v': { N: '1' } }, /The "SET" section can only be used once/],
        [
          'one attribute in two actions',
          'SET a = :v ADD a :v',
          { ':v': { N: '1' } },
          /Two document paths overlap with each other.*path one: \[a\], path two: \[a\]/,
        ],
      ])('refuses an UpdateExpression with %s with ValidationException', async (_title, UpdateExpression, values, message) => {
        await expect(
          client.send(
            new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: 'p' }, sk: { S: 's' } }, UpdateExpression, ExpressionAttributeValues: values }),
          ),
        ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(message) });
      });

      it('refuses ADD onto an attribute that is not a number', async () => {
        // Prepare
        emulator.seedItem(tableName, { pk: { S: 'p' }, sk: { S: 's' }, n: { S: 'text' } });
        // Act
        const add = documents.send(
          new UpdateCommand({ TableName: tableName, Key: { pk: 'p', sk: 's' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } }),
        );
        // Assess
        await expect(add).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/^Type mismatch for attribute to update/) });
        expect(emulator.item(tableName, { pk: { S: 'p' }, sk: { S: 's' } })?.n).toEqual({ S: 'text' });
      });

      it('adds decimals exactly (no floating point) and returns ALL_OLD and ALL_NEW as asked', async () => {
        // Prepare
        emulator.seedItem(tableName, { pk: { S: 'p' }, sk: { S: 's' }, n: { N: '0.1' } });
        const add = (ReturnValues: 'ALL_OLD' | 'ALL_NEW') =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { pk: { S: 'p' }, sk: { S: 's' } },
              UpdateExpression: 'ADD n :v',
              ExpressionAttributeValues: { ':v': { N: '0.2' } },
              ReturnValues,
            }),
          );
        // Act
        const old = await add('ALL_OLD');
        const fresh = await add('ALL_NEW');
        // Assess
        expect(old.Attributes).toEqual({ pk: { S: 'p' }, sk: { S: 's' }, n: { N: '0.1' } });
        expect(fresh.Attributes).toEqual({ pk: { S: 'p' }, sk: { S: 's' }, n: { N: '0.5' } });
      });
    });

    describe('operations and parameters outside what the adapter sends are refused', () => {
      it('answers a GetItem with ProjectionExpression as not implemented', async () => {
        await expect(
          client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'p' }, sk: { S: 's' } }, ProjectionExpression: 'pk' })),
        ).rejects.toMatchObject({ name: 'NotImplementedByEmulatorException', message: expect.stringContaining('GetItem with ProjectionExpression') });
      });

      it('refuses ReturnValues other than NONE and ALL_OLD on DeleteItem', async () => {
        await expect(documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'p', sk: 's' }, ReturnValues: 'ALL_NEW' }))).rejects.toMatchObject({
          name: 'ValidationException',
        });
      });
    });

    describe('Query (what the usage store reads), and only that', () => {
      const INDEX = 'byDay';
      let paged: DynamoDbEmulator;
      let pagedClient: DynamoDBClient;

      beforeAll(async () => {
        // Its own emulator, paging every 2 items: the shared one pages at 1 MB only.
        paged = new DynamoDbEmulator({ queryPageItems: 2 });
        const pagedEndpoint = await paged.start();
        const c = config();
        pagedClient = new DynamoDBClient({ ...awsClientOptions(c, pagedEndpoint), retryStrategy: fastRetries(c.aws.maxAttempts) });
      });
      afterAll(async () => {
        pagedClient.destroy();
        await paged.stop();
      });
      beforeEach(() => {
        paged.reset();
      });

      const withIndex = (target: DynamoDbEmulator, name: string): void =>
        target.createTable(name, { hashKey: 'pk', rangeKey: 'sk', globalSecondaryIndexes: [{ name: INDEX, hashKey: 'gsi1pk', rangeKey: 'gsi1sk' }] });
      const item = (pk: string, sk: string, extra: AttributeMap = {}): AttributeMap => ({ pk: { S: pk }, sk: { S: sk }, ...extra });
      const byPartition = (pk: string, extra: Partial<QueryCommandInput> = {}): QueryCommandInput => ({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ...extra,
      });
      const sortKeys = (items: Record<string, AttributeValue>[] | undefined): (string | undefined)[] => (items ?? []).map((i) => i.sk?.S);

      it('returns one partition in the UTF-8 byte order of its sort key (not JavaScript’s UTF-16 order), and no other partition', async () => {
        // Prepare: U+FFFF is EF BF BF in UTF-8, U+1F600 is F0 9F 98 80, though its UTF-16 (D83D ...) sorts first
        for (const sk of ['\u{1F600}', '\uffff', 'b', 'a']) emulator.seedItem(tableName, item('p', sk));
        emulator.seedItem(tableName, item('other', 'a'));
        // Act
        const result = await client.send(new QueryCommand(byPartition('p')));
        // Assess
        expect(sortKeys(result.Items)).toEqual(['a', 'b', '\uffff', '\u{1F600}']);
        expect(result).toMatchObject({ Count: 4, ScannedCount: 4 });
        expect(result.LastEvaluatedKey).toBeUndefined();
      });

      it('orders a numeric sort key by value', async () => {
        // Prepare
        emulator.createTable('rag-numbers', { hashKey: 'pk', rangeKey: { name: 'n', type: 'N' } });
        for (const n of ['10', '9', '-1.5', '100']) emulator.seedItem('rag-numbers', { pk: { S: 'p' }, n: { N: n } });
        // Act
        const result = await client.send(new QueryCommand({ ...byPartition('p'), TableName: 'rag-numbers' }));
        // Assess
        expect(result.Items?.map((i) => i.n?.N)).toEqual(['-1.5', '9', '10', '100']);
      });

      it('keeps both BETWEEN bounds, with names substituted from ExpressionAttributeNames', async () => {
        // Prepare
        for (const sk of ['DAY#1', 'DAY#2', 'DAY#2#x', 'DAY#3', 'DAY#4']) emulator.seedItem(tableName, item('p', sk));
        // Act
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#p = :p and #s between :from and :to',
            ExpressionAttributeNames: { '#p': 'pk', '#s': 'sk' },
            ExpressionAttributeValues: { ':p': { S: 'p' }, ':from': { S: 'DAY#2' }, ':to': { S: 'DAY#3' } },
          }),
        );
        // Assess
        expect(sortKeys(result.Items)).toEqual(['DAY#2', 'DAY#2#x', 'DAY#3']);
      });

      it('pages at the configured item count: a full page ends with LastEvaluatedKey, the next starts after it', async () => {
        // Prepare
        paged.createTable(tableName, { hashKey: 'pk', rangeKey: 'sk' });
        for (const sk of ['a', 'b', 'c', 'd']) paged.seedItem(tableName, item('p', sk));
        // Act
        const pages: { keys: (string | undefined)[]; last?: Record<string, AttributeValue> }[] = [];
        let start: Record<string, AttributeValue> | undefined;
        do {
          const page = await pagedClient.send(new QueryCommand(byPartition('p', start ? { ExclusiveStartKey: start } : {})));
          pages.push({ keys: sortKeys(page.Items), ...(page.LastEvaluatedKey ? { last: page.LastEvaluatedKey } : {}) });
          start = page.LastEvaluatedKey;
        } while (start);
        // Assess: as after a page cut by Limit, a full last page still has a LastEvaluatedKey, and the page after it is empty
        expect(pages).toEqual([
          { keys: ['a', 'b'], last: { pk: { S: 'p' }, sk: { S: 'b' } } },
          { keys: ['c', 'd'], last: { pk: { S: 'p' }, sk: { S: 'd' } } },
          { keys: [] },
        ]);
      });

      it(`pages at ${QUERY_PAGE_BYTES} bytes of items (1 MB) without an item count`, async () => {
        // Prepare: five items of 300 KB; three fit in 1 MB, four do not
        const big = (sk: string) => item('p', sk, { data: { S: 'x'.repeat(300 * 1024) } });
        for (const sk of ['a', 'b', 'c', 'd', 'e']) emulator.seedItem(tableName, big(sk));
        // Act
        const first = await client.send(new QueryCommand(byPartition('p')));
        const second = await client.send(new QueryCommand(byPartition('p', { ExclusiveStartKey: first.LastEvaluatedKey })));
        // Assess
        expect(sortKeys(first.Items)).toEqual(['a', 'b', 'c']);
        expect(first.LastEvaluatedKey).toEqual({ pk: { S: 'p' }, sk: { S: 'c' } });
        expect(sortKeys(second.Items)).toEqual(['d', 'e']);
        expect(second.LastEvaluatedKey).toBeUndefined();
      });

      it('queries a global secondary index: only items holding both its keys (sparse), in its sort-key order, pages keyed by table and index keys', async () => {
        // Prepare
        paged.createTable(tableName, { hashKey: 'pk', rangeKey: 'sk', globalSecondaryIndexes: [{ name: INDEX, hashKey: 'gsi1pk', rangeKey: 'gsi1sk' }] });
        paged.seedItem(tableName, item('t1', 'x', { gsi1pk: { S: 'D' }, gsi1sk: { S: '3' } }));
        paged.seedItem(tableName, item('t2', 'x', { gsi1pk: { S: 'D' }, gsi1sk: { S: '1' } }));
        paged.seedItem(tableName, item('t3', 'x', { gsi1pk: { S: 'D' }, gsi1sk: { S: '2' } }));
        paged.seedItem(tableName, item('t4', 'total', { gsi1pk: { S: 'D' } }));
        paged.seedItem(tableName, item('t5', 'total'));
        paged.seedItem(tableName, item('t6', 'x', { gsi1pk: { S: 'E' }, gsi1sk: { S: '0' } }));
        const query = (start?: Record<string, AttributeValue>) =>
          pagedClient.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: INDEX,
              KeyConditionExpression: 'gsi1pk = :day',
              ExpressionAttributeValues: { ':day': { S: 'D' } },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
        // Act
        const first = await query();
        const second = await query(first.LastEvaluatedKey);
        // Assess
        expect([...(first.Items ?? []), ...(second.Items ?? [])].map((i) => i.pk?.S)).toEqual(['t2', 't3', 't1']);
        expect(first.Items?.[0]).toEqual(item('t2', 'x', { gsi1pk: { S: 'D' }, gsi1sk: { S: '1' } }));
        expect(first.LastEvaluatedKey).toEqual({ pk: { S: 't3' }, sk: { S: 'x' }, gsi1pk: { S: 'D' }, gsi1sk: { S: '2' } });
        expect(second.LastEvaluatedKey).toBeUndefined();
      });

      it('refuses ConsistentRead on a global secondary index, and accepts it on the table', async () => {
        // Prepare
        withIndex(emulator, 'rag-indexed');
        const query = (IndexName?: string) =>
          client.send(
            new QueryCommand({
              TableName: 'rag-indexed',
              ...(IndexName ? { IndexName } : {}),
              KeyConditionExpression: IndexName ? 'gsi1pk = :v' : 'pk = :v',
              ExpressionAttributeValues: { ':v': { S: 'D' } },
              ConsistentRead: true,
            }),
          );
        // Act / Assess
        await expect(query(INDEX)).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'Consistent reads are not supported on global secondary indexes',
        });
        await expect(query()).resolves.toMatchObject({ Count: 0 });
      });

      it.each([
        ['an index the table does not have', { IndexName: 'byMonth' }, 'The table does not have the specified index: byMonth'],
        [
          'no key condition',
          { KeyConditionExpression: undefined, ExpressionAttributeValues: undefined },
          /^Either the KeyConditions or KeyConditionExpression/,
        ],
        [
          'a condition on an attribute that is not the partition key',
          { KeyConditionExpression: 'tenant = :pk' },
          'Query condition missed key schema element: pk',
        ],
        [
          'a key value of another type than the key',
          { ExpressionAttributeValues: { ':pk': { N: '1' } } },
          'One or more parameter values were invalid: Condition parameter type does not match schema type',
        ],
        [
          'an inverted BETWEEN',
          { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':pk': { S: 'p' }, ':a': { S: 'b' }, ':b': { S: 'a' } } },
          'The BETWEEN condition was provided a range where the lower bound is bigger than the upper bound',
        ],
        ['an ExclusiveStartKey without the sort key', { ExclusiveStartKey: { pk: { S: 'p' } } }, 'The provided starting key is invalid'],
        ['an ExclusiveStartKey of another partition', { ExclusiveStartKey: { pk: { S: 'q' }, sk: { S: 'a' } } }, 'The provided starting key is invalid'],
        ['an unused :value', { ExpressionAttributeValues: { ':pk': { S: 'p' }, ':extra': { S: 'x' } } }, /unused in expressions: keys: \{:extra\}/],
      ])('refuses %s with ValidationException', async (_title, parameters, message) => {
        await expect(client.send(new QueryCommand(byPartition('p', parameters as Partial<QueryCommandInput>)))).rejects.toMatchObject({
          name: 'ValidationException',
          message: typeof message === 'string' ? message : expect.stringMatching(message),
        });
      });

      it.each([
        ['begins_with', { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ':pk': { S: 'p' }, ':a': { S: 'a' } } }],
        [
          'a comparison on the sort key',
          { KeyConditionExpression: 'pk = :pk AND sk < :a', ExpressionAttributeValues: { ':pk': { S: 'p' }, ':a': { S: 'a' } } },
        ],
        ['an equality on the sort key', { KeyConditionExpression: 'pk = :pk AND sk = :a', ExpressionAttributeValues: { ':pk': { S: 'p' }, ':a': { S: 'a' } } }],
        ['parentheses', { KeyConditionExpression: '(pk = :pk)' }],
        ['Limit', { Limit: 1 }],
        ['ScanIndexForward', { ScanIndexForward: false }],
        ['a FilterExpression', { FilterExpression: 'attribute_exists(sk)' }],
        ['a ProjectionExpression', { ProjectionExpression: 'pk' }],
      ])('answers a Query with %s as not implemented', async (_title, parameters) => {
        emulator.seedItem(tableName, item('p', 'a'));
        await expect(client.send(new QueryCommand(byPartition('p', parameters as Partial<QueryCommandInput>)))).rejects.toMatchObject({
          name: 'NotImplementedByEmulatorException',
        });
      });

      it('refuses a write whose index key attribute has another type than the index declares, and writes nothing', async () => {
        // Prepare
        withIndex(emulator, 'rag-indexed');
        // Act
        const put = client.send(
          new PutItemCommand({ TableName: 'rag-indexed', Item: item('p', 's', { gsi1pk: { N: '1' } }) as Record<string, AttributeValue> }),
        );
        // Assess
        await expect(put).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'One or more parameter values were invalid: Type mismatch for Index Key gsi1pk Expected: S Actual: N IndexName: byDay',
        });
        expect(emulator.item('rag-indexed', item('p', 's'))).toBeUndefined();
      });

      it('declines to create an index whose projection is not ALL', () => {
        expect(() =>
          emulator.createTable('rag-keys-only', { hashKey: 'pk', globalSecondaryIndexes: [{ name: INDEX, hashKey: 'gsi1pk', projection: 'KEYS_ONLY' }] }),
        ).toThrow(/projection KEYS_ONLY is not implemented/);
      });
    });
  });
});
