import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DEV_API_TOKEN, isLoopbackHost } from '../../shared/config/config';
import { CliUsageError } from './errors';

/** The only environment the commands read; the thin scripts pass process.env in. */
export interface CliEnv {
  PORT?: string;
  RAG_TOKEN?: string;
}

/** Where the service is and who we are to it. */
export interface ServiceTarget {
  /** Without a trailing slash; may carry a path (an API Gateway stage, a proxy prefix). */
  baseUrl: string;
  token?: string;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
const COMMON_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

export const COMMON_OPTIONS_HELP = `  --url <base-url>   the service (default: http://127.0.0.1:$PORT, PORT defaulting to 3000)
  --token <jwt>      bearer token (default: RAG_TOKEN, else 'dev' for a service on 127.0.0.1; prefer the variable, a flag shows in the process list)
  --json             machine-readable output on stdout
  --help, -h         this text`;

/** node's own parser (strict: unknown flags and missing values are errors), its errors turned into usage errors. */
export function parseCommandLine<const T extends OptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true });
  } catch (error) {
    // Duck-typed: node's errors may come from another realm (jest), where instanceof fails.
    const message = (error as { message?: unknown }).message;
    if (typeof message !== 'string') throw error;
    // node appends advice about `--` that does not fit npm's own `--`; the first sentence says what is wrong.
    throw new CliUsageError(message.split(/\.\s/)[0]?.replace(/\.$/, '') ?? message, { cause: error });
  }
}

export function serviceTarget(values: { url?: string | undefined; token?: string | undefined }, env: CliEnv): ServiceTarget {
  const port = env.PORT?.trim() || '3000';
  const text = values.url ?? `http://127.0.0.1:${port}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError(`--url is not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError(`--url must be http(s): ${text}`);
  // A service on this machine with no RAG_API_KEYS takes the development token; it is never sent elsewhere.
  const token = values.token ?? (env.RAG_TOKEN || undefined) ?? (isLoopbackHost(url.hostname) ? DEV_API_TOKEN : undefined);
  return { baseUrl: text.replace(/\/+$/, ''), ...(token ? { token } : {}) };
}

export function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new CliUsageError(`${flag} expects a positive number, got "${text}"`);
  return value;
}

/** Documents are addressed by the service's 32-hex id. */
export const DOCUMENT_ID_PATTERN = /^[0-9a-f]{32}$/;
