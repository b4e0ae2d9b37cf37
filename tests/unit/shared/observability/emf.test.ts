import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ScoredChunk } from '../../../../shared/documents/chunk';
import type { Embedder, EmbeddingPurpose, EmbeddingResult } from '../../../../shared/embeddings/embedder';
import type { GenerationEvent, GenerationRequest, GenerationResult, Generator } from '../../../../shared/generation/generator';
import { estimateTokens } from '../../../../shared/generation/pricing';
import type { GroundingSource, Guardrail, GuardrailVerdict } from '../../../../shared/guardrails/guardrail';
import { ALL_METRIC_NAMES, FINDING_TYPE_DIMENSION, METRIC, METRICS_NAMESPACE, STAGES, TENANT_DIMENSION } from '../../../../shared/observability/metric-names';
import { logger, MetricUnit, metrics, recordMetric, traceStage } from '../../../../shared/observability/telemetry';
import type { Reranker } from '../../../../shared/rerank/reranker';
import { MeteredEmbedder, MeteredGenerator, MeteredGuardrail, MeteredReranker, ModelMeter } from '../../../../shared/usage/metered';
import { recordCacheHit, recordGuardrailFindings, UsageRecorder } from '../../../../shared/usage/recorder';
import { SqliteUsageStore } from '../../../../shared/usage/sqlite-usage-store';
import { noteAttempt } from '../../../../shared/usage/usage-scope';
import { EMF_LIMITS, EMF_UNITS, emfProblems, emfSchemaErrors, emfViolations } from '../../../helpers/emf-schema';

/**
 * What Powertools writes to stdout, checked against the EMF specification (tests/helpers/emf-schema.ts): the
 * product's own code paths (metered ports in a usage scope, traceStage, guardrail findings, per-tenant copies,
 * budget thresholds) with metrics enabled, every line captured and validated.
 *
 * tests/setup-env.ts disables metrics (POWERTOOLS_METRICS_DISABLED=true), read by each Metrics instance when it is
 * built: the process-wide `metrics` was built disabled, so its `disabled` flag is turned off here (and restored),
 * and the variable is set to false while these tests run, for the `singleMetric()` instances built on the way.
 * Powertools 2.36.0 writes each document with `console.log` of a `new Console({ stdout: process.stdout })`
 * (Metrics.js `setConsole`, `publishStoredMetrics`), so spying on `process.stdout.write` sees every line.
 */

type EmfDocument = Record<string, unknown> & {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }> };
};

/** One metric as a series sees it: its name, unit, the dimension sets it is published under, its values. */
interface Series {
  name: string;
  unit: string | undefined;
  dimensionSets: string[][];
  values: number[];
  document: EmfDocument;
}

const REGION = 'us-east-1';
const EMBEDDING_MODEL = 'amazon.titan-embed-text-v2:0';
const GENERATION_MODEL = 'amazon.nova-lite-v1:0';
const FALLBACK_MODEL = 'amazon.nova-micro-v1:0';
const RERANK_MODEL = 'cohere.rerank-v3-5:0';
const GUARDRAIL_ID = 'gr-test:1';

/** Units by naming convention (metric-names.ts): *Ms milliseconds, *Usd NoUnit, everything else Count. */
function expectedUnit(name: string): string {
  if (name.endsWith('Ms')) return MetricUnit.Milliseconds;
  if (name.endsWith('Usd')) return MetricUnit.NoUnit;
  return MetricUnit.Count;
}

const throttled = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });

const chunk = (id: string, score: number): ScoredChunk => ({
  chunk: {
    id,
    index: 0,
    text: `Text of ${id}.`,
    location: { start: 0, end: 10 },
    tenant: 'tenant-a',
    documentId: 'doc-1',
    key: 'tenant-a/doc.md',
    version: 'v',
    contentType: 'text/markdown',
    fingerprint: 'f',
  },
  score,
});

