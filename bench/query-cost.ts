import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AWS_PRICES, type AwsPriceName, costOf, totalCost } from '../shared/models/aws-prices';
import { formatTable, round } from './table';

/**
 * `npm run bench -- query-cost`: the AWS query path counted, not estimated by hand. The counts come from
 * tests/iam/query-path-count.ts, run in a child process: the emulated stack (packaged template, emulators
 * over the wire, the real ASL) records every AWS call of five uncached queries with the function that made
 * it, and walks statemachines/query.asl.json for the states an answered query enters. With
 * `--baseline-tree <dir>` (an older checkout with that file copied in) the same count runs there too, so
 * the table shows before and after. Prices come from shared/models/aws-prices.ts (sources there); a part
 * with no price read is named, never guessed. Token counts and model times are the stated assumptions
 * below, not the emulator's.
 */
export interface QueryPathCount {
  queries: number;
  states: string[];
  tasks: string[];
  callsPerQuery: Record<string, Record<string, number>>;
}

export interface QueryCostAssumptions {
  /** Tokens of an embedded question. */
  questionTokens: number;
  /** Converse input (question + 5 chunks + prompt) and output tokens. */
  converseInputTokens: number;
  converseOutputTokens: number;
  /** Lambda memory (serverless.yml provider.memorySize) and the billed time of each invocation. */
  lambdaMemoryGb: number;
  /** Billed ms of a Task invocation that waits on no model (validate, citations). */
  taskMs: number;
  /** Billed ms of a Task invocation per model or AWS call it waits on. */
  callMs: number;
  /** Model time of Converse. */
  modelMs: number;
}

export const DEFAULT_ASSUMPTIONS: QueryCostAssumptions = {
  questionTokens: 25,
  converseInputTokens: 1500,
  converseOutputTokens: 250,
  lambdaMemoryGb: 1,
  taskMs: 20,
  callMs: 100,
  modelMs: 500,
};

export interface QueryCostColumn {
  label: string;
  lambdaInvocations: number;
  states: number;
  tasks: string[];
  calls: Record<string, number>;
  /** Sequential time of the path under the assumptions: every call and Task in order, api-query waiting on all. */
  latencyMs: number;
  costPer1000: { parts: { name: AwsPriceName; usd: number | undefined }[]; pricedUsd: number; totalUsd: number | undefined; unpriced: AwsPriceName[] };
}

const MODEL_CALL = /ConverseCommand$/;

/** Commands over all functions, per query. */
function callsByCommand(count: QueryPathCount): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const byCommand of Object.values(count.callsPerQuery)) {
    for (const [command, n] of Object.entries(byCommand)) calls[command] = round((calls[command] ?? 0) + n, 2);
  }
  return calls;
}

/** The cost and sequential latency of one counted path, per 1,000 queries, from the price table. */
export function costQueryPath(label: string, count: QueryPathCount, a: QueryCostAssumptions = DEFAULT_ASSUMPTIONS): QueryCostColumn {
  const calls = callsByCommand(count);
  const n = (command: string): number => Object.entries(calls).find(([c]) => c.endsWith(command))?.[1] ?? 0;
  // One invocation per Task state, plus the API function that starts the synchronous execution.
  const lambdaInvocations = count.tasks.length + 1;
  const taskCalls = Object.entries(count.callsPerQuery).filter(([fn]) => fn !== 'api-query');
  const taskMs =
    count.tasks.length * a.taskMs +
    taskCalls.reduce(
      (sum, [, byCommand]) => sum + Object.entries(byCommand).reduce((s, [command, k]) => s + k * (MODEL_CALL.test(command) ? a.modelMs : a.callMs), 0),
      0,
    );
  const apiMs = a.taskMs + taskMs + (Object.values(count.callsPerQuery['api-query'] ?? {}).reduce((s, k) => s + k, 0) - 1) * a.callMs;
  const gbSeconds = ((taskMs + apiMs) / 1000) * a.lambdaMemoryGb;
  const q = 1000;
  const parts: { name: AwsPriceName; usd: number | undefined }[] = [
    { name: 'stepFunctionsExpressRequests', usd: costOf('stepFunctionsExpressRequests', q) },
    { name: 'stepFunctionsExpressGbSeconds', usd: costOf('stepFunctionsExpressGbSeconds', q * (taskMs / 1000) * 0.064) },
    { name: 'lambdaRequests', usd: costOf('lambdaRequests', q * lambdaInvocations) },
    { name: 'lambdaGbSecondsArm64', usd: costOf('lambdaGbSecondsArm64', q * gbSeconds) },
    { name: 'bedrockTitanEmbedV2InputTokens', usd: costOf('bedrockTitanEmbedV2InputTokens', q * n('InvokeModelCommand') * a.questionTokens) },
    { name: 'bedrockClaudeHaiku45InputTokens', usd: costOf('bedrockClaudeHaiku45InputTokens', q * n('ConverseCommand') * a.converseInputTokens) },
    { name: 'bedrockClaudeHaiku45OutputTokens', usd: costOf('bedrockClaudeHaiku45OutputTokens', q * n('ConverseCommand') * a.converseOutputTokens) },
    { name: 's3VectorsQueries', usd: costOf('s3VectorsQueries', q * n('QueryVectorsCommand')) },
  ];
  if (n('RerankCommand') > 0) parts.push({ name: 'bedrockCohereRerank35Queries', usd: costOf('bedrockCohereRerank35Queries', q * n('RerankCommand')) });
  if (n('GetItemCommand') > 0) parts.push({ name: 'dynamoDbOnDemandReads', usd: costOf('dynamoDbOnDemandReads', q * n('GetItemCommand')) });
  if (n('PutItemCommand') > 0) parts.push({ name: 'dynamoDbOnDemandWrites', usd: costOf('dynamoDbOnDemandWrites', q * n('PutItemCommand')) });
  const total = totalCost(parts.map((p) => ({ name: p.name, cost: p.usd })));
  return {
    label,
    lambdaInvocations,
    states: count.states.length,
    tasks: count.tasks,
    calls,
    latencyMs: round(apiMs),
    costPer1000: {
      parts,
      pricedUsd: round(
        parts.reduce((s, p) => s + (p.usd ?? 0), 0),
        4,
      ),
      totalUsd: total.usd,
      unpriced: total.unpriced,
    },
  };
}

