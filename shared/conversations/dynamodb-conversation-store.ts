import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toDynamoDbError } from '../aws/dynamodb-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, dynamoDbTableNameSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { DependencyUnavailableError } from '../errors';
import { withRetry } from '../reliability/retry';
import {
  ConversationStoreBase,
  parseSessionRecord,
  type SessionRecord,
  type SessionUpdate,
  type StoredAnswer,
  type StoredSession,
} from './conversation-store-base';
import type { ConversationStoreOptions } from './conversation-store';

/**
 * ConversationStore on one DynamoDB table (key `pk` + `sk`, both strings; TTL on `ttl`).
 *
 *   pk                                   sk          what
 *   TENANT#<tenant>#SESSION#<sessionId>  SESSION     the session: its newest turns as one JSON string
 *   TENANT#<tenant>#ANSWER#<cache key>   ANSWER      a cached answer (JSON string)
 *   TENANT#<tenant>#INDEX                GENERATION  the tenant's index generation (a number)
 *
 * One item per session, not one per turn: a read is one GetItem, an append one conditional PutItem,
 * a delete one DeleteItem (ALL_OLD says whether it existed), and TTL removes a whole session at once,
 * so no turn outlives its session and an expired session never leaks old turns into a new one. The
 * price is that an append rewrites every kept turn (writes are metered per 1 KB of item), which the
 * store bounds with `maxTurns` and MAX_STORED_JSON_BYTES, under the 400 KB item limit.
 *
 * Facts this relies on (read 2026-11-30):
 * - TTL deletes expired items in the background, "typically within two days of expiration"; until then
 *   "Items that have expired and not been deleted will still show up in reads, queries, and scans"
 *   (UpdateTimeToLive: https://docs.aws.amazon.com/goto/WebAPI/dynamodb-2012-08-10/UpdateTimeToLive;
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html). So every
 *   read checks `expiresAtMs` itself (ConversationStoreBase); `ttl` (epoch seconds, rounded up so the
 *   service never deletes an item we still serve) only reclaims storage.
 * - UpdateItem ADD on a number adds atomically and starts from 0 when the attribute does not exist
 *   (@aws-sdk/client-dynamodb 3.1164.0 models_0.d.ts, AttributeValueUpdate; update expressions:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html).
 * - A failed ConditionExpression is ConditionalCheckFailedException (errors.d.ts): the session append
 *   is an optimistic read-modify-write on `version`, retried with full jitter.
 * - Sessions and generations are read with ConsistentRead, so a follow-up sent right after an answer
 *   sees that answer's turn; cached answers are read eventually consistent (half the read units).
 */
export const DYNAMODB_TTL_ATTRIBUTE = 'ttl';

/** DynamoDB table names: 3-255 of a-z A-Z 0-9 _ - . (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html, read 2026-11-30). */

export const sessionItemKey = (tenant: string, sessionId: string) => ({ pk: `TENANT#${tenant}#SESSION#${sessionId}`, sk: 'SESSION' });
export const answerItemKey = (tenant: string, key: string) => ({ pk: `TENANT#${tenant}#ANSWER#${key}`, sk: 'ANSWER' });
export const generationItemKey = (tenant: string) => ({ pk: `TENANT#${tenant}#INDEX`, sk: 'GENERATION' });

export interface DynamoDbConversationStoreOptions extends ConversationStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Attempts of one append when concurrent appends to the same session collide (default 10). */
  maxWriteAttempts?: number;
}

interface SessionItem extends SessionRecord {
  version: number;
}

interface AnswerItem {
  tenant: string;
  cacheKey: string;
  answer: string;
  expiresAtMs: number;
}

const CONDITIONAL_CHECK_FAILED = 'ConditionalCheckFailedException';
const isConditionalCheckFailed = (error: unknown): boolean => (error as { name?: unknown } | undefined)?.name === CONDITIONAL_CHECK_FAILED;

export { toDynamoDbError };

const ttlOf = (expiresAtMs: number): number => Math.ceil(expiresAtMs / 1000);

export class DynamoDbConversationStore<Answer = unknown> extends ConversationStoreBase<Answer> {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly maxWriteAttempts: number;

  constructor(options: DynamoDbConversationStoreOptions) {
    super(options);
    assertIdentifier(dynamoDbTableNameSchema, options.tableName, 'RAG_CONVERSATIONS_TABLE', 'the DynamoDB conversation store');
    this.tableName = options.tableName;
    this.maxWriteAttempts = options.maxWriteAttempts ?? 10;
    // Shares the client's middleware stack, so the tracer and any registered plugin see every call.
    this.documents = DynamoDBDocumentClient.from(options.client);
  }

  protected async readSession(tenant: string, sessionId: string): Promise<StoredSession | undefined> {
    const item = await this.getSessionItem(tenant, sessionId);
    return item ? parseSessionRecord(item) : undefined;
  }