class FakeEmbedder implements Embedder {
  readonly modelId = EMBEDDING_MODEL;
  readonly dimensions = 3;
  readonly batchSize = 8;
  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    noteAttempt();
    return { vectors: texts.map(() => [1, 0, 0]), inputTokens: 12 * texts.length };
  }
}

/** Throttled once, then answered: the SDK's attempts as the attempt-counter middleware reports them. */
class ThrottledOnceReranker implements Reranker {
  readonly modelId = RERANK_MODEL;
  async rerank(_query: string, candidates: ScoredChunk[], topN: number): Promise<ScoredChunk[]> {
    noteAttempt(throttled());
    noteAttempt();
    return candidates.slice(0, topN);
  }
}

/** The primary model was throttled, the fallback answered. */
class FallbackGenerator implements Generator {
  readonly mode = 'own-retrieval' as const;
  readonly modelId = GENERATION_MODEL;
  async generate(_request: GenerationRequest): Promise<GenerationResult> {
    noteAttempt(throttled());
    noteAttempt();
    return {
      text: 'An answer [1].',
      citations: [{ chunkId: 'c1', marker: 1 }],
      usage: { inputTokens: 300, outputTokens: 40 },
      model: FALLBACK_MODEL,
      fallbackUsed: true,
    };
  }
  async *generateStream(_request: GenerationRequest): AsyncIterable<GenerationEvent> {
    yield { type: 'done', usage: { inputTokens: 0, outputTokens: 0 }, model: GENERATION_MODEL, fallbackUsed: false };
  }
}

/** Input checks find PII twice and a prompt attack; output checks fail (a model error). */
class FindingGuardrail implements Guardrail {
  async checkInput(text: string): Promise<GuardrailVerdict> {
    return {
      action: 'INTERVENED',
      blocked: false,
      findings: [
        { type: 'PII', detail: 'EMAIL', action: 'ANONYMIZED' },
        { type: 'PII', detail: 'PHONE', action: 'ANONYMIZED' },
        { type: 'PROMPT_ATTACK', detail: 'ignore-instructions', action: 'DETECTED' },
      ],
      text,
      guardrailId: GUARDRAIL_ID,
    };
  }
  async checkOutput(_answer: string, _question: string, _sources: GroundingSource[]): Promise<GuardrailVerdict> {
    throw Object.assign(new Error('down'), { name: 'ServiceUnavailableException' });
  }
  async redactPii(text: string): Promise<string> {
    return text;
  }
}

