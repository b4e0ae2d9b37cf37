import { formatTable, round } from '../../bench/table';
import type { LoadSummary, MemoryVerdictInput } from './load-checks';
import type { ServiceMemory } from './load-server';

/** The run's figures as the table printed at the end and the JSON written to bench/results/. */
export interface LoadRunResult {
  parameters: {
    seconds: number;
    clients: number;
    seed: number;
    seedDocuments: number;
    throttleRate: number;
    serverErrorRate: number;
    short: boolean;
    ingestion: boolean;
  };
  service: { maxInFlightQueries: number; queryTimeoutSeconds: number; generator: string };
  summary: LoadSummary;
  warmup: { seconds: number; requests: number };
  memory: MemoryVerdictInput & {
    /** The service's process.memoryUsage() after the full GC before the start and before the end sample. */
    processAtStart: ServiceMemory;
    processAtEnd: ServiceMemory;
    growthBoundBytes: number;
    peakBoundBytes: number;
    samples: number;
  };
  ingestion: {
    seedDocuments: number;
    stepsDuringRun: Record<string, number>;
    documentsChecked: number;
    chunksStored: number;
    settleRounds: number;
    /** Seconds from the end of the load until every document was settled and checked. */
    settleSeconds: number;
  };
  emulator: { converseCalls: number; faults: Record<string, number> };
  failures: string[];
}

const MiB = 1024 * 1024;

export function formatLoadReport(result: LoadRunResult): string {
  const { summary, memory, ingestion, parameters } = result;
  const statusRows = Object.entries(summary.byStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => [status, n, round((100 * n) / Math.max(1, summary.requests), 1)]);
  const lines = [
    `Load: ${parameters.clients} clients for ${parameters.seconds} s, Bedrock emulator failing ${parameters.throttleRate * 100}% of model calls with ThrottlingException and ${parameters.serverErrorRate * 100}% with 5xx (seed ${parameters.seed}), ${parameters.ingestion ? 'ingestion running' : 'NO ingestion (diagnostic)'}`,
    formatTable(
      [
        'requests',
        'p50 ms',
        'p99 ms',
        'max ms',
        '2xx p50 ms',
        '2xx p99 ms',
        '429 %',
        '503 %',
        'RSS start MiB',
        'peak MiB',
        'end MiB',
        'docs ingested during run',
      ],
      [
        [
          summary.requests,
          round(summary.latencyMs.p50),
          round(summary.latencyMs.p99),
          round(summary.latencyMs.max),
          round(summary.okLatencyMs.p50),
          round(summary.okLatencyMs.p99),
          round(summary.share429 * 100, 1),
          round(summary.share503 * 100, 1),
          Math.round(memory.startBytes / MiB),
          Math.round(memory.peakBytes / MiB),
          Math.round(memory.endBytes / MiB),
          (ingestion.stepsDuringRun.write ?? 0) + (ingestion.stepsDuringRun.upload ?? 0) + (ingestion.stepsDuringRun.rewrite ?? 0),
        ],
      ],
    ),
    '',
    formatTable(['status', 'answers', '%'], statusRows),
    '',
    `By route: ${Object.entries(summary.byRoute)
      .map(([route, counts]) => `${route} ${JSON.stringify(counts)}`)
      .join('; ')}; streams ended: ${JSON.stringify(summary.streamEnds)}`,
    `Memory: RSS ${Math.round(memory.startBytes / MiB)} MiB at start (after ${result.warmup.seconds} s of warm-up, ${result.warmup.requests} requests, and a full GC), peak ${Math.round(memory.peakBytes / MiB)}, end ${Math.round(memory.endBytes / MiB)} (settled, full GC; bound start + ${Math.round(memory.growthBoundBytes / MiB)}); V8 heap used ${Math.round(memory.processAtStart.heapUsed / MiB)} -> ${Math.round(memory.processAtEnd.heapUsed / MiB)} MiB, external ${Math.round(memory.processAtStart.external / MiB)} -> ${Math.round(memory.processAtEnd.external / MiB)} MiB`,
    `Ingestion: ${ingestion.seedDocuments} seed documents, during the run ${JSON.stringify(ingestion.stepsDuringRun)}; ${ingestion.documentsChecked} documents checked, ${ingestion.chunksStored} chunks stored, settled ${ingestion.settleSeconds} s after the load (${ingestion.settleRounds} sweep rounds)`,
    `Emulator: ${result.emulator.converseCalls} Converse/ConverseStream calls, faults ${JSON.stringify(result.emulator.faults)}`,
    result.failures.length === 0 ? 'PASS: every check held' : `FAIL:\n${result.failures.map((f) => `  - ${f}`).join('\n')}`,
  ];
  return lines.join('\n');
}
