import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { UsageFeature } from '../contracts/usage';
import type { DayUse } from './budget';
import { dayUseOf, NANO, type UsageAggregate, type UsageStore } from './usage-store';

/**
 * The usage store of the embedded runtime: a SQLite file in the data folder through Node's own `node:sqlite`
 * (as the conversation store, shared/conversations/sqlite-conversation-store.ts, for the same reasons).
 * An addition runs in one BEGIN IMMEDIATE transaction (the write lock is taken before the "before" read),
 * so two processes sharing the file (npm start and npm run invoke) cannot interleave between the read of
 * the day's total and the addition. Days older than the retention are deleted by writes, once a day.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage_daily (
  tenant TEXT NOT NULL,
  day TEXT NOT NULL,
  feature TEXT NOT NULL,
  model_id TEXT NOT NULL,
  calls INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  unpriced_calls INTEGER NOT NULL,
  estimated_calls INTEGER NOT NULL,
  throttles INTEGER NOT NULL,
  cache_hits INTEGER NOT NULL,
  PRIMARY KEY (tenant, day, feature, model_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_daily_by_day ON usage_daily (day);
CREATE TABLE IF NOT EXISTS usage_day_totals (
  tenant TEXT NOT NULL,
  day TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  PRIMARY KEY (tenant, day)
) WITHOUT ROWID;
`;

const SUM_COLUMNS = ['calls', 'input_tokens', 'output_tokens', 'cost_nano_usd', 'unpriced_calls', 'estimated_calls', 'throttles', 'cache_hits'] as const;

/** A row as SQLite returns it: the feature is whatever text the column holds. */
type AggregateRow = Omit<UsageAggregate, 'feature'> & { feature: string };

const SELECT_AGGREGATES = `SELECT tenant, day, feature, model_id AS modelId, calls, input_tokens AS inputTokens, output_tokens AS outputTokens,
  cost_nano_usd AS costNanoUsd, unpriced_calls AS unpricedCalls, estimated_calls AS estimatedCalls, throttles, cache_hits AS cacheHits
  FROM usage_daily`;

export interface SqliteUsageStoreOptions {
  file: string;
  retentionDays: number;
  /** The clock the retention purge reads (tests move it). */
  now?: () => Date;
}

export class SqliteUsageStore implements UsageStore {
  private readonly db: DatabaseSync;
  private readonly statements: Record<
    'upsertAggregate' | 'upsertTotal' | 'selectTotal' | 'selectTenant' | 'selectAll' | 'purgeDaily' | 'purgeTotals',
    StatementSync
  >;
  private lastPurgeDay = '';

  constructor(private readonly options: SqliteUsageStoreOptions) {
    mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new DatabaseSync(options.file, { timeout: 5000 });
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const sets = SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');
    this.statements = {
      upsertAggregate: this.db.prepare(
        `INSERT INTO usage_daily (tenant, day, feature, model_id, ${SUM_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ${SUM_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT (tenant, day, feature, model_id) DO UPDATE SET ${sets}`,
      ),
      upsertTotal: this.db.prepare(
        `INSERT INTO usage_day_totals (tenant, day, tokens, cost_nano_usd) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant, day) DO UPDATE SET tokens = tokens + excluded.tokens, cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd`,
      ),
      selectTotal: this.db.prepare('SELECT tokens, cost_nano_usd AS costNanoUsd FROM usage_day_totals WHERE tenant = ? AND day = ?'),
      selectTenant: this.db.prepare(`${SELECT_AGGREGATES} WHERE tenant = ? AND day BETWEEN ? AND ? ORDER BY day, feature, model_id`),
      selectAll: this.db.prepare(`${SELECT_AGGREGATES} WHERE day BETWEEN ? AND ? ORDER BY day, tenant, feature, model_id`),
      purgeDaily: this.db.prepare('DELETE FROM usage_daily WHERE day < ?'),
      purgeTotals: this.db.prepare('DELETE FROM usage_day_totals WHERE day < ?'),
    };
  }

  async add(tenant: string, day: string, aggregates: readonly UsageAggregate[]): Promise<{ before: DayUse; after: DayUse }> {
    this.purgeOncePerDay();
    const added = dayUseOf(aggregates);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const before = this.readTotal(tenant, day);
      for (const a of aggregates) {
        this.statements.upsertAggregate.run(
          tenant,
          day,
          a.feature,
          a.modelId,
          a.calls,
          a.inputTokens,
          a.outputTokens,
          a.costNanoUsd,
          a.unpricedCalls,
          a.estimatedCalls,
          a.throttles,
          a.cacheHits,
        );
      }
      this.statements.upsertTotal.run(tenant, day, added.tokens, added.costNanoUsd);
      const after = this.readTotal(tenant, day);
      this.db.exec('COMMIT');
      return { before, after };
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async dayUse(tenant: string, day: string): Promise<DayUse> {
    return this.readTotal(tenant, day);
  }

  async aggregates(tenant: string, fromDay: string, toDay: string): Promise<UsageAggregate[]> {
    const rows = (tenant === '*'
      ? this.statements.selectAll.all(fromDay, toDay)
      : this.statements.selectTenant.all(tenant, fromDay, toDay)) as unknown as AggregateRow[];
    return rows.map((row) => ({ ...row, feature: row.feature as UsageFeature }));
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  private readTotal(tenant: string, day: string): DayUse {
    const row = this.statements.selectTotal.get(tenant, day) as { tokens: number; costNanoUsd: number } | undefined;
    return row ? { tokens: row.tokens, costUsd: row.costNanoUsd / NANO } : { tokens: 0, costUsd: 0 };
  }

  private purgeOncePerDay(): void {
    const now = (this.options.now ?? (() => new Date()))();
    const today = now.toISOString().slice(0, 10);
    if (today === this.lastPurgeDay) return;
    this.lastPurgeDay = today;
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000).toISOString().slice(0, 10);
    this.statements.purgeDaily.run(cutoff);
    this.statements.purgeTotals.run(cutoff);
  }
}
