import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { percentile } from '../eval/metrics';
import { type BuiltFunction, buildFunctionBundles } from '../scripts/build-functions';
import { baselineClients, baselineHandlerSource, coldStartSummary, coldStartVerdict, isQueryPath } from './cold-start-baseline';
import { formatTable, round } from './table';

/**
 * Cold start: every function's production bundle (the project's one bundler, esbuild, minified), its size,
 * and the time a fresh Node process takes to import it (module initialisation, what a Lambda cold start
 * pays before the first invocation), median of several runs. Every AWS SDK client a function calls is inside
 * its bundle (scripts/build-functions.ts), so its load time is part of the bundle's.
 *
 * Beside each bundle, in the same run and interleaved with it, its baseline: a minimal CommonJS handler in a
 * temporary folder that requires the unbundled SDK v3 client(s) the bundle carries from node_modules and
 * constructs them (bench/cold-start-baseline.ts). The ratio bundle/baseline is what to compare across
 * machines; the absolute query-path budget (60 ms) is for the lead's quiet machine. Both sides are measured
 * as far as `require` goes: a bundle's handler builds its ports (and their clients) on its first invocation
 * (shared/adapters/wiring.ts), the baseline constructs its clients at import.
 */
export interface ColdStartOptions {
  runs: number;
  /** Only these functions (catalog names); default all. */
  functions?: string[];
}

export interface ColdStartRow {
  name: string;
  bytes: number;
  /** Median time of `require(bundle)` inside a fresh process. */
  importMs: number;
  importMsMin: number;
  importMsMax: number;
  /** Median wall time of the whole process (Node start + import + exit). */
  processMs: number;
  /** Median CPU time (user + system) of the import: steadier than the wall time on a shared machine. */
  importCpuMs: number;
  /** The SDK clients the baseline handler requires. */
  baselineClients: string[];
  /** Median time of `require(baseline handler)`, measured interleaved with the bundle's. */
  baselineMs: number;
  baselineCpuMs: number;
  /** importMs / baselineMs: the target's measure. */
  ratio: number;
  /** importCpuMs / baselineCpuMs. */
  cpuRatio: number;
  queryPath: boolean;
  fasterThanBaseline: boolean;
  withinQueryBudget?: boolean;
  meetsTarget: boolean;
}

export interface ColdStartResult {
  node: string;
  runs: number;
  buildMs: number;
  rows: ColdStartRow[];
  /** Which bundles meet the target (each faster than its baseline, query path within budget). */
  summary: string;
}

const repoRoot = path.resolve(__dirname, '..');

/**
 * Printed by the child: the import's wall time, measured around require() with the process's own clock, and
 * the CPU time it used (user + system), which a busy machine disturbs far less than the wall time.
 */
const PROBE = `const c0 = process.cpuUsage(); const t0 = performance.now(); require(process.argv[1]); const ms = performance.now() - t0; const c = process.cpuUsage(c0); process.stdout.write(JSON.stringify([ms, (c.user + c.system) / 1000]));`;

interface ImportSample {
  importMs: number;
  cpuMs: number;
  processMs: number;
}

function parseProbe(out: string): { importMs: number; cpuMs: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(out);
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return { importMs: parsed[0] as number, cpuMs: parsed[1] as number };
    }
  } catch {
    // reported below with the child's stderr
  }
  return undefined;
}

/**
 * A Lambda-like environment: no developer settings, no loaders, and what every function gets on AWS that
 * changes its start: AWS_EXECUTION_ENV (Powertools' tracer is enabled by it and then loads and patches as on
 * Lambda) and serverless.yml's NODE_OPTIONS, when it sets one (it does not: --enable-source-maps cost ~15% of each import).
 * The baseline runs in the same environment.
 */
export const LAMBDA_LIKE_ENVIRONMENT: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  NODE_OPTIONS: '',
  POWERTOOLS_SERVICE_NAME: 'rag',
  NODE_ENV: 'production',
};

