import type { DailyBudget } from '../config/config';
import { FINDING_TYPE_DIMENSION, METRIC, TENANT_DIMENSION } from '../observability/metric-names';
import { logger, MetricUnit, metrics, recordMetric } from '../observability/telemetry';
import { admitWithinBudget, budgetFor, crossedThresholds, utcDay } from './budget';
import type { InvocationRecord } from './invocation-record';
import { currentUsageScope, type UsageContext, type UsageScope, withUsageScope } from './usage-scope';
import { aggregateRecords, type UsageStore } from './usage-store';

/**
 * Where invocation records go: each one is logged ("Model invocation", structured, no text) and counted
 * (EMF) when the call ends, and joins its scope; the scope's owner then adds the scope's records to the
 * usage store in one go (`UsageRecorder.run`): one addition per (feature, model) and one to the tenant's
 * day total, not one per call.
 */
export function emitRecord(record: InvocationRecord): void {
  logger.info('Model invocation', { invocation: record });
  recordMetric(METRIC.modelCalls, MetricUnit.Count, record.cacheHit ? 0 : 1);
  recordMetric(METRIC.modelLatency, MetricUnit.Milliseconds, record.latencyMs);
  recordMetric(METRIC.modelInputTokens, MetricUnit.Count, record.inputTokens);
  recordMetric(METRIC.modelOutputTokens, MetricUnit.Count, record.outputTokens);
  if (record.costUsd === null) recordMetric(METRIC.modelCallsUnpriced, MetricUnit.Count, 1);
  else recordMetric(METRIC.modelCost, MetricUnit.NoUnit, record.costUsd);
  if (record.throttles > 0) recordMetric(METRIC.modelThrottles, MetricUnit.Count, record.throttles);
  if (record.attempts > 1) recordMetric(METRIC.modelRetries, MetricUnit.Count, record.attempts - 1);
  if (record.fallbackUsed) recordMetric(METRIC.modelFallbacks, MetricUnit.Count, 1);
  if (record.outcome === 'error') recordMetric(METRIC.modelErrors, MetricUnit.Count, 1);
  if (record.cacheHit) recordMetric(METRIC.answerCacheHits, MetricUnit.Count, 1);
  const scope = currentUsageScope();
  if (scope?.tenantMetrics) recordTenantMetrics(record);
  scope?.records.push(record);
}

/**
 * With RAG_METRICS_TENANT_DIMENSION, the usage metrics once more with a `tenant` dimension, in their own EMF
 * line: the `service`-only series the dashboard and alarms read stay whole, and per-tenant series exist beside
 * them (one per tenant: only for a bounded number of tenants).
 */
function recordTenantMetrics(record: InvocationRecord): void {
  const single = metrics.singleMetric();
  // Default dimensions, not addDimension: a single metric sends one document per addMetric and then clears the
  // dimensions added with addDimension, so only the first metric would carry the tenant.
  single.setDefaultDimensions({ [TENANT_DIMENSION]: record.tenant });
  single.addMetric(METRIC.modelCalls, MetricUnit.Count, record.cacheHit ? 0 : 1);
  single.addMetric(METRIC.modelInputTokens, MetricUnit.Count, record.inputTokens);
  single.addMetric(METRIC.modelOutputTokens, MetricUnit.Count, record.outputTokens);
  if (record.costUsd !== null) single.addMetric(METRIC.modelCost, MetricUnit.NoUnit, record.costUsd);
}

/** Counts guardrail findings by type: `GuardrailFindings` with the `findingType` dimension (one EMF line per type). */
export function recordGuardrailFindings(types: readonly string[]): void {
  for (const type of new Set(types)) {
    const single = metrics.singleMetric();
    single.addDimension(FINDING_TYPE_DIMENSION, type);
    single.addMetric(METRIC.guardrailFindings, MetricUnit.Count, types.filter((t) => t === type).length);
  }
}