describe('EMF output against the embedded metric format specification', () => {
  const previousDisabledVariable = process.env.POWERTOOLS_METRICS_DISABLED;
  const previousDisabledFlag: unknown = Reflect.get(metrics, 'disabled');
  let written: string[];
  let dir: string;
  let store: SqliteUsageStore;
  const NOW = new Date('2030-01-10T12:00:00.000Z');

  beforeAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    Reflect.set(metrics, 'disabled', false);
  });
  afterAll(() => {
    if (previousDisabledVariable === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previousDisabledVariable;
    Reflect.set(metrics, 'disabled', previousDisabledFlag);
  });

  beforeEach(async () => {
    metrics.clearMetrics();
    written = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    dir = await mkdtemp(path.join(tmpdir(), 'rag-emf-'));
    store = new SqliteUsageStore({ file: path.join(dir, 'usage.sqlite'), retentionDays: 90, now: () => NOW });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    metrics.clearMetrics();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Flushes the buffer and returns every document written since the test began (each line one JSON document). */
  function flushedDocuments(): EmfDocument[] {
    metrics.publishStoredMetrics();
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
    // "The LogEvent message MUST be a valid JSON object with no additional data at the beginning or end": JSON.parse
    // throws on anything else, and every line must be an EMF document (nothing else shares stdout here).
    return lines.map((line) => JSON.parse(line) as EmfDocument);
  }

  function seriesOf(documents: EmfDocument[]): Series[] {
    return documents.flatMap((document) =>
      document._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.map((definition) => {
          const value = document[definition.Name];
          return {
            name: definition.Name,
            unit: definition.Unit,
            dimensionSets: directive.Dimensions,
            values: Array.isArray(value) ? value.map(Number) : [Number(value)],
            document,
          };
        }),
      ),
    );
  }

  /** The checks every emitted document passes, whatever produced it. */
  function expectConforming(documents: EmfDocument[]): Series[] {
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect({ document, problems: emfProblems(document) }).toEqual({ document, problems: [] });
    const series = seriesOf(documents);
    for (const s of series) {
      expect({ name: s.name, known: ALL_METRIC_NAMES.includes(s.name) }).toEqual({ name: s.name, known: true });
      expect({ name: s.name, unit: s.unit }).toEqual({ name: s.name, unit: expectedUnit(s.name) });
      // Every set carries `service`: the dashboard and alarms select by it.
      for (const set of s.dimensionSets) expect({ name: s.name, set, service: set.includes('service') }).toEqual({ name: s.name, set, service: true });
      expect(s.document.service).toBe('rag');
    }
    for (const document of documents) for (const directive of document._aws.CloudWatchMetrics) expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    return series;
  }

  /** Sum of `name` over the series published under exactly `[service]`: what the dashboard and alarms read. */
  const serviceTotal = (series: Series[], name: string): number =>
    series
      .filter((s) => s.name === name && s.dimensionSets.some((set) => set.length === 1 && set[0] === 'service'))
      .reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);

  const names = (series: Series[]): Set<string> => new Set(series.map((s) => s.name));

  const recorder = (options: { tenantDimension?: boolean; tokens?: number } = {}) =>
    new UsageRecorder({
      store,
      budgets: { default: {}, perTenant: options.tokens !== undefined ? { 'tenant-a': { tokens: options.tokens } } : {} },
      ...(options.tenantDimension ? { tenantDimension: true } : {}),
      now: () => NOW,
    });

  const meter = new ModelMeter(REGION);
  const embedder = new MeteredEmbedder(new FakeEmbedder(), meter);
  const reranker = new MeteredReranker(new ThrottledOnceReranker(), meter);
  const generator = new MeteredGenerator(new FallbackGenerator(), meter);
  const guardrail = new MeteredGuardrail(new FindingGuardrail(), meter, GUARDRAIL_ID);
  const request: GenerationRequest = { tenant: 'tenant-a', question: 'What is the leave policy?', chunks: [chunk('c1', 0.9)], promptVersion: 'v1' };

  /** One query's model calls, each in its stage as the pipeline runs them. */
  async function oneQuery(): Promise<void> {
    await traceStage('GuardInput', async () => {
      const verdict = await guardrail.checkInput(request.question);
      recordGuardrailFindings(verdict.findings.map((f) => f.type));
    });
    await traceStage('Retrieve', () => embedder.embed([request.question], 'query'));
    await traceStage('Rerank', () => reranker.rerank(request.question, [chunk('c1', 0.9), chunk('c2', 0.5)], 1));
    await traceStage('Generate', async () => {
      const result = await generator.generate(request);
      await expect(guardrail.checkOutput(result.text, request.question, [{ text: 'source' }])).rejects.toThrow('down');
    });
    recordCacheHit(GENERATION_MODEL, 'v1');
  }

  it('a metered query (every model-call kind, every stage, a fallback, a throttle, an error, a cache hit) emits only conforming documents', async () => {
    // Act
    await recorder().run({ requestId: 'req-1', tenant: 'tenant-a', feature: 'query' }, oneQuery);
    const series = expectConforming(flushedDocuments());
    // Assess
    const emitted = names(series);
    for (const stage of STAGES) expect(emitted).toContain(`${stage}LatencyMs`);
    for (const name of [
      METRIC.modelCalls,
      METRIC.modelLatency,
      METRIC.modelInputTokens,
      METRIC.modelOutputTokens,
      METRIC.modelCost,
      METRIC.modelCallsUnpriced,
      METRIC.modelThrottles,
      METRIC.modelRetries,
      METRIC.modelFallbacks,
      METRIC.modelErrors,
      METRIC.answerCacheHits,
      METRIC.guardrailFindings,
    ]) {
      expect(emitted).toContain(name);
    }
    // Five calls (guardrail input, embedding, rerank, generation, failed guardrail output) plus the cache hit, which counts 0.
    expect(serviceTotal(series, METRIC.modelCalls)).toBe(5);
    // Embedding 12, generation 300, rerank what it was sent (estimated); guardrails and the cache hit add no tokens.
    const rerankTokens = estimateTokens(request.question) + estimateTokens('Text of c1.') + estimateTokens('Text of c2.');
    expect(serviceTotal(series, METRIC.modelInputTokens)).toBe(12 + 300 + rerankTokens);
    expect(serviceTotal(series, METRIC.modelOutputTokens)).toBe(40);
    expect(serviceTotal(series, METRIC.modelThrottles)).toBe(2);
    expect(serviceTotal(series, METRIC.modelRetries)).toBe(2);
    expect(serviceTotal(series, METRIC.modelFallbacks)).toBe(1);
    expect(serviceTotal(series, METRIC.modelErrors)).toBe(1);
    expect(serviceTotal(series, METRIC.answerCacheHits)).toBe(1);
    // No per-tenant copy unless configured: `tenant` is nowhere.
    for (const s of series) for (const set of s.dimensionSets) expect(set).not.toContain(TENANT_DIMENSION);
  });

  it('guardrail findings: one document per finding type, dimensions [service, findingType], the count of that type', async () => {
    // Act
    recordGuardrailFindings(['PII', 'PROMPT_ATTACK', 'PII']);
    const series = expectConforming(flushedDocuments()).filter((s) => s.name === METRIC.guardrailFindings);
    // Assess
    expect(series.map((s) => ({ sets: s.dimensionSets, type: s.document[FINDING_TYPE_DIMENSION], values: s.values }))).toEqual([
      { sets: [['service', FINDING_TYPE_DIMENSION]], type: 'PII', values: [2] },
      { sets: [['service', FINDING_TYPE_DIMENSION]], type: 'PROMPT_ATTACK', values: [1] },
    ]);
  });

  it('with tenantDimension, the per-tenant copy is a separate document with `tenant`, and the service-only series stays whole', async () => {
    // Prepare: the same query without and with per-tenant metrics; the service-only figures must not change.
    await recorder().run({ requestId: 'req-1', tenant: 'tenant-a', feature: 'query' }, oneQuery);
    const without = expectConforming(flushedDocuments());
    written = [];
    // Act
    await recorder({ tenantDimension: true }).run({ requestId: 'req-2', tenant: 'tenant-a', feature: 'query' }, oneQuery);
    const documents = flushedDocuments();
    const series = expectConforming(documents);
    // Assess
    const tenantSeries = series.filter((s) => s.dimensionSets.some((set) => set.includes(TENANT_DIMENSION)));
    expect(new Set(tenantSeries.map((s) => s.name))).toEqual(new Set([METRIC.modelCalls, METRIC.modelInputTokens, METRIC.modelOutputTokens, METRIC.modelCost]));
    for (const s of tenantSeries) {
      expect(s.dimensionSets).toEqual([['service', TENANT_DIMENSION]]);
      expect(s.document[TENANT_DIMENSION]).toBe('tenant-a');
      // A separate document: nothing of the service-only series shares it.
      expect(s.document._aws.CloudWatchMetrics.every((d) => d.Dimensions.every((set) => set.includes(TENANT_DIMENSION)))).toBe(true);
    }
    for (const name of [METRIC.modelCalls, METRIC.modelInputTokens, METRIC.modelOutputTokens, METRIC.modelCost]) {
      expect({ name, total: serviceTotal(series, name) }).toEqual({ name, total: serviceTotal(without, name) });
      // The per-tenant copy carries the same totals as the service-only series (one tenant here).
      const tenantTotal = tenantSeries.filter((s) => s.name === name).reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
      expect({ name, tenantTotal }).toEqual({ name, tenantTotal: serviceTotal(without, name) });
    }
  });

  it('budget thresholds: 80% and 100% counted once each, a refused request counted, all conforming', async () => {
    // Prepare: a 100-token day; the query above uses 12 + 300 + 40 + rerank tokens, over it.
    const usage = recorder({ tokens: 100 });
    // Act
    await usage.run({ requestId: 'req-1', tenant: 'tenant-a', feature: 'query' }, oneQuery);
    await expect(usage.admit('tenant-a')).rejects.toThrow(/Daily budget exhausted/);
    const series = expectConforming(flushedDocuments());
    // Assess
    expect(serviceTotal(series, METRIC.budgetWarnings)).toBe(1);
    expect(serviceTotal(series, METRIC.budgetExhausted)).toBe(1);
    expect(serviceTotal(series, METRIC.budgetRejections)).toBe(1);
  });

  it('more than 100 values of one metric are split over documents of at most 100 values each', async () => {
    // Act
    for (let i = 0; i < 250; i += 1) recordMetric(METRIC.queryLatency, MetricUnit.Milliseconds, i);
    const series = expectConforming(flushedDocuments()).filter((s) => s.name === METRIC.queryLatency);
    // Assess
    expect(series.map((s) => s.values.length)).toEqual([100, 100, 50]);
    expect(series.flatMap((s) => s.values)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });
});

