import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { MetricsResponse, UsageResponse } from '../../shared/contracts/usage';
import { loadConfig } from '../../shared/config/config';
import { extractOptionsFrom, extractText } from '../../shared/documents/extract';
import { splitSentences } from '../../shared/documents/sentences';
import { parseStreamEvents } from '../../shared/contracts/stream';
import type { InvocationRecord } from '../../shared/usage/invocation-record';
import { DEV_AUTHORIZATION, type DocumentListing, eventually, parseQuestionTable, postJson, type QueryBody, request } from '../helpers/http';
import { type NpmStart, startNpmStart } from '../helpers/npm-start';

/**
 * Issue 16, items 1 and 3 end to end: the real `npm start` process with its logs at INFO and its metrics on,
 * the sample corpus indexed, every sample question asked (POST /query, one streamed, one from the cache).
 * Then, from what the process wrote to stdout:
 * - one invocation record per model call, complete, and no sentence of any document or question in any line
 *   the process logged (records, metrics, every other line);
 * - each answer's `usage` is the sum of its request's records, and the "Query answered" line says the same;
 * - GET /usage adds up to the stored records, GET /metrics has the stages' latencies.
 */
const repoRoot = path.resolve(__dirname, '../..');
const samples = path.join(repoRoot, 'local/samples');

interface LogLine {
  message?: string;
  invocation?: InvocationRecord;
  _aws?: unknown;
  [key: string]: unknown;
}

/** Every sentence of the sample documents and the questions, at least 20 characters (shorter ones are common phrases). */
async function secretSentences(questions: readonly string[]): Promise<string[]> {
  const config = loadConfig({});
  const sentences = new Set<string>(questions);
  for (const file of await readdir(samples)) {
    if (file === 'QUESTIONS.md' || file === 'LICENSE.md') continue;
    const bytes = await readFile(path.join(samples, file));
    const { text } = await extractText(bytes, file, extractOptionsFrom(config.ingestion));
    for (const span of splitSentences(text)) {
      const sentence = text.slice(span.start, span.end).trim();
      if (sentence.length >= 20) sentences.add(sentence);
    }
  }
  return [...sentences];
}