export interface UsageRecorderOptions {
  store: UsageStore;
  budgets: { default: DailyBudget; perTenant: Record<string, DailyBudget> };
  /** Adds a `tenant` dimension to the invocation's metrics (RAG_METRICS_TENANT_DIMENSION). */
  tenantDimension?: boolean;
  now?: () => Date;
}

export class UsageRecorder {
  constructor(private readonly options: UsageRecorderOptions) {}

  /** The store the figures are summed in (GET /usage reads it). */
  get store(): UsageStore {
    return this.options.store;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /**
   * Refuses (BudgetExceededError, a 429 with the reset time) a request of a tenant whose budget for today is
   * used up. Call before any model is called.
   */
  async admit(tenant: string): Promise<void> {
    const budget = budgetFor(this.options.budgets, tenant);
    if (!budget) return;
    const at = this.now();
    try {
      admitWithinBudget(budget, await this.options.store.dayUse(tenant, utcDay(at)), at);
    } catch (error) {
      recordMetric(METRIC.budgetRejections, MetricUnit.Count, 1);
      logger.warn('Request refused: daily budget exhausted', { tenant });
      throw error;
    }
  }

  /**
   * Runs `work` in a usage scope, then adds the scope's records to the store, also when `work` failed (what
   * was spent stays spent). A store that cannot be written is logged and counted, and does not fail the
   * request that already has its answer.
   */
  async run<T>(context: UsageContext, work: () => Promise<T>): Promise<T> {
    let scope: UsageScope | undefined;
    try {
      const done = await withUsageScope({ ...context, ...(this.options.tenantDimension ? { tenantMetrics: true } : {}) }, async () => {
        scope = currentUsageScope();
        return work();
      });
      return done.result;
    } finally {
      if (scope) await this.flush(scope);
    }
  }

  async flush(scope: UsageScope): Promise<void> {
    const records = scope.records.filter((r) => r.feature !== 'unscoped');
    if (records.length === 0) return;
    const at = this.now();
    const day = utcDay(at);
    try {
      const { before, after } = await this.options.store.add(scope.tenant, day, aggregateRecords(records, day));
      const budget = budgetFor(this.options.budgets, scope.tenant);
      if (!budget) return;
      for (const crossed of crossedThresholds(budget, before, after)) {
        const exhausted = crossed.threshold === 1;
        recordMetric(exhausted ? METRIC.budgetExhausted : METRIC.budgetWarnings, MetricUnit.Count, 1);
        logger.warn(exhausted ? 'Daily budget exhausted' : 'Daily budget 80% used', {
          tenant: scope.tenant,
          limit: crossed.limit,
          threshold: crossed.threshold,
          usedUsd: after.costUsd,
          usedTokens: after.tokens,
        });
      }
    } catch (error) {
      recordMetric(METRIC.usageWriteFailures, MetricUnit.Count, 1);
      logger.error('Usage could not be recorded', { error: error instanceof Error ? error.name : 'UnknownError', records: records.length });
    }
  }
}

/**
 * An answer served from the answer cache: no model was called, and the record says so (`cacheHit`, no tokens,
 * no cost), so the usage figures count cache hits beside calls.
 */
export function recordCacheHit(modelId: string, promptVersion: string): void {
  const scope = currentUsageScope();
  emitRecord({
    requestId: scope?.requestId ?? 'none',
    tenant: scope?.tenant ?? 'none',
    feature: scope?.feature ?? 'unscoped',
    kind: 'generation',
    modelId,
    region: 'cache',
    promptVersion,
    inputSha256: '',
    inputTokens: 0,
    outputTokens: 0,
    tokensEstimated: false,
    latencyMs: 0,
    attempts: 0,
    throttles: 0,
    fallbackUsed: false,
    cacheHit: true,
    costUsd: 0,
    outcome: 'ok',
    at: new Date().toISOString(),
  });
}
