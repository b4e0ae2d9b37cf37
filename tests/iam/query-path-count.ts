/**
 * What one POST /query costs on AWS, counted on the emulated stack (tests/iam/emulated-stack.ts): the
 * packaged template's functions and roles, every AWS call over the wire to an emulator and recorded by the
 * IAM proof with the function that made it, Step Functions executions run on the real ASL. Run by
 * `npm run bench -- query-cost` in a child process (`tsx tests/iam/query-path-count.ts <out.json>`): it
 * ingests two fixtures, asks `QUESTIONS` uncached questions and writes, per query, the AWS calls by
 * function and command, and the states and Task states the query state machine passed through (walked on
 * statemachines/query.asl.json with the execution input: Choice rules as Step Functions evaluates them).
 * Self-contained on purpose: the same file counts an older checkout of the repository (before/after).
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { s3Event } from '../../local/watcher';
import { lambdaContext } from '../../local/lambda-context';
import { S3RVER_CREDENTIALS } from '../emulators/s3-server';
import { DEV_AUTHORIZATION } from '../helpers/http';
import { startEmulatedStack } from './emulated-stack';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type AslState = { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: AslRule[] };
type AslRule = {
  Variable?: string;
  BooleanEquals?: boolean;
  StringEquals?: string;
  IsPresent?: boolean;
  And?: AslRule[];
  Or?: AslRule[];
  Not?: AslRule;
  Next?: string;
};

export interface QueryPathCount {
  queries: number;
  /** States entered, in order, for an answered own-retrieval query (Express: billed per execution and duration, not per transition). */
  states: string[];
  /** Task states among them: one Lambda invocation each. */
  tasks: string[];
  /** Per query: AWS calls by calling function, then by `Client.Command`. */
  callsPerQuery: Record<string, Record<string, number>>;
  /** Per query: Bedrock token usage reported in the answers (the emulator's counts). */
  usagePerQuery: { inputTokens: number; outputTokens: number };
}

function valueAt(input: Json, jsonPath: string): Json | undefined {
  let value: Json | undefined = input;
  for (const key of jsonPath
    .replace(/^\$\.?/, '')
    .split('.')
    .filter((k) => k !== '')) {
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
  }
  return value;
}

function matches(rule: AslRule, input: Json): boolean {
  if (rule.And) return rule.And.every((r) => matches(r, input));
  if (rule.Or) return rule.Or.some((r) => matches(r, input));
  if (rule.Not) return !matches(rule.Not, input);
  const value = rule.Variable ? valueAt(input, rule.Variable) : undefined;
  if (rule.IsPresent !== undefined) return (value !== undefined) === rule.IsPresent;
  if (rule.BooleanEquals !== undefined) return value === rule.BooleanEquals;
  if (rule.StringEquals !== undefined) return value === rule.StringEquals;
  throw new Error(`Choice rule not modelled here: ${JSON.stringify(rule)}`);
}

/** The states an execution enters for `input`, with Task results assumed as `results` (the paths Choice states read). */
export function statesVisited(definition: { StartAt: string; States: Record<string, AslState> }, input: Json): string[] {
  const visited: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name) {
    const state: AslState | undefined = definition.States[name];
    if (!state) throw new Error(`No state ${name}`);
    visited.push(name);
    if (visited.length > 100) throw new Error('Loop in the state machine path');
    if (state.Type === 'Choice') name = state.Choices?.find((rule) => matches(rule, input))?.Next ?? state.Default;
    else name = state.End || state.Type === 'Succeed' || state.Type === 'Fail' ? undefined : state.Next;
  }
  return visited;
}

const QUESTIONS = [
  'Until what time is the library open on Thursdays?',
  'When does the library close on Saturdays?',
  'What can visitors see at the observatory?',
  'When is the observatory open to the public?',
  'Is the library open on Sundays?',
];

async function main(out: string): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const repo = path.resolve(__dirname, '../..');
  const stack = await startEmulatedStack({ env: { RAG_CHUNK_SIZE: '300', RAG_CHUNK_OVERLAP: '40', RAG_EMBED_BATCH_SIZE: '4' } });
  try {
    const { handler: trigger } = (await import('../../functions/ingest/trigger')) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    for (const file of ['library-hours.txt', 'observatory.md']) {
      const key = `default/${file}`;
      await stack.runtime.services.documents.put(key, await readFile(path.join(repo, 'tests/fixtures/documents', file)));
      const head = await stack.runtime.services.documents.head(key);
      await trigger(s3Event('Object Created', key, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
    }
    await stack.runtime.settle();
    const from = stack.proof.calls.length;
    let inputTokens = 0;
    let outputTokens = 0;
    for (const question of QUESTIONS) {
      const res = await fetch(`${stack.runtime.url}/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
        body: JSON.stringify({ question, cache: false }),
      });
      const body = (await res.json()) as { usage?: { inputTokens: number; outputTokens: number } };
      if (res.status !== 200) throw new Error(`query answered ${res.status}: ${JSON.stringify(body)}`);
      inputTokens += body.usage?.inputTokens ?? 0;
      outputTokens += body.usage?.outputTokens ?? 0;
    }
    const callsPerQuery: Record<string, Record<string, number>> = {};
    for (const call of stack.proof.calls.slice(from)) {
      const byCommand = callsPerQuery[call.function] ?? {};
      byCommand[call.command] = (byCommand[call.command] ?? 0) + 1 / QUESTIONS.length;
      callsPerQuery[call.function] = byCommand;
    }
    const definition = JSON.parse(await readFile(path.join(repo, 'statemachines/query.asl.json'), 'utf8')) as {
      StartAt: string;
      States: Record<string, AslState>;
    };
    const answered: Json = { query: { mode: 'own-retrieval' }, inputGuard: { blocked: false } };
    const states = statesVisited(definition, answered);
    const result: QueryPathCount = {
      queries: QUESTIONS.length,
      states,
      tasks: states.filter((s) => definition.States[s]?.Type === 'Task'),
      callsPerQuery,
      usagePerQuery: { inputTokens: inputTokens / QUESTIONS.length, outputTokens: outputTokens / QUESTIONS.length },
    };
    await writeFile(out, JSON.stringify(result, null, 2));
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx tests/iam/query-path-count.ts <out.json>');
  main(out).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`query-path-count failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
