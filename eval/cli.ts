/**
 * `npm run eval -- --dataset <dir> [--split test] [--k 1,3,5,10,100] [--out result.json] [--json] [--min-ndcg X]
 *                  [--qa questions.jsonl | --no-qa] [--unanswerable queries.jsonl | --no-unanswerable] [--per-query]
 *                  [--run run.trec] [--baseline bm25] [--no-html]`
 * Exit codes: 0 done (and gate passed), 1 quality gate failed, 2 bad usage or dataset, 3 evaluation failed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { htmlPathFor } from '../scripts/report/html-report';
import { UsageError } from './errors';
import type { EvalReport } from './evaluate';
import type { GateResult } from './report';

export interface CliOptions {
  dataset: string;
  split: string;
  ks?: number[];
  out?: string;
  json: boolean;
  minNdcg?: number;
  qa?: string | null;
  unanswerable?: string | null;
  perQuery: boolean;
  run?: string;
  baseline?: 'bm25';
  /** With --out the HTML report goes beside the JSON unless --no-html made this false. */
  html?: false;
  help: boolean;
}

export const USAGE = `Usage: npm run eval -- --dataset <dir> [options]

Evaluates retrieval (and, with a QA file, answers) on a dataset in BEIR format over an index
built in a temp folder: answers come from the query state machine (the same ASL and handlers
as npm start), rankings from its retrieve + rerank steps.

  --dataset <dir>     folder with corpus.jsonl, queries.jsonl, qrels/<split>.tsv (required)
  --split <name>      qrels split (default: test)
  --k <list>          Recall cut-offs, comma-separated, each 1..100 (default: 1,3,5,10,100)
  --out <file>        also write the JSON result to this file, and beside it the same name in
                      .html: a self-contained report with charts (opens from file://, no network)
  --no-html           with --out, write the JSON only
  --json              print only the JSON result on stdout (no table, no progress bar)
  --min-ndcg <x>      exit 1 when nDCG@10 is below x (CI quality gate)
  --qa <file>         QA file (questions.jsonl: question, answers[], doc_ids[], wrong_answers[]);
                      default: <dataset>/questions.jsonl when present
  --no-qa             skip answer evaluation
  --unanswerable <f>  questions the corpus cannot answer, in queries.jsonl format ({"_id", "text"}), to
                      measure abstention: answered-when-answerable (QA questions, else the judged queries)
                      and abstained-when-not. For a BEIR set, pass another collection's queries, e.g.
                      cranfield with ../shared/datasets/nfcorpus/queries.jsonl (aeronautics questions
                      asked of nutrition abstracts, and the reverse); default: <dataset>/unanswerable.jsonl
                      when present
  --no-unanswerable   skip the abstention run
  --per-query         include per-query metrics and rankings in the JSON
  --run <file>        write the document rankings in TREC run format (for trec_eval)
  --baseline bm25     also score the datasets README's reference BM25 (k1 0.9, b 0.4, Porter) on the
                      same files, in-process, and print it beside the service
  --help              this text

The adapters and their settings come from the environment as for the service (RAG_EMBEDDER,
RAG_RERANKER, RAG_CHUNK_SIZE, RAG_CANDIDATES, ...); storage always goes to a temp folder.`;

function value(args: string[], i: number, flag: string): string {
  const next = args[i + 1];
  if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return next;
}

