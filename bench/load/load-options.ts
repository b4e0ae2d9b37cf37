import { isLoopbackHost } from '../../shared/config/config';

/**
 * `npm run test:load -- [--short] [--no-ingestion] [--seconds N] [--clients N] [--seed N] [--host ADDRESS] [--out-dir DIR]`.
 * Bounded on purpose: the run is a test, not a stress tool, and it only ever targets this machine.
 */
export interface LoadOptions {
  seconds: number;
  /** The same load before the measured window (not counted; memory's start is taken after it). */
  warmupSeconds: number;
  clients: number;
  seed: number;
  /** Address the service binds to and the clients call: loopback only. */
  host: string;
  outDir: string;
  short: boolean;
  /** A diagnostic (--no-ingestion): the same load without the concurrent ingestion, to tell the query path's memory from the index's. */
  ingestion: boolean;
  /** Seed documents indexed before the load starts. */
  seedDocuments: number;
  /** The emulated Bedrock endpoint's fault rates (issue 15: 20% throttling, 5% 5xx). */
  throttleRate: number;
  serverErrorRate: number;
}

export const LOAD_LIMITS = { maxSeconds: 600, maxClients: 200 } as const;

/** The CI form (.ci/run): long enough for the ingestion and the faults to overlap the queries, short enough for every push. */
const SHORT = { seconds: 10, warmupSeconds: 5, clients: 20, seedDocuments: 20 } as const;

function positiveInt(name: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got ${value ?? 'nothing'}`);
  return n;
}

export function parseLoadOptions(argv: readonly string[], defaultOutDir: string): LoadOptions {
  const options: LoadOptions = {
    seconds: 60,
    warmupSeconds: 10,
    clients: 50,
    seed: 15,
    host: '127.0.0.1',
    outDir: defaultOutDir,
    short: false,
    ingestion: true,
    seedDocuments: 40,
    throttleRate: 0.2,
    serverErrorRate: 0.05,
  };
  let seconds: number | undefined;
  let clients: number | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--short') options.short = true;
    else if (arg === '--no-ingestion') options.ingestion = false;
    else if (arg === '--seconds') {
      seconds = positiveInt('--seconds', value, LOAD_LIMITS.maxSeconds);
      i += 1;
    } else if (arg === '--clients') {
      clients = positiveInt('--clients', value, LOAD_LIMITS.maxClients);
      i += 1;
    } else if (arg === '--seed') {
      options.seed = positiveInt('--seed', value, 2 ** 31 - 1);
      i += 1;
    } else if (arg === '--host') {
      // IPv4 loopback or localhost: local/runtime.ts builds the service URL without IPv6 brackets.
      if (!value || !isLoopbackHost(value) || value.includes(':')) {
        throw new Error(`--host must be an IPv4 loopback address or localhost: the load run never leaves this machine, got ${value ?? 'nothing'}`);
      }
      options.host = value;
      i += 1;
    } else if (arg === '--out-dir') {
      if (!value) throw new Error('--out-dir needs a folder');
      options.outDir = value;
      i += 1;
    } else throw new Error(`unknown option ${arg}`);
  }
  if (options.short) Object.assign(options, SHORT);
  if (seconds !== undefined) options.seconds = seconds;
  if (clients !== undefined) options.clients = clients;
  return options;
}

/** Every URL the run talks to must be on this machine. */
export function assertLoopbackUrl(url: string): void {
  const { hostname } = new URL(url);
  if (!isLoopbackHost(hostname)) throw new Error(`refusing to send load to ${url}: not a loopback address`);
}
