import { DEV_API_TOKEN, isLoopbackHost } from '../../shared/config/config';
import { SMOKE_EXIT_CODES, SmokeUsageError } from './errors';
import { DEFAULT_SMOKE_SETTINGS, type SmokeSettings } from './run-smoke';

/** Where to find the service: a deployed stack (its HttpApiUrl output) or a URL. */
export type SmokeTarget = { kind: 'stack'; stage: string; stackName: string; region: string } | { kind: 'url'; url: string };

export interface SmokeCliOptions {
  target: SmokeTarget;
  token?: string;
  settings: SmokeSettings;
  requestTimeoutMs: number;
  report?: string;
  json: boolean;
  help: boolean;
}

/** The only environment the CLI reads; passed in by scripts/smoke.ts. */
export interface SmokeEnv {
  RAG_SMOKE_TOKEN?: string;
  AWS_REGION?: string;
  AWS_DEFAULT_REGION?: string;
}

/** The framework's default stack name, `<service>-<stage>` (serverless.yml sets no provider.stackName). */
export function stackNameFor(stage: string, service = 'serverless-rag'): string {
  return `${service}-${stage}`;
}

/** serverless.yml's default region (`${opt:region, 'us-east-1'}`). */
const DEFAULT_REGION = 'us-east-1';

export const USAGE = `Usage: npm run smoke -- --stage <stage> [--region <region>] [options]
       npm run smoke -- --url <base-url> [options]

Post-deploy smoke test over the public HTTP API: uploads a small Markdown document
(PUT /documents/content/smoke/<run>.md), waits until it is INDEXED, asks POST /query a question
only that document answers, checks a citation points at it, deletes it and waits until it is
gone. Prints the timings as a table and as JSON.

  --stage <stage>          deployed stage: the URL is the HttpApiUrl output of stack
                           serverless-rag-<stage> (needs AWS credentials: cloudformation:DescribeStacks)
  --region <region>        the stack's region (default: AWS_REGION, AWS_DEFAULT_REGION, else ${DEFAULT_REGION})
  --stack <name>           stack name (default: serverless-rag-<stage>)
  --url <base-url>         any running service instead, e.g. http://127.0.0.1:3000 (no AWS calls)
  --token <jwt>            bearer token for the JWT authorizer (default: RAG_SMOKE_TOKEN; prefer the
                           variable, a flag shows in the process list). Required with --stage.
  --index-timeout <s>      seconds to wait for INDEXED (default: ${DEFAULT_SMOKE_SETTINGS.indexTimeoutMs / 1000})
  --delete-timeout <s>     seconds to wait until the document is gone (default: ${DEFAULT_SMOKE_SETTINGS.deleteTimeoutMs / 1000})
  --poll <ms>              poll interval (default: ${DEFAULT_SMOKE_SETTINGS.pollIntervalMs})
  --query-attempts <n>     attempts at the query when throttled or not yet citing (default: ${DEFAULT_SMOKE_SETTINGS.queryAttempts})
  --request-timeout <s>    timeout of each HTTP request (default: 35)
  --report <file>          also write the JSON report to this file
  --json                   print only the JSON report
  --help                   this text

Exit codes: ${SMOKE_EXIT_CODES.passed} passed, ${SMOKE_EXIT_CODES.unexpected} unexpected error, ${SMOKE_EXIT_CODES.usage} bad usage, ${SMOKE_EXIT_CODES.endpoint} no endpoint (stack, output or URL),
${SMOKE_EXIT_CODES.auth} token refused (401/403), ${SMOKE_EXIT_CODES.upload} upload rejected, ${SMOKE_EXIT_CODES.ingestionFailed} ingestion FAILED, ${SMOKE_EXIT_CODES.indexTimeout} not indexed in time,
${SMOKE_EXIT_CODES.query} query failed, ${SMOKE_EXIT_CODES.citation} answer does not cite the upload, ${SMOKE_EXIT_CODES.delete} delete rejected, ${SMOKE_EXIT_CODES.deleteTimeout} not gone in time.`;

function positive(text: string, flag: string, integer = false): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new SmokeUsageError(`${flag} expects a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return n;
}

export function parseSmokeArgs(args: string[], env: SmokeEnv = {}): SmokeCliOptions {
  let stage: string | undefined;
  let region: string | undefined;
  let stackName: string | undefined;
  let url: string | undefined;
  let token: string | undefined = env.RAG_SMOKE_TOKEN || undefined;
  const settings: SmokeSettings = { ...DEFAULT_SMOKE_SETTINGS };
  let requestTimeoutMs = 35_000;
  let report: string | undefined;
  let json = false;
  let help = false;

  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const take = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new SmokeUsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--stage':
        stage = take();
        break;
      case '--region':
        region = take();
        break;
      case '--stack':
        stackName = take();
        break;
      case '--url':
        url = take();
        break;
      case '--token':
        token = take();
        break;
      case '--index-timeout':
        settings.indexTimeoutMs = positive(take(), flag) * 1000;
        break;
      case '--delete-timeout':
        settings.deleteTimeoutMs = positive(take(), flag) * 1000;
        break;
      case '--poll':
        settings.pollIntervalMs = positive(take(), flag);
        break;
      case '--query-attempts':
        settings.queryAttempts = positive(take(), flag, true);
        break;
      case '--request-timeout':
        requestTimeoutMs = positive(take(), flag) * 1000;
        break;
      case '--report':
        report = take();
        break;
      case '--json':
        json = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new SmokeUsageError(`unknown option ${arg}`);
    }
  }

  const common = { ...(token ? { token } : {}), settings, requestTimeoutMs, ...(report ? { report } : {}), json, help };
  if (help) return { target: { kind: 'url', url: '' }, ...common };
  if (url !== undefined && stage !== undefined) throw new SmokeUsageError('give either --stage or --url, not both');
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SmokeUsageError(`--url is not a URL: ${url}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SmokeUsageError('--url must be http(s)');
    if (region !== undefined || stackName !== undefined) throw new SmokeUsageError('--region and --stack go with --stage, not --url');
    // A service on this machine with no RAG_API_KEYS takes the development token; it is never sent elsewhere.
    const local = !token && isLoopbackHost(parsed.hostname) ? { token: DEV_API_TOKEN } : {};
    return { target: { kind: 'url', url: url.replace(/\/+$/, '') }, ...common, ...local };
  }
  if (stage === undefined) throw new SmokeUsageError('--stage <stage> or --url <base-url> is required');
  if (!/^[a-zA-Z0-9-]+$/.test(stage)) throw new SmokeUsageError(`--stage must be letters, digits and dashes: ${stage}`);
  if (!token) throw new SmokeUsageError('a deployed stage needs a bearer token: set RAG_SMOKE_TOKEN (or --token)');
  return {
    target: {
      kind: 'stack',
      stage,
      stackName: stackName ?? stackNameFor(stage),
      region: region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION),
    },
    ...common,
  };
}