function numberOf(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} expects a number, got "${text}"`);
  return n;
}

export function parseArgs(args: string[]): CliOptions {
  const options: CliOptions = { dataset: '', split: 'test', json: false, perQuery: false, help: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(args, i, flag);
      i += 1;
      return v;
    };
    switch (flag) {
      case '--dataset':
        options.dataset = take();
        break;
      case '--split':
        options.split = take();
        break;
      case '--k':
        options.ks = take()
          .split(',')
          .filter((part) => part.trim() !== '')
          .map((part) => numberOf(part, '--k'));
        break;
      case '--out':
        options.out = take();
        break;
      case '--json':
        options.json = true;
        break;
      case '--min-ndcg': {
        const x = numberOf(take(), '--min-ndcg');
        if (x < 0 || x > 1) throw new UsageError('--min-ndcg must be within 0..1');
        options.minNdcg = x;
        break;
      }
      case '--qa':
        options.qa = take();
        break;
      case '--no-qa':
        options.qa = null;
        break;
      case '--unanswerable':
        options.unanswerable = take();
        break;
      case '--no-unanswerable':
        options.unanswerable = null;
        break;
      case '--per-query':
        options.perQuery = true;
        break;
      case '--no-html':
        options.html = false;
        break;
      case '--run':
        options.run = take();
        break;
      case '--baseline': {
        const name = take();
        if (name !== 'bm25') throw new UsageError(`--baseline knows only bm25: ${name}`);
        options.baseline = name;
        break;
      }
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!options.help && !options.dataset) throw new UsageError('--dataset <dir> is required');
  return options;
}

async function writeOutput(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, content);
}

/**
 * The HTML report of a run, from the in-memory report (per-query figures included whatever --per-query says), the
 * query texts, and with a baseline its per-query scores: the report keeps only the baseline's means, so the same
 * deterministic BM25 runs again on the same files, and its scores are used only if their mean is the report's.
 */
async function evalHtml(report: EvalReport, gate: GateResult | undefined, options: CliOptions): Promise<{ html: string; warning?: string }> {
  const { loadBeirDataset } = await import('./beir');
  const { runBm25Retrieval } = await import('./baselines/bm25');
  const { BM25_REFERENCE, MAX_DEPTH } = await import('./evaluate');
  const { renderEvalHtml } = await import('./html-report');
  const dataset = await loadBeirDataset(options.dataset, options.split);
  const queryTexts = new Map(dataset.queries.map((query) => [query.id, query.text]));
  let baselinePerQuery: EvalReport['perQuery'] | undefined;
  let warning: string | undefined;
  if (report.baseline) {
    const run = runBm25Retrieval(dataset, Object.keys(report.retrieval.recall).map(Number), MAX_DEPTH, BM25_REFERENCE);
    if (Math.abs(run.metrics.ndcgAt10 - report.baseline.retrieval.ndcgAt10) < 1e-9) baselinePerQuery = run.perQuery;
    else
      warning = `HTML report: the BM25 re-run scored nDCG@10 ${run.metrics.ndcgAt10}, not the report's ${report.baseline.retrieval.ndcgAt10}; its histogram is left out`;
  }
  return { html: renderEvalHtml({ report, gate, queryTexts, ...(baselinePerQuery ? { baselinePerQuery } : {}) }), ...(warning ? { warning } : {}) };
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Telemetry singletons read these when first imported: no EMF lines and no info logs among the results.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'rag-eval';
  if (options.json) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  else process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

  const { evaluate } = await import('./evaluate');
  const { createProgress } = await import('./progress');
  const { checkGate, formatReport, toJson, toTrecRun } = await import('./report');
  const { DatasetFormatError } = await import('./errors');
  const { ConfigurationError } = await import('../shared/errors');
  try {
    const report = await evaluate({
      datasetDir: options.dataset,
      split: options.split,
      ...(options.ks ? { ks: options.ks } : {}),
      ...(options.qa !== undefined ? { qaFile: options.qa } : {}),
      ...(options.unanswerable !== undefined ? { unanswerableFile: options.unanswerable } : {}),
      env: process.env,
      ...(options.baseline ? { baseline: options.baseline } : {}),
      progress: createProgress({ enabled: !options.json }),
    });
    const gate = checkGate(report, options.minNdcg);
    const json = `${JSON.stringify(toJson(report, gate, { perQuery: options.perQuery }), null, 2)}\n`;
    if (options.out) await writeOutput(options.out, json);
    const htmlFile = options.out && options.html !== false ? htmlPathFor(options.out) : undefined;
    if (htmlFile) {
      const { html, warning } = await evalHtml(report, gate, options);
      if (warning) process.stderr.write(`${warning}\n`);
      await writeOutput(htmlFile, html);
    }
    if (options.run) await writeOutput(options.run, toTrecRun(report));
    if (options.json) {
      process.stdout.write(json);
      // stdout holds the JSON only.
      if (htmlFile) process.stderr.write(`Wrote ${htmlFile}\n`);
    } else process.stdout.write(`${formatReport(report, gate)}\n${options.out ? `Wrote ${options.out}\n` : ''}${htmlFile ? `Wrote ${htmlFile}\n` : ''}`);
    return gate && !gate.passed ? 1 : 0;
  } catch (error) {
    if (error instanceof DatasetFormatError || error instanceof UsageError || error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`Evaluation failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 3;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