  protected async writeSession(tenant: string, sessionId: string, update: SessionUpdate): Promise<StoredSession> {
    try {
      return await withRetry(
        async () => {
          const current = await this.getSessionItem(tenant, sessionId);
          const next = update(current ? parseSessionRecord(current) : undefined);
          const item: SessionItem & { pk: string; sk: string; ttl: number } = {
            ...sessionItemKey(tenant, sessionId),
            tenant,
            sessionId,
            createdAt: next.createdAt,
            updatedAt: next.updatedAt,
            expiresAtMs: next.expiresAtMs,
            [DYNAMODB_TTL_ATTRIBUTE]: ttlOf(next.expiresAtMs),
            turns: JSON.stringify(next.turns),
            version: (current?.version ?? 0) + 1,
          };
          // Written only over the version that was read: a concurrent append makes this fail and retry.
          await this.documents.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ...(current
                ? {
                    ConditionExpression: '#version = :read',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':read': current.version },
                  }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          );
          return next;
        },
        { maxAttempts: this.maxWriteAttempts, baseDelayMs: 10, maxDelayMs: 200, isRetryable: isConditionalCheckFailed },
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new DependencyUnavailableError(`PutItem ${this.tableName}: the session kept changing during ${this.maxWriteAttempts} attempts`, { cause: error });
      }
      throw toDynamoDbError(error, `PutItem ${this.tableName}`);
    }
  }

  protected async removeSession(tenant: string, sessionId: string): Promise<StoredSession | undefined> {
    try {
      const out = await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: sessionItemKey(tenant, sessionId), ReturnValues: 'ALL_OLD' }));
      return out.Attributes ? parseSessionRecord(out.Attributes as SessionItem) : undefined;
    } catch (error) {
      throw toDynamoDbError(error, `DeleteItem ${this.tableName}`);
    }
  }

  protected async readCached(tenant: string, key: string): Promise<StoredAnswer | undefined> {
    try {
      const out = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: answerItemKey(tenant, key) }));
      const item = out.Item as AnswerItem | undefined;
      return item ? { tenant: item.tenant, key: item.cacheKey, json: item.answer, expiresAtMs: item.expiresAtMs } : undefined;
    } catch (error) {
      throw toDynamoDbError(error, `GetItem ${this.tableName}`);
    }
  }

  protected async writeCached(answer: StoredAnswer): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...answerItemKey(answer.tenant, answer.key),
            tenant: answer.tenant,
            cacheKey: answer.key,
            answer: answer.json,
            expiresAtMs: answer.expiresAtMs,
            [DYNAMODB_TTL_ATTRIBUTE]: ttlOf(answer.expiresAtMs),
          },
        }),
      );
    } catch (error) {
      throw toDynamoDbError(error, `PutItem ${this.tableName}`);
    }
  }

  protected async readGeneration(tenant: string): Promise<number> {
    try {
      const out = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: generationItemKey(tenant), ConsistentRead: true }));
      const item = out.Item as { tenant?: unknown; generation?: unknown } | undefined;
      return item?.tenant === tenant && typeof item.generation === 'number' ? item.generation : 0;
    } catch (error) {
      throw toDynamoDbError(error, `GetItem ${this.tableName}`);
    }
  }

  protected async incrementGeneration(tenant: string): Promise<number> {
    try {
      const out = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: generationItemKey(tenant),
          UpdateExpression: 'ADD #generation :one SET #tenant = :tenant',
          ExpressionAttributeNames: { '#generation': 'generation', '#tenant': 'tenant' },
          ExpressionAttributeValues: { ':one': 1, ':tenant': tenant },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const generation = out.Attributes?.generation;
      if (typeof generation !== 'number') throw new DependencyUnavailableError(`UpdateItem ${this.tableName} returned no generation`);
      return generation;
    } catch (error) {
      throw toDynamoDbError(error, `UpdateItem ${this.tableName}`);
    }
  }

  private async getSessionItem(tenant: string, sessionId: string): Promise<SessionItem | undefined> {
    try {
      const out = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: sessionItemKey(tenant, sessionId), ConsistentRead: true }));
      return out.Item as SessionItem | undefined;
    } catch (error) {
      throw toDynamoDbError(error, `GetItem ${this.tableName}`);
    }
  }
}

export interface DynamoDbConversationStoreSettings {
  tableName: string;
  /** Endpoint override (emulators, VPC endpoints). */
  endpoint?: string;
  maxTurns: number;
}

/** The production wiring: the project's client options (timeouts, bounded retries), instrumented once. */
export function createDynamoDbConversationStore<Answer = unknown>(
  config: AppConfig,
  settings: DynamoDbConversationStoreSettings,
): DynamoDbConversationStore<Answer> {
  const client = instrumentAwsClient(new DynamoDBClient(awsClientOptions(config, settings.endpoint)));
  return new DynamoDbConversationStore<Answer>({ client, tableName: settings.tableName, maxTurns: settings.maxTurns });
}
