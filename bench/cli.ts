/**
 * `npm run bench -- [query|ingest|cold-start|all] [--quick] [--duration <s>] [--out-dir <dir>] [--json] [--no-html]`
 * Writes bench/results/<name>.json (<name>-quick.json with --quick), beside it <name>.html (charts, self-contained),
 * and prints a table per bench.
 * Timings depend on the machine: nothing here asserts on them; `npm test` never runs this.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import * as path from 'node:path';
import { htmlPathFor } from '../scripts/report/html-report';
import type { BenchHtmlData } from './html-report';

type BenchName = 'query' | 'query-cost' | 'ingest' | 'cold-start';
const ALL: BenchName[] = ['query', 'ingest', 'cold-start'];

export interface BenchCliOptions {
  benches: BenchName[];
  quick: boolean;
  durationSeconds?: number;
  /** query-cost: an older checkout to count beside this one (before/after). */
  baselineTree?: string;
  /** ingest: a burst of this many small files through the local ingest state machine instead of the quota bench. */
  burst?: number;
  outDir: string;
  json: boolean;
  /** <name>.html goes beside each <name>.json unless --no-html made this false. */
  html?: false;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [query|ingest|cold-start|all] [options]

  query        POST /query throughput, p50/p95/p99, overhead over the model and share of 429s
               at concurrency 1, 10, 50, 100, 200 (1, 10, 50 with --quick) over a
               10,000-chunk synthetic index (2,000 with --quick), with the embedded
               generator and with an emulated 500 ms model latency; then POST /query/stream
               time to first delta at concurrency 1 and 10 (100 answers each, 20 with --quick)
  query-cost   the AWS query path counted on the emulated stack: Lambda invocations, states,
               AWS calls per query, and a cost per 1,000 queries from shared/models/aws-prices.ts
               (--baseline-tree <dir>: also count an older checkout, for before/after; not in 'all')
  ingest       synthetic documents through the ingest state machine against the Bedrock
               emulator behind a requests-per-minute quota: chunks/s, quota utilisation, lost chunks
               (--burst <n>: n small files through the local ingest state machine instead:
               documents/s by corpus size, RSS start/peak/end, index bytes, AWS cost per 1,000)
  cold-start   esbuild production bundle per function: size and import time in a fresh process
  all          all three (default)

  --quick            short runs (well under a minute in total)
  --burst <n>        ingest: the burst form above with n documents
  --duration <s>     measured seconds per query load level (default 10, quick 2), after a
                     warm-up of at least 5 s (quick 1 s), longer when queues need time to fill
  --out-dir <dir>    where <name>.json goes (default bench/results), and beside it <name>.html:
                     a self-contained report with charts (opens from file://, no network)
  --no-html          write the JSON only
  --json             print the JSON instead of the tables`;

const PRIMITIVE_ARRAY = /\[\n((?:[ ]*(?:-?\d[\d.eE+-]*|"(?:[^"\\\n]|\\.)*"|true|false|null),?\n)+)[ ]*\]/g;

/**
 * JSON.stringify with 2 spaces, but short arrays of numbers or strings on one line, as the repository's
 * formatter (Biome, which checks bench/**) writes them: result files stay lint-clean.
 */
export function formatJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(PRIMITIVE_ARRAY, (whole, items: string) => {
    const inline = `[${items
      .split('\n')
      .map((item) => item.trim().replace(/,$/, ''))
      .filter((item) => item !== '')
      .join(', ')}]`;
    return inline.length <= 100 ? inline : whole;
  });
  return `${text}\n`;
}

export function parseBenchArgs(args: string[]): BenchCliOptions {
  const options: BenchCliOptions = { benches: [], quick: false, outDir: path.join(__dirname, 'results'), json: false, help: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    switch (arg) {
      case 'query':
      case 'query-cost':
      case 'ingest':
      case 'cold-start':
        if (!options.benches.includes(arg)) options.benches.push(arg);
        break;
      case 'all':
        options.benches = [...ALL];
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--json':
        options.json = true;
        break;
      case '--no-html':
        options.html = false;
        break;
      case '--duration': {
        const value = Number(args[i + 1]);
        if (!(value > 0 && value <= 600)) throw new Error('--duration expects seconds between 0 and 600');
        options.durationSeconds = value;
        i += 1;
        break;
      }
      case '--burst': {
        const value = Number(args[i + 1]);
        if (!(Number.isInteger(value) && value > 0 && value <= 1_000_000)) throw new Error('--burst expects a number of documents between 1 and 1,000,000');
        options.burst = value;
        i += 1;
        break;
      }
      case '--baseline-tree': {
        const value = args[i + 1];
        if (!value) throw new Error('--baseline-tree needs a directory');
        options.baselineTree = path.resolve(value);
        i += 1;
        break;
      }
      case '--out-dir': {
        const value = args[i + 1];
        if (!value) throw new Error('--out-dir needs a value');
        options.outDir = path.resolve(value);
        i += 1;
        break;
      }
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (options.benches.length === 0) options.benches = [...ALL];
  return options;
}

async function main(argv: string[]): Promise<number> {
  let options: BenchCliOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Before the telemetry singletons load: no EMF or info logs among the results.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'rag-bench';
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  await mkdir(options.outDir, { recursive: true });
  const suffix = options.quick ? '-quick' : '';
  const results: Record<string, unknown> = {};
  let exitCode = 0;

  for (const bench of options.benches) {
    const started = new Date();
    const loadBefore = loadavg().map((value) => Number(value.toFixed(2)));
    let result: unknown;
    let table: string;
    let parameters: Record<string, unknown>;
    let htmlData: BenchHtmlData;
    if (bench === 'query') {
      const { runQueryBench, formatQueryBench } = await import('./query');
      const p = {
        chunks: options.quick ? 2_000 : 10_000,
        durationSeconds: options.durationSeconds ?? (options.quick ? 2 : 10),
        warmupSeconds: options.quick ? 1 : 5,
        maxWarmupSeconds: options.quick ? 3 : 30,
        // Past 64 (the default RAG_MAX_INFLIGHT_QUERIES) the server refuses with 429: the table shows where.
        concurrencies: options.quick ? [1, 10, 50] : [1, 10, 50, 100, 200],
        modelLatenciesMs: [0, 500],
        streamRequests: options.quick ? 20 : 100,
        streamConcurrencies: [1, 10],
      };
      parameters = p;
      const r = await runQueryBench(p, log);
      result = r;
      htmlData = { bench: 'query', result: r };
      table = formatQueryBench(r);
    } else if (bench === 'query-cost') {
      const { runQueryCostBench, formatQueryCost } = await import('./query-cost');
      const p = { baselineTree: options.baselineTree };
      parameters = p;
      const r = await runQueryCostBench(p, log);
      result = r;
      htmlData = { bench: 'query-cost', result: r };
      table = formatQueryCost(r);
    } else if (bench === 'ingest' && options.burst !== undefined) {
      const { runIngestBurst, formatIngestBurst } = await import('./ingest');
      const p = { documents: options.burst, documentChars: 300, bucketSize: Math.max(1, Math.ceil(options.burst / 10)) };
      parameters = p;
      const r = await runIngestBurst(p, log);
      result = r;
      htmlData = { bench: 'ingest-burst', result: r };
      table = formatIngestBurst(r);
      if (r.failedExecutions > 0) {
        log(`ingest burst: ${r.failedExecutions} executions failed`);
        exitCode = 1;
      }
    } else if (bench === 'ingest') {
      const { runIngestBench, formatIngestBench } = await import('./ingest');
      const p = options.quick
        ? { documents: 8, documentChars: 2500, quotaRequestsPerMinute: 600 }
        : { documents: 60, documentChars: 3000, quotaRequestsPerMinute: 600 };
      parameters = p;
      const r = await runIngestBench(p, log);
      result = r;
      htmlData = { bench: 'ingest', result: r };
      table = formatIngestBench(r);
      // Losing a chunk is a correctness failure, not a slow run.
      if (r.lostChunks !== 0 || r.failedDocuments !== 0) {
        log(`ingest: ${r.lostChunks} chunks lost, ${r.failedDocuments} documents not indexed`);
        exitCode = 1;
      }
    } else {
      const { runColdStartBench, formatColdStartBench } = await import('./cold-start');
      const p = options.quick ? { runs: 3, functions: ['api-query', 'ingest-embed-batch'] } : { runs: 5 };
      parameters = p;
      const r = await runColdStartBench(p, log);
      result = r;
      htmlData = { bench: 'cold-start', result: r };
      table = formatColdStartBench(r);
    }
    // Other work on the box skews timings: the load average before and after says how quiet it was.
    const document = {
      bench,
      quick: options.quick,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadavg().map((value) => Number(value.toFixed(2))) },
      parameters,
      result,
    };
    const file = path.join(options.outDir, `${bench}${suffix}.json`);
    await writeFile(file, formatJson(document));
    if (options.html !== false) {
      const { renderBenchHtml } = await import('./html-report');
      const htmlFile = htmlPathFor(file);
      await writeFile(htmlFile, renderBenchHtml({ ...document, data: htmlData }));
      log(`Wrote ${path.relative(process.cwd(), htmlFile) || htmlFile}`);
    }
    results[bench] = document;
    if (!options.json) process.stdout.write(`\n${table}\n`);
  }
  if (options.json) process.stdout.write(formatJson(results));
  else
    process.stdout.write(
      `\nMachine: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}. Results in ${path.relative(process.cwd(), options.outDir) || '.'}/\n`,
    );
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`Bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
