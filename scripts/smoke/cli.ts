import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SMOKE_EXIT_CODES, SmokeUsageError } from './errors';
import { parseSmokeArgs, type SmokeEnv, type SmokeTarget, USAGE } from './options';
import { makeProbe, newRunId } from './probe';
import { formatSmokeReport } from './report';
import { runSmoke, type SmokeDeps, smokeFailureReport } from './run-smoke';
import { fetchSmokeHttp } from './smoke-http';

/** What the CLI touches outside itself; tests pass their own. */
export interface SmokeCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads the stack's HttpApiUrl output (AWS credentials from the default chain). */
  resolveStackUrl?: (target: Extract<SmokeTarget, { kind: 'stack' }>) => Promise<string>;
  fetch?: typeof fetch;
  /** Overrides for tests: fake time, a fixed run id. */
  deps?: Omit<SmokeDeps, 'http'>;
  runId?: string;
}

async function writeReport(file: string, json: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, json);
}

/** `npm run smoke -- ...`: returns the exit code (see USAGE). */
export async function runSmokeCli(argv: string[], env: SmokeEnv, io: SmokeCliIo): Promise<number> {
  let options: ReturnType<typeof parseSmokeArgs>;
  try {
    options = parseSmokeArgs(argv, env);
  } catch (error) {
    if (!(error instanceof SmokeUsageError)) throw error;
    io.stderr(`${error.message}\n\n${USAGE}\n`);
    return SMOKE_EXIT_CODES.usage;
  }
  if (options.help) {
    io.stdout(`${USAGE}\n`);
    return SMOKE_EXIT_CODES.passed;
  }

  const runId = io.runId ?? newRunId();
  const progress = (line: string) => io.stderr(`[smoke] ${line}\n`);
  const { target } = options;
  let baseUrl: string;
  let report: Awaited<ReturnType<typeof runSmoke>>;
  try {
    if (target.kind === 'stack') {
      progress(`reading ${target.stackName} in ${target.region}`);
      const resolve = io.resolveStackUrl ?? (async (t) => (await import('./stack-endpoint')).resolveHttpApiUrl(t));
      baseUrl = await resolve(target);
    } else {
      baseUrl = target.url;
    }
  } catch (error) {
    report = smokeFailureReport(runId, target.kind === 'stack' ? `stack ${target.stackName} (${target.region})` : target.url, error, options.settings);
    return finish(report);
  }
  progress(`testing ${baseUrl}`);
  const http = fetchSmokeHttp({
    baseUrl,
    requestTimeoutMs: options.requestTimeoutMs,
    ...(options.token ? { token: options.token } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
  report = await runSmoke({ progress, ...io.deps, http }, options.settings, makeProbe(runId), baseUrl);
  return finish(report);

  async function finish(result: typeof report): Promise<number> {
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (options.report) await writeReport(options.report, json);
    io.stdout(options.json ? json : `${formatSmokeReport(result)}\n\n${json}`);
    return result.exitCode;
  }
}