function importOnce(file: string): Promise<ImportSample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', PROBE, file], {
      env: { PATH: process.env.PATH ?? '', ...LAMBDA_LIKE_ENVIRONMENT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      err += data.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const processMs = performance.now() - started;
      const probe = parseProbe(out.trim());
      if (code !== 0 || !probe) {
        reject(new Error(`importing ${path.relative(repoRoot, file)} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve({ ...probe, processMs });
    });
  });
}

export async function runColdStartBench(options: ColdStartOptions, log: (line: string) => void = () => undefined): Promise<ColdStartResult> {
  const t0 = performance.now();
  // Inside the repo, as before; the bundles carry their AWS SDK clients and resolve nothing from node_modules
  // but the embedded-only LanceDB, which no AWS function loads.
  const built = await buildFunctionBundles({
    outDir: path.join(repoRoot, 'dist', 'bench-functions'),
    minify: true,
    ...(options.functions ? { functions: options.functions } : {}),
  });
  const buildMs = performance.now() - t0;
  log(`cold-start: built ${built.length} bundles in ${(buildMs / 1000).toFixed(1)} s`);
  const baselineDir = await mkdtemp(path.join(tmpdir(), 'rag-cold-start-baseline-'));
  try {
    const baselines = await writeBaselines(built, baselineDir);
    const samples = new Map<string, Samples>(built.map((b) => [b.name, { bundle: [], baseline: [] }]));
    // Interleaved: run i imports every bundle and its baseline back to back, in alternating order, so a
    // burst of load on the machine hits both sides of a ratio alike.
    for (let i = 0; i < options.runs; i += 1) {
      for (const bundle of built) {
        const sample = samples.get(bundle.name);
        const baselineFile = baselines.get(bundle.name);
        if (!sample || !baselineFile) throw new Error(`no baseline for ${bundle.name}`);
        const measureBundle = async () => sample.bundle.push(await importOnce(bundle.outfile));
        const measureBaseline = async () => sample.baseline.push(await importOnce(baselineFile.file));
        if (i % 2 === 0) {
          await measureBundle();
          await measureBaseline();
        } else {
          await measureBaseline();
          await measureBundle();
        }
      }
      log(`cold-start: run ${i + 1}/${options.runs} done`);
    }
    const rows = built.map((bundle) => toRow(bundle, samples.get(bundle.name), baselines.get(bundle.name)?.clients ?? []));
    return { node: process.version, runs: options.runs, buildMs: round(buildMs), rows, summary: coldStartSummary(rows) };
  } finally {
    await rm(baselineDir, { recursive: true, force: true });
  }
}

interface Samples {
  bundle: ImportSample[];
  baseline: ImportSample[];
}

function toRow(bundle: BuiltFunction, sample: Samples | undefined, clients: string[]): ColdStartRow {
  if (!sample) throw new Error(`no samples for ${bundle.name}`);
  const imports = sample.bundle.map((s) => s.importMs);
  const importMs = percentile(imports, 50);
  const baselineMs = percentile(
    sample.baseline.map((s) => s.importMs),
    50,
  );
  const importCpuMs = percentile(
    sample.bundle.map((s) => s.cpuMs),
    50,
  );
  const baselineCpuMs = percentile(
    sample.baseline.map((s) => s.cpuMs),
    50,
  );
  const queryPath = isQueryPath(bundle.module);
  const verdict = coldStartVerdict({ name: bundle.name, importMs, baselineMs, queryPath });
  return {
    name: bundle.name,
    bytes: bundle.bytes,
    importMs: round(importMs),
    importMsMin: round(Math.min(...imports)),
    importMsMax: round(Math.max(...imports)),
    processMs: round(
      percentile(
        sample.bundle.map((s) => s.processMs),
        50,
      ),
    ),
    importCpuMs: round(importCpuMs),
    baselineClients: clients,
    baselineMs: round(baselineMs),
    baselineCpuMs: round(baselineCpuMs),
    ratio: round(verdict.ratio, 2),
    cpuRatio: round(importCpuMs / baselineCpuMs, 2),
    queryPath,
    fasterThanBaseline: verdict.fasterThanBaseline,
    ...(verdict.withinQueryBudget === undefined ? {} : { withinQueryBudget: verdict.withinQueryBudget }),
    meetsTarget: verdict.meetsTarget,
  };
}

/** Bytes of every installed `@aws-sdk/client-*` package's CommonJS build, to pick the lightest. */
async function installedClientBytes(): Promise<Map<string, number>> {
  const scope = path.join(repoRoot, 'node_modules', '@aws-sdk');
  const sizes = new Map<string, number>();
  for (const name of (await readdir(scope)).filter((n) => n.startsWith('client-'))) {
    sizes.set(`@aws-sdk/${name}`, await folderBytes(path.join(scope, name, 'dist-cjs')));
  }
  return sizes;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await folderBytes(full) : (await stat(full)).size;
  }
  return total;
}

/**
 * One baseline handler per distinct client set, `<dir>/<set>/index.js`, with `<dir>/node_modules` linked to
 * the repository's, so the handler's `require('@aws-sdk/client-…')` resolves as on an unbundled deploy.
 */
async function writeBaselines(built: readonly BuiltFunction[], dir: string): Promise<Map<string, { file: string; clients: string[] }>> {
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const installed = await installedClientBytes();
  const byFunction = new Map<string, { file: string; clients: string[] }>();
  const written = new Map<string, string>();
  for (const bundle of built) {
    const clients = baselineClients(bundle.packages, installed);
    const key = clients.map((c) => c.replace('@aws-sdk/client-', '')).join('+');
    let file = written.get(key);
    if (!file) {
      file = path.join(dir, key, 'index.js');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, baselineHandlerSource(clients));
      written.set(key, file);
    }
    byFunction.set(bundle.name, { file, clients });
  }
  return byFunction;
}

export function formatColdStartBench(result: ColdStartResult): string {
  const totalKiB = result.rows.reduce((sum, row) => sum + row.bytes, 0) / 1024;
  return [
    `Cold start: esbuild minified bundles, import time in a fresh Node ${result.node} process (median of ${result.runs}),`,
    'beside a minimal handler requiring the unbundled SDK v3 client(s) of the same function (interleaved, same run)',
    formatTable(
      ['function', 'KiB', 'import ms', 'min', 'max', 'baseline ms', 'ratio', 'cpu ms', 'baseline cpu', 'cpu ratio', 'query path', 'target', 'baseline clients'],
      result.rows.map((row) => [
        row.name,
        round(row.bytes / 1024, 1),
        row.importMs,
        row.importMsMin,
        row.importMsMax,
        row.baselineMs,
        row.ratio,
        row.importCpuMs,
        row.baselineCpuMs,
        row.cpuRatio,
        row.queryPath ? 'yes' : '',
        row.meetsTarget ? 'met' : 'MISSED',
        row.baselineClients.map((c) => c.replace('@aws-sdk/client-', '')).join('+'),
      ]),
    ),
    `total ${totalKiB.toFixed(1)} KiB`,
    result.summary,
  ].join('\n');
}
