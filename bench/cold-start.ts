import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { percentile } from '../eval/metrics';
import { buildFunctionBundles } from '../scripts/build-functions';
import { formatTable, round } from './table';

/**
 * Cold start: every function's production bundle (the project's one bundler, esbuild, minified), its size,
 * and the time a fresh Node process takes to import it (module initialisation, what a Lambda cold start
 * pays before the first invocation), median of several runs. Every AWS SDK client a function calls is inside
 * its bundle (scripts/build-functions.ts), so its load time is part of the bundle's.
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
}

export interface ColdStartResult {
  node: string;
  runs: number;
  buildMs: number;
  rows: ColdStartRow[];
}

const repoRoot = path.resolve(__dirname, '..');

// Printed by the child: the import time alone, measured around require() with the process's own clock.
const PROBE = `const t0 = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - t0));`;

function importOnce(file: string): Promise<{ importMs: number; processMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', PROBE, file], {
      // A Lambda-like environment: no developer settings, no NODE_OPTIONS loaders.
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', POWERTOOLS_SERVICE_NAME: 'rag', NODE_ENV: 'production' },
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
      const importMs = Number(out.trim());
      if (code !== 0 || !Number.isFinite(importMs)) {
        reject(new Error(`importing ${path.relative(repoRoot, file)} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve({ importMs, processMs });
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
  const rows: ColdStartRow[] = [];
  for (const bundle of built) {
    const samples: { importMs: number; processMs: number }[] = [];
    for (let i = 0; i < options.runs; i += 1) samples.push(await importOnce(bundle.outfile));
    const imports = samples.map((s) => s.importMs);
    rows.push({
      name: bundle.name,
      bytes: bundle.bytes,
      importMs: round(percentile(imports, 50)),
      importMsMin: round(Math.min(...imports)),
      importMsMax: round(Math.max(...imports)),
      processMs: round(
        percentile(
          samples.map((s) => s.processMs),
          50,
        ),
      ),
    });
  }
  return { node: process.version, runs: options.runs, buildMs: round(buildMs), rows };
}

export function formatColdStartBench(result: ColdStartResult): string {
  const totalKiB = result.rows.reduce((sum, row) => sum + row.bytes, 0) / 1024;
  return [
    `Cold start: esbuild minified bundles, import time in a fresh Node ${result.node} process (median of ${result.runs})`,
    formatTable(
      ['function', 'KiB', 'import ms', 'min', 'max', 'process ms'],
      result.rows.map((row) => [row.name, round(row.bytes / 1024, 1), row.importMs, row.importMsMin, row.importMsMax, row.processMs]),
    ),
    `total ${totalKiB.toFixed(1)} KiB`,
  ].join('\n');
}
