/**
 * Runs one handler in-process with a sample event, as Lambda would:
 *   npm run invoke -- <function-name> <event-file>      e.g. npm run invoke -- query-validate events/query-validate.json
 * Configuration comes from the environment like everywhere else (embedded adapters by default). With
 * RAG_WORKFLOWS=local, handlers that start or run a state machine get the local ASL interpreter, and
 * the command waits for the executions it started before exiting.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { functionCatalog } from '../functions/catalog';
import { loadConfig } from '../shared/config/config';
import { createServices, useServices } from '../shared/container';
import type { Services } from '../shared/pipeline/services';
import { lambdaContext } from './lambda-context';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export const USAGE = 'Usage: npm run invoke -- <function-name> <event-file>';

export interface InvokeIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const repoRoot = path.resolve(__dirname, '..');

function isHandlerModule(value: unknown): value is { handler: LambdaHandler } {
  return typeof value === 'object' && value !== null && typeof (value as { handler?: unknown }).handler === 'function';
}

/** Wires the local workflows when configured, so API and trigger handlers work without AWS. */
async function localServices(): Promise<{ services?: Services; settle: () => Promise<void> }> {
  const config = loadConfig();
  if (config.adapters.workflows !== 'local') return { settle: async () => undefined };
  const { LocalWorkflows } = await import('./asl-workflows');
  const workflows = await LocalWorkflows.create();
  const services = await createServices(config, { workflows });
  useServices(services);
  return { services, settle: () => workflows.settle() };
}

/** Returns the process exit code: 0 ok, 1 handler or event error, 2 usage error. */
export async function invoke(args: readonly string[], io: InvokeIo): Promise<number> {
  const [name, eventFile] = args;
  const entry = functionCatalog.find((f) => f.name === name);
  if (!name || !entry) {
    io.err(`${name ? `Unknown function "${name}". ` : ''}${USAGE}\nFunctions:\n${functionCatalog.map((f) => `  ${f.name}`).join('\n')}\n`);
    return 2;
  }
  if (!eventFile) {
    io.err(`${USAGE}\nSample events: events/${entry.name}.json\n`);
    return 2;
  }
  let event: unknown;
  try {
    event = JSON.parse(await readFile(path.resolve(eventFile), 'utf8'));
  } catch (error) {
    io.err(`Cannot read event ${eventFile}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const local = await localServices();
  try {
    const loaded: unknown = await import(path.join(repoRoot, entry.module));
    if (!isHandlerModule(loaded)) throw new Error(`${entry.module} does not export a handler function`);
    const context = lambdaContext(`serverless-rag-local-${entry.name}`, 30_000);
    const result = await loaded.handler(event, context);
    await local.settle();
    io.out(`${JSON.stringify(result ?? null, null, 2)}\n`);
    return 0;
  } catch (error) {
    // Name and message only, as Lambda reports a failed invocation (errorType / errorMessage).
    const failure = error instanceof Error ? { errorType: error.name, errorMessage: error.message } : { errorType: 'Error', errorMessage: String(error) };
    io.err(`${JSON.stringify(failure, null, 2)}\n`);
    return 1;
  } finally {
    await local.services?.vectors.close?.();
    useServices(undefined);
  }
}

if (require.main === module) {
  invoke(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
