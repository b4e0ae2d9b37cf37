import * as path from 'node:path';
import type { AppConfig } from '../config/config';
import { ConfigurationError } from '../errors';
import { UsageRecorder } from '../usage/recorder';
import type { UsageStore } from '../usage/usage-store';
import type { PortFactory } from './wiring';

/**
 * Usage and budgets: the recorder on the usage store, DynamoDB on AWS (RAG_USAGE_TABLE), SQLite in the data
 * folder locally. Each store is imported only when selected.
 */
export const usagePort: PortFactory<'usage'> = {
  port: 'usage',
  async build({ config }) {
    return new UsageRecorder({ store: await usageStoreFor(config), budgets: config.usage.budgets, tenantDimension: config.usage.metricsTenantDimension });
  },
};

async function usageStoreFor(config: AppConfig): Promise<UsageStore> {
  if (config.usage.store === 'dynamodb') {
    const table = config.usage.table;
    if (!table) throw new ConfigurationError('RAG_USAGE_TABLE is required when usage is stored in DynamoDB (RAG_USAGE_STORE=dynamodb)');
    const { createDynamoDbUsageStore } = await import('../usage/dynamodb-usage-store');
    return createDynamoDbUsageStore(config, table);
  }
  const { SqliteUsageStore } = await import('../usage/sqlite-usage-store');
  return new SqliteUsageStore({ file: path.join(config.local.dataDir, 'usage.sqlite'), retentionDays: config.usage.retentionDays });
}