describe('invocation records, usage and metrics of an end-to-end run (npm start)', () => {
  let started: NpmStart;
  let url: string;
  const answers: Array<{ requestId: string; usage: QueryBody['usage']; cached: boolean }> = [];
  let questions: string[] = [];

  const lines = (): LogLine[] =>
    started.output.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const records = (): InvocationRecord[] => lines().flatMap((line) => (line.message === 'Model invocation' && line.invocation ? [line.invocation] : []));

  beforeAll(async () => {
    started = await startNpmStart({ POWERTOOLS_METRICS_DISABLED: 'false', RAG_BUDGET_DAILY_TOKENS: '100000000' });
    url = started.url;
    await eventually(
      async () => {
        const res = await request<DocumentListing>(`${url}/documents`);
        return res.body.documents?.length === 5 && res.body.documents.every((d) => d.status === 'INDEXED') ? true : undefined;
      },
      'the five samples to be indexed',
      90_000,
    );
    questions = parseQuestionTable(await readFile(path.join(samples, 'QUESTIONS.md'), 'utf8')).map((q) => q.question);
    for (const question of questions) {
      const res = await postJson<QueryBody & { cached: boolean }>(`${url}/query`, { question });
      expect(res.status).toBe(200);
      answers.push({ requestId: res.body.requestId, usage: res.body.usage, cached: res.body.cached });
    }
    // The first question again: served from the answer cache.
    const again = await postJson<QueryBody & { cached: boolean }>(`${url}/query`, { question: questions[0] });
    answers.push({ requestId: again.body.requestId, usage: again.body.usage, cached: again.body.cached });
    // One streamed answer, not cached.
    const streamed = await fetch(`${url}/query/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify({ question: 'What must an expense report include?', cache: false }),
    });
    const events = parseStreamEvents(await streamed.text());
    const done = events.find((e) => e.event === 'done');
    if (done?.event !== 'done') throw new Error('the stream did not finish');
    answers.push({ requestId: done.data.requestId, usage: done.data.usage, cached: false });
    questions.push('What must an expense report include?');
    // Flushed lines reach the pipe before the next poll.
    await eventually(
      async () => (records().some((r) => r.requestId === done.data.requestId && r.kind === 'generation') ? true : undefined),
      'the stream records',
    );
  }, 240_000);

  afterAll(async () => {
    await started?.stop();
  });

  it('logs one complete record per model call, for every feature, each with hashes and counts only', () => {
    const all = records();
    expect(all.length).toBeGreaterThan(20);
    // The samples are seeded into the documents folder and indexed by the start-up sweep: feature `reindex`.
    expect(new Set(all.map((r) => r.feature))).toEqual(new Set(['reindex', 'query', 'stream']));
    expect(new Set(all.map((r) => r.kind))).toEqual(new Set(['embedding', 'generation', 'guardrail']));
    for (const record of all) {
      expect(record).toMatchObject({ tenant: 'default', outcome: 'ok', fallbackUsed: false, costUsd: 0 });
      expect(record.requestId).not.toBe('none');
      expect(record.latencyMs).toBeGreaterThanOrEqual(0);
      if (!record.cacheHit) {
        expect(record.inputSha256).toMatch(/^[0-9a-f]{16}$/);
        expect(record.region).toBe('local');
        expect(record.attempts).toBe(1);
      }
    }
    const generation = all.find((r) => r.kind === 'generation' && !r.cacheHit);
    expect(generation).toMatchObject({
      promptVersion: 'v2',
      promptSha256: expect.stringMatching(/^[0-9a-f]{16}$/),
      outputSha256: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(all.filter((r) => r.cacheHit)).toHaveLength(1);
  });

  it('writes no sentence of any document or question anywhere in its logs', async () => {
    const secrets = await secretSentences(questions);
    expect(secrets.length).toBeGreaterThan(40);
    // Every line the process logged (stdout), and stderr but the start-up banner, whose curl example quotes a
    // sample question on purpose.
    const output =
      started.output.stdout +
      started.output.stderr
        .split('\n')
        .filter((line) => !line.startsWith('Try: curl'))
        .join('\n');
    const leaked = secrets.filter((sentence) => output.includes(sentence));
    expect(leaked).toEqual([]);
    // The check can fail: the answers themselves are made of these sentences.
    expect(secrets.some((s) => questions.includes(s))).toBe(true);
  });

  it("gives each answer the sum of its request's records, and logs the same figures", () => {
    const all = records();
    const answered = lines().filter((line) => line.message === 'Query answered');
    for (const answer of answers) {
      const own = all.filter((r) => r.requestId === answer.requestId && !r.cacheHit);
      expect({
        requestId: answer.requestId,
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        calls: answer.usage.calls,
      }).toEqual({
        requestId: answer.requestId,
        inputTokens: own.reduce((sum, r) => sum + r.inputTokens, 0),
        outputTokens: own.reduce((sum, r) => sum + r.outputTokens, 0),
        calls: own.length,
      });
      if (answer.cached) continue;
      expect(own.length).toBeGreaterThanOrEqual(3);
      const logged = answered.find((line) => line.correlationId === answer.requestId);
      expect([answer.requestId, logged?.inputTokens, logged?.outputTokens]).toEqual([answer.requestId, answer.usage.inputTokens, answer.usage.outputTokens]);
    }
    expect(answered.length).toBeGreaterThanOrEqual(answers.length - 1);
  });

  it('reports through GET /usage exactly what the records add up to, and stage latencies through GET /metrics', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const usage = await request<UsageResponse>(`${url}/usage?from=${today}&to=${today}&groupBy=feature`);
    const metrics = await request<MetricsResponse>(`${url}/metrics`);

    expect(usage.status).toBe(200);
    const all = records();
    for (const feature of ['reindex', 'query', 'stream'] as const) {
      const own = all.filter((r) => r.feature === feature);
      expect({ feature, ...usage.body.rows.find((row) => row.key === feature) }).toMatchObject({
        feature,
        calls: own.filter((r) => !r.cacheHit).length,
        cacheHits: own.filter((r) => r.cacheHit).length,
        inputTokens: own.reduce((sum, r) => sum + r.inputTokens, 0),
        outputTokens: own.reduce((sum, r) => sum + r.outputTokens, 0),
        costUsd: 0,
        unpricedCalls: 0,
      });
    }
    expect(usage.body.budget).toMatchObject({
      limitTokens: 100_000_000,
      state: 'ok',
      usedTokens: usage.body.totals.inputTokens + usage.body.totals.outputTokens,
    });
    expect(metrics.status).toBe(200);
    const stages = new Map(metrics.body.stages.map((s) => [s.stage, s]));
    for (const stage of ['Query', 'GuardInput', 'Retrieve', 'Generate', 'Model', 'FirstDelta']) expect(stages.get(stage)?.count).toBeGreaterThan(0);
    expect(stages.get('Query')?.p99Ms).toBeGreaterThanOrEqual(stages.get('Query')?.p50Ms ?? Number.POSITIVE_INFINITY);
    expect(metrics.body.counters.ModelCalls).toBe(all.filter((r) => !r.cacheHit).length);
    expect(metrics.body.counters.RerankDropOff).toBeGreaterThan(0);
    expect(metrics.body.gauges).toEqual({ queriesInFlight: 0, queriesRefused: 0 });
  });

  it('emits the metrics as EMF lines in the ServerlessRag namespace', () => {
    const emf = lines().filter((line) => line._aws !== undefined);
    expect(emf.length).toBeGreaterThan(0);
    const names = new Set(
      emf.flatMap((line) =>
        (line._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }).CloudWatchMetrics.flatMap((d) =>
          d.Metrics.map((m) => m.Name),
        ),
      ),
    );
    for (const name of ['ModelCalls', 'ModelLatencyMs', 'ModelInputTokens', 'QueryLatencyMs', 'RetrieveLatencyMs', 'IngestedDocuments'])
      expect(names).toContain(name);
  });
});