describe('metric names in the sources', () => {
  /** Every `addMetric(` / `recordMetric(` call of the deployed code whose name and unit are written out. */
  function metricCalls(): Array<{ file: string; name: string; unit: string }> {
    const root = path.resolve(__dirname, '../../../..');
    const files = ['functions', 'shared'].flatMap((dir) => tsFiles(path.join(root, dir)));
    const constants: Record<string, string> = METRIC;
    return files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:addMetric|recordMetric)\(\s*(?:'([^']+)'|METRIC\.(\w+)),\s*MetricUnit\.(\w+)/g)].map((match) => ({
        file: path.relative(root, file),
        name: match[1] ?? constants[match[2] ?? ''] ?? `METRIC.${match[2]}`,
        unit: MetricUnit[match[3] as keyof typeof MetricUnit] ?? `MetricUnit.${match[3]}`,
      })),
    );
  }

  it('paths this suite does not run (ingestion, triggers, retrieval counts) record only listed names, with the unit their name implies', () => {
    const calls = metricCalls();
    // A scan that finds nothing proves nothing: the ingestion and query counters are written this way today.
    expect(calls.length).toBeGreaterThanOrEqual(20);
    expect(calls.filter((c) => !ALL_METRIC_NAMES.includes(c.name) || c.unit !== expectedUnit(c.name))).toEqual([]);
  });
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the EMF checker rejects what the specification forbids', () => {
  const valid = (): Record<string, unknown> => ({
    _aws: {
      Timestamp: 1574109732004,
      CloudWatchMetrics: [{ Namespace: 'lambda-function-metrics', Dimensions: [['functionVersion']], Metrics: [{ Name: 'time', Unit: 'Milliseconds' }] }],
    },
    functionVersion: '$LATEST',
    time: 100,
    requestId: '989ffbf8-9ace-4817-a57c-e4dd734019ee',
  });
  const directive = (document: Record<string, unknown>) => {
    const aws = document._aws as { CloudWatchMetrics: Array<Record<string, unknown>> };
    const first = aws.CloudWatchMetrics[0];
    if (!first) throw new Error('no directive');
    return first;
  };

  it("accepts the specification's own example", () => {
    expect(emfProblems(valid())).toEqual([]);
  });

  it('rejects a directive without Namespace', () => {
    const document = valid();
    delete directive(document).Namespace;
    expect(emfSchemaErrors(document)).toEqual([expect.stringContaining("must have required property 'Namespace'")]);
  });

  it('rejects a DimensionSet of 31 keys, and accepts 30', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);
    const withKeys = (n: number) => {
      const document = valid();
      directive(document).Dimensions = [keys(n)];
      for (const key of keys(n)) document[key] = 'v';
      return document;
    };
    expect(emfProblems(withKeys(EMF_LIMITS.dimensionKeys))).toEqual([]);
    expect(emfSchemaErrors(withKeys(EMF_LIMITS.dimensionKeys + 1))).toEqual([expect.stringContaining('must NOT have more than 30 items')]);
  });

  it('rejects a metric or a dimension that is not a member of the root (also when nested)', () => {
    const missing = valid();
    delete missing.time;
    expect(emfViolations(missing)).toEqual(['directive 0: metric "time" is not a member of the root']);
    const nested = valid();
    delete nested.functionVersion;
    nested.function = { Version: '$LATEST' };
    directive(nested).Dimensions = [['function.Version']];
    expect(emfViolations(nested)).toEqual(['directive 0: dimension "function.Version" is not a member of the root']);
  });

  it('rejects 101 values of a metric, and accepts 100', () => {
    const withValues = (n: number) => ({ ...valid(), time: Array.from({ length: n }, (_, i) => i) });
    expect(emfViolations(withValues(EMF_LIMITS.metricValues))).toEqual([]);
    expect(emfViolations(withValues(EMF_LIMITS.metricValues + 1))).toEqual(['directive 0: metric "time" has 101 values, over 100']);
  });

  it('rejects a metric value that is not a number, and a dimension value that is not a string', () => {
    expect(emfViolations({ ...valid(), time: '100' })).toEqual(['directive 0: metric "time" is neither a number nor an array of numbers ("100")']);
    expect(emfViolations({ ...valid(), time: [1, null] })).toEqual(['directive 0: metric "time" holds a value that is not a number']);
    expect(emfViolations({ ...valid(), functionVersion: 7 })).toEqual(['directive 0: dimension "functionVersion" is not a string (7)']);
    expect(emfViolations({ ...valid(), functionVersion: 'x'.repeat(1025) })).toEqual(['directive 0: dimension "functionVersion" has 1025 characters']);
  });

  it('rejects more than 100 metric definitions, an unknown unit, a bad resolution, extra members and a missing Timestamp', () => {
    const many = valid();
    directive(many).Metrics = Array.from({ length: 101 }, (_, i) => ({ Name: `m${i}` }));
    expect(emfSchemaErrors(many)).toEqual([expect.stringContaining('must NOT have more than 100 items')]);
    const unit = valid();
    directive(unit).Metrics = [{ Name: 'time', Unit: 'NoUnit' }];
    expect(emfSchemaErrors(unit)).toEqual([expect.stringContaining('must be equal to one of the allowed values')]);
    const resolution = valid();
    directive(resolution).Metrics = [{ Name: 'time', StorageResolution: 30 }];
    expect(emfSchemaErrors(resolution)).toEqual([expect.stringContaining('must be equal to one of the allowed values')]);
    const extra = valid();
    directive(extra).Unit = 'Count';
    expect(emfSchemaErrors(extra)).toEqual([expect.stringContaining('must NOT have additional properties')]);
    const untimed = valid();
    delete (untimed._aws as Record<string, unknown>).Timestamp;
    expect(emfSchemaErrors(untimed)).toEqual([expect.stringContaining("must have required property 'Timestamp'")]);
  });

  it('knows the units Powertools can emit', () => {
    expect([...EMF_UNITS].sort()).toEqual([...Object.values(MetricUnit)].sort());
  });
});
