import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { awsClientOptions } from '../aws/client-options';
import { toDynamoDbError } from '../aws/dynamodb-errors';
import { instrumentAwsClient } from '../aws/instrument';
import type { AppConfig } from '../config/config';
import type { UsageFeature } from '../contracts/usage';
import type { DayUse } from './budget';
import { dayUseOf, NANO, type UsageAggregate, type UsageStore } from './usage-store';

/**
 * The usage store on AWS: one DynamoDB table (serverless.yml `UsageTable`).
 *
 *   aggregate  pk TENANT#<tenant>  sk DAY#<day>#FEATURE#<feature>#MODEL#<model>   gsi1pk DAY#<day>  gsi1sk TENANT#<tenant>#...
 *   day total  pk TENANT#<tenant>  sk TOTAL#<day>                                  tokens, costNanoUsd
 *
 * Every addition is an UpdateItem `ADD` (atomic: "ADD ... the value is mathematically added to the existing
 * attribute", https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html, read
 * 2026-12-01), so concurrent requests never overwrite each other's use. The day total is added last with
 * `ReturnValues: UPDATED_NEW`: the value after this request's addition, from which the value before it
 * follows, so the request that crosses 80% or 100% of a budget is the one that knows it. A tenant's
 * range is one Query on the table; all tenants' is one Query of the `byDay` index per day. Items expire
 * through the table's TTL attribute `expiresAt` after the retention.
 */
export const USAGE_TTL_ATTRIBUTE = 'expiresAt';
export const USAGE_DAY_INDEX = 'byDay';

const tenantKey = (tenant: string) => `TENANT#${tenant}`;
const cellKey = (day: string, feature: string, modelId: string) => `DAY#${day}#FEATURE#${feature}#MODEL#${modelId}`;
const totalKey = (day: string) => `TOTAL#${day}`;

/** Day-index Queries of an all-tenant range in flight at once (a 90-day range: 12 rounds). */
const DAY_QUERIES_AT_ONCE = 8;

const COUNTERS = ['calls', 'inputTokens', 'outputTokens', 'costNanoUsd', 'unpricedCalls', 'estimatedCalls', 'throttles', 'cacheHits'] as const;

export interface DynamoDbUsageStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
}

export class DynamoDbUsageStore implements UsageStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(private readonly options: DynamoDbUsageStoreOptions) {
    this.documents = DynamoDBDocumentClient.from(options.client);
  }

  /** Every request through here: a failure becomes our error contract (503 or 429, never a raw SDK error). */
  private async send<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toDynamoDbError(error, `${operation} ${this.options.tableName}`);
    }
  }

  async add(tenant: string, day: string, aggregates: readonly UsageAggregate[]): Promise<{ before: DayUse; after: DayUse }> {
    const expiresAt = this.expiryOf(day);
    for (const a of aggregates) {
      await this.send('UpdateItem', () =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: { pk: tenantKey(tenant), sk: cellKey(day, a.feature, a.modelId) },
            UpdateExpression: `SET tenant = :tenant, #day = :day, feature = :feature, modelId = :model, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, ${USAGE_TTL_ATTRIBUTE} = :expiresAt ADD ${COUNTERS.map((c) => `${c} :${c}`).join(', ')}`,
            ExpressionAttributeNames: { '#day': 'day' },
            ExpressionAttributeValues: {
              ':tenant': tenant,
              ':day': day,
              ':feature': a.feature,
              ':model': a.modelId,
              ':gsi1pk': `DAY#${day}`,
              ':gsi1sk': `${tenantKey(tenant)}#FEATURE#${a.feature}#MODEL#${a.modelId}`,
              ':expiresAt': expiresAt,
              ...Object.fromEntries(COUNTERS.map((c) => [`:${c}`, a[c]])),
            },
          }),
        ),
      );
    }
    const added = dayUseOf(aggregates);
    const result = await this.send('UpdateItem', () =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: tenantKey(tenant), sk: totalKey(day) },
          UpdateExpression: `SET ${USAGE_TTL_ATTRIBUTE} = :expiresAt ADD tokens :tokens, costNanoUsd :cost`,
          ExpressionAttributeValues: { ':expiresAt': expiresAt, ':tokens': added.tokens, ':cost': added.costNanoUsd },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    const tokens = Number(result.Attributes?.tokens ?? added.tokens);
    const costNanoUsd = Number(result.Attributes?.costNanoUsd ?? added.costNanoUsd);
    return {
      before: { tokens: tokens - added.tokens, costUsd: (costNanoUsd - added.costNanoUsd) / NANO },
      after: { tokens, costUsd: costNanoUsd / NANO },
    };
  }

  async dayUse(tenant: string, day: string): Promise<DayUse> {
    const result = await this.send('GetItem', () =>
      this.documents.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: tenantKey(tenant), sk: totalKey(day) }, ConsistentRead: true })),
    );
    return { tokens: Number(result.Item?.tokens ?? 0), costUsd: Number(result.Item?.costNanoUsd ?? 0) / NANO };
  }

  async aggregates(tenant: string, fromDay: string, toDay: string): Promise<UsageAggregate[]> {
    if (tenant !== '*') {
      return this.queryAll({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': tenantKey(tenant), ':from': `DAY#${fromDay}#`, ':to': `DAY#${toDay}#\uffff` },
      });
    }
    // One Query of the day index per day, DAY_QUERIES_AT_ONCE at a time; rows keep day order.
    const days = daysBetween(fromDay, toDay);
    const perDay: UsageAggregate[][] = [];
    for (let start = 0; start < days.length; start += DAY_QUERIES_AT_ONCE) {
      perDay.push(
        ...(await Promise.all(
          days.slice(start, start + DAY_QUERIES_AT_ONCE).map((day) =>
            this.queryAll({
              TableName: this.options.tableName,
              IndexName: USAGE_DAY_INDEX,
              KeyConditionExpression: 'gsi1pk = :day',
              ExpressionAttributeValues: { ':day': `DAY#${day}` },
            }),
          ),
        )),
      );
    }
    return perDay.flat();
  }

  private async queryAll(input: QueryCommandInput): Promise<UsageAggregate[]> {
    const rows: UsageAggregate[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send('Query', () => this.documents.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) })));
      for (const item of page.Items ?? []) rows.push(toAggregate(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }

  private expiryOf(day: string): number {
    return Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + (this.options.retentionDays + 1) * 86_400;
  }
}

function toAggregate(item: Record<string, unknown>): UsageAggregate {
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, Number(item[c] ?? 0)])) as Record<(typeof COUNTERS)[number], number>;
  return {
    tenant: String(item.tenant),
    day: String(item.day),
    feature: String(item.feature) as UsageFeature,
    modelId: String(item.modelId),
    ...counters,
  };
}

/** Every UTC day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); at <= end; at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

export function createDynamoDbUsageStore(config: AppConfig, tableName: string): DynamoDbUsageStore {
  const client = instrumentAwsClient(new DynamoDBClient(awsClientOptions(config, config.aws.dynamoDbEndpoint)));
  return new DynamoDbUsageStore({ client, tableName, retentionDays: config.usage.retentionDays });
}