/** Runs the counter of `repo` (tests/iam/query-path-count.ts) in a child process. */
export async function countQueryPath(repo: string): Promise<QueryPathCount> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-query-cost-'));
  const out = path.join(dir, 'count.json');
  try {
    const child = fork(path.join(repo, 'tests/iam/query-path-count.ts'), [out], {
      cwd: repo,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`query path count in ${repo} exited with ${code}`);
    return JSON.parse(await readFile(out, 'utf8')) as QueryPathCount;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface QueryCostResult {
  assumptions: QueryCostAssumptions;
  columns: QueryCostColumn[];
  prices: Record<string, { usd: number | undefined; per: number; unit: string; url: string }>;
}

export async function runQueryCostBench(options: { baselineTree?: string }, log: (line: string) => void = () => undefined): Promise<QueryCostResult> {
  const columns: QueryCostColumn[] = [];
  if (options.baselineTree) {
    log(`query-cost: counting the baseline in ${options.baselineTree}`);
    columns.push(costQueryPath('before', await countQueryPath(options.baselineTree)));
  }
  log('query-cost: counting this tree on the emulated stack');
  columns.push(costQueryPath(options.baselineTree ? 'after' : 'this tree', await countQueryPath(path.resolve(__dirname, '..'))));
  const used = new Set(columns.flatMap((c) => c.costPer1000.parts.map((p) => p.name)));
  const prices = Object.fromEntries(
    [...used].map((name) => [name, { usd: AWS_PRICES[name].usd, per: AWS_PRICES[name].per, unit: AWS_PRICES[name].unit, url: AWS_PRICES[name].source.url }]),
  );
  return { assumptions: DEFAULT_ASSUMPTIONS, columns, prices };
}

export function formatQueryCost(result: QueryCostResult): string {
  const commands = [...new Set(result.columns.flatMap((c) => Object.keys(c.calls)))].sort();
  const usd = (v: number | undefined): string => (v === undefined ? 'unpriced' : `$${v.toFixed(4)}`);
  const rows: (string | number)[][] = [
    ['Lambda invocations / query', ...result.columns.map((c) => c.lambdaInvocations)],
    ['states entered / query (Express bills per execution + duration, not transitions)', ...result.columns.map((c) => c.states)],
    ['Task states', ...result.columns.map((c) => c.tasks.join(' > '))],
    ...commands.map((command) => [`${command.replace(/Client\./, ' ').replace(/Command$/, '')} / query`, ...result.columns.map((c) => c.calls[command] ?? 0)]),
    ['sequential latency, ms (assumed call times)', ...result.columns.map((c) => c.latencyMs)],
    ...[...new Set(result.columns.flatMap((c) => c.costPer1000.parts.map((p) => p.name)))].map((name) => [
      `per 1,000: ${name}`,
      ...result.columns.map((c) => usd(c.costPer1000.parts.find((p) => p.name === name)?.usd)),
    ]),
    ['per 1,000: priced subtotal', ...result.columns.map((c) => usd(c.costPer1000.pricedUsd))],
    [
      'per 1,000: total',
      ...result.columns.map((c) =>
        c.costPer1000.totalUsd === undefined ? `unknown (unpriced: ${c.costPer1000.unpriced.length})` : usd(c.costPer1000.totalUsd),
      ),
    ],
  ];
  const a = result.assumptions;
  return [
    'AWS query path (converse mode), counted on the emulated stack: one answered, uncached POST /query',
    formatTable(['', ...result.columns.map((c) => c.label)], rows),
    `Assumptions: question ${a.questionTokens} tokens; Converse ${a.converseInputTokens} in / ${a.converseOutputTokens} out tokens, ${a.modelMs} ms; ${a.callMs} ms per other AWS call, ${a.taskMs} ms per Task; ${a.lambdaMemoryGb} GB arm64; api-query billed while it waits. Not in the price table yet (counted above, not priced): ApplyGuardrail, HTTP API requests. Prices: shared/models/aws-prices.ts (read ${Object.values(result.prices).length > 0 ? '2026-12-01' : '-'}).`,
  ].join('\n');
}
