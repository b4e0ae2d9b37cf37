import { readFile } from 'node:fs/promises';
import { detectContentType } from '../../shared/documents/extract';
import { isValidTenant } from '../../shared/contracts/tenant';
import { realSleep } from '../../shared/reliability/retry';
import { describeResponse } from '../smoke/run-smoke';
import { collectDocuments, type LocalDocument } from './collect-files';
import { type CliCommand, type CliIo, runCommand } from './command';
import { type DocumentView, documentUploadAcceptedSchema, documentViewSchema } from '../../shared/contracts/documents';
import { parseAnswer, uploadPath } from './documents-api';
import { CliUsageError, EXIT_CODES, exitCodesHelp, ServiceUnauthorizedError, ServiceUnreachableError } from './errors';
import { COMMON_OPTIONS_HELP, parseCommandLine, positiveNumber, serviceTarget } from './options';
import { failureFor, ServiceClient, type ServiceResponse } from './service-client';
import { formatTable, ProgressBoard } from './terminal';

export const INGEST_USAGE = `Usage: npm run ingest -- <file|folder|glob>... [options]

Uploads files into the documents store through the service's HTTP API (PUT /documents/content/<path>,
the same locally and on AWS), which starts their ingestion. A file keeps its name, a folder's files keep
their path below the folder, a glob's matches their path below the glob's base ('docs/**/*.md': quote it
to let this command expand it). Hidden and temporary files and .metadata.json sidecars are skipped.
Files above the service's upload limit (RAG_MAX_UPLOAD_BYTES, 4.4 MiB by default; the 413 answer says
so) are reported as TOO LARGE: put them into the documents bucket (locally the documents folder,
RAG_DOCUMENTS_DIR/<tenant>/<path>) directly.

  --wait             wait until each document is INDEXED or FAILED (polls GET /documents/<id>), then
                     print a table: indexed, unchanged (the service already had this version), failed
                     with the reason
  --tenant <t>       the tenant the files are meant for. The service takes the tenant from the token
                     (locally RAG_DEFAULT_TENANT), so this is a check: ingest stops (exit 4) when an
                     upload lands elsewhere
  --prefix <path>    store the files under <path>/ (e.g. --prefix handbook)
  --poll <s>         seconds between polls (default 1)
  --timeout <s>      how long --wait waits in all (default 600); documents still PENDING then count as failed
${COMMON_OPTIONS_HELP}

${exitCodesHelp({ notFoundOrFailed: 'some documents failed, were too large, were refused, or were still PENDING at --timeout' })}`;

type Outcome = 'uploading' | 'pending' | 'indexed' | 'unchanged' | 'failed' | 'too-large' | 'refused' | 'timed-out';

export interface IngestResult {
  path: string;
  file: string;
  outcome: Outcome;
  documentId?: string;
  key?: string;
  chunks?: number;
  reason?: string;
  /** The service's time when it accepted the upload: an INDEXED manifest older than that was not re-indexed. */
  acceptedAt?: string;
}

const LABELS: Record<Outcome, string> = {
  uploading: 'UPLOADING',
  pending: 'PENDING',
  indexed: 'INDEXED',
  unchanged: 'UNCHANGED',
  failed: 'FAILED',
  'too-large': 'TOO LARGE',
  refused: 'REFUSED',
  'timed-out': 'TIMED OUT',
};

const SUCCESS: readonly Outcome[] = ['pending', 'indexed', 'unchanged'];

function progressLine(result: IngestResult): string {
  const detail = result.reason ?? (result.chunks !== undefined ? `${result.chunks} chunk${result.chunks === 1 ? '' : 's'}` : '');
  return `${LABELS[result.outcome].padEnd(9)}  ${result.path}${detail ? `  ${detail}` : ''}`;
}

const isLocal = (baseUrl: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(baseUrl).hostname);

/** The documents of one run, uploaded one after the other, then (with --wait) polled until settled. */
class IngestRun {
  readonly results: IngestResult[] = [];
  /** The tenant the token maps to, learned from the first accepted upload's key. */
  private tenant: string | undefined;

  constructor(
    private readonly client: ServiceClient,
    private readonly board: ProgressBoard,
    private readonly expectedTenant: string | undefined,
  ) {
    this.tenant = expectedTenant;
  }

  private show(result: IngestResult): void {
    this.board.set(result.path, progressLine(result));
  }

  async upload(document: LocalDocument): Promise<void> {
    const result: IngestResult = { path: document.path, file: document.file, outcome: 'uploading' };
    this.results.push(result);
    this.show(result);
    let bytes: Buffer;
    try {
      bytes = await readFile(document.file);
    } catch (error) {
      Object.assign(result, { outcome: 'refused', reason: `cannot read ${document.file}: ${(error as Error).message}` });
      this.show(result);
      return;
    }
    const route = uploadPath(document.path);
    const what = `PUT ${route}`;
    const sentAt = Date.now();
    const response = await this.client.request('PUT', route, { contentType: detectContentType(document.path, bytes), data: bytes });
    if (response.status === 413) {
      // The service's 413 names the size and the limit; API Gateway's own (above 10 MB) names neither.
      const said = (response.body as { error?: { message?: unknown } } | undefined)?.error?.message;
      const folder = `RAG_DOCUMENTS_DIR/${this.tenant ?? '<tenant>'}/${document.path}`;
      const hint = isLocal(this.client.baseUrl) ? ` (this local service reads it from ${folder})` : '';
      Object.assign(result, {
        outcome: 'too-large',
        reason: `${typeof said === 'string' ? said : `${bytes.length} bytes, above the upload limit (HTTP 413)`}${hint}`,
      });
    } else if (response.status === 400 || response.status === 422) {
      Object.assign(result, { outcome: 'refused', reason: describeResponse(response) });
    } else if (response.status === 202 || response.status === 200) {
      const accepted = parseAnswer(documentUploadAcceptedSchema, response, what);
      const key = accepted.key;
      const tenant = key.slice(0, key.indexOf('/'));
      if (this.expectedTenant && tenant !== this.expectedTenant) {
        throw new ServiceUnauthorizedError(
          `${document.path} was stored as ${key}: the token is for tenant "${tenant}", not "${this.expectedTenant}" (stopped before uploading anything else)`,
        );
      }
      this.tenant ??= tenant || undefined;
      // Whole seconds from the Date header: an index time in the same second counts as this run's.
      const acceptedAt = response.date ?? new Date(Math.floor(sentAt / 1000) * 1000);
      Object.assign(result, { outcome: 'pending', documentId: accepted.documentId, key, acceptedAt: acceptedAt.toISOString() });
    } else {
      // 401/403, 429/503, 5xx: the next upload would fare no better.
      throw failureFor(response, what);
    }
    this.show(result);
  }

  /** Polls every PENDING document until it settles or the deadline passes; throttling and outages count as "not yet". */
  async waitUntilSettled(pollMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = this.results.filter((result) => result.outcome === 'pending');
      if (pending.length === 0) return;
      for (const result of pending) await this.check(result);
      if (!this.results.some((result) => result.outcome === 'pending')) return;
      if (Date.now() >= deadline) {
        for (const result of this.results.filter((r) => r.outcome === 'pending')) {
          Object.assign(result, { outcome: 'timed-out', reason: `still PENDING after ${timeoutMs / 1000} s (npm run docs -- show ${result.documentId})` });
          this.show(result);
        }
        return;
      }
      await realSleep(pollMs);
    }
  }

  private async check(result: IngestResult): Promise<void> {
    const path = `/documents/${result.documentId}`;
    let response: ServiceResponse;
    try {
      response = await this.client.request('GET', path);
    } catch (error) {
      if (error instanceof ServiceUnreachableError) return;
      throw error;
    }
    // 404: the manifest is not written yet; 429/5xx: ask again next round.
    if (response.status === 404 || response.status === 429 || response.status >= 500) return;
    if (response.status !== 200) throw failureFor(response, `GET ${path}`);
    const view: DocumentView = parseAnswer(documentViewSchema, response, `GET ${path}`);
    if (view.status === 'PENDING') return;
    if (view.status === 'INDEXED') {
      // SkipIfUnchanged keeps `indexedAt` when the bytes are the ones already indexed (shared/pipeline/ingest.ts):
      // an index time before the upload was accepted means the service had this version already.
      const reindexed = !view.indexedAt || !result.acceptedAt || Date.parse(view.indexedAt) >= Date.parse(result.acceptedAt);
      Object.assign(result, { outcome: reindexed ? 'indexed' : 'unchanged', chunks: view.chunkCount });
    } else {
      const reason =
        view.status === 'DELETED'
          ? 'deleted while it was being indexed'
          : view.failure
            ? `${view.failure.error}: ${view.failure.reason}`
            : 'no reason recorded';
      Object.assign(result, { outcome: 'failed', reason });
    }
    this.show(result);
  }
}

function summary(results: IngestResult[], ignored: number): string {
  const counts = new Map<Outcome, number>();
  for (const result of results) counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, count]) => `${count} ${outcome === 'pending' ? 'uploaded (PENDING)' : LABELS[outcome].toLowerCase()}`);
  if (ignored > 0) parts.push(`${ignored} skipped (hidden, temporary or .metadata.json)`);
  return `${parts.join(', ')} of ${results.length} file${results.length === 1 ? '' : 's'}`;
}

function resultTable(results: IngestResult[]): string {
  return formatTable(
    ['result', 'path', 'document', 'chunks', 'detail'],
    results.map((r) => [LABELS[r.outcome].toLowerCase(), r.path, r.documentId ?? '-', r.chunks === undefined ? '-' : String(r.chunks), r.reason ?? '']),
  );
}

/** `npm run ingest -- ...`: returns the exit code (see INGEST_USAGE). */
export const runIngestCli: CliCommand = (argv, env, io: CliIo) =>
  runCommand('ingest', io, async () => {
    const { values, positionals } = parseCommandLine(argv, {
      wait: { type: 'boolean' },
      tenant: { type: 'string' },
      prefix: { type: 'string' },
      poll: { type: 'string' },
      timeout: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(`${INGEST_USAGE}\n`);
      return EXIT_CODES.ok;
    }
    if (positionals.length === 0) throw new CliUsageError('name at least one file, folder or glob');
    if (values.tenant !== undefined && !isValidTenant(values.tenant))
      throw new CliUsageError(`--tenant must be lower-case letters, digits, "-" or "_": ${values.tenant}`);
    const pollMs = values.poll === undefined ? 1000 : positiveNumber(values.poll, '--poll') * 1000;
    const timeoutMs = values.timeout === undefined ? 600_000 : positiveNumber(values.timeout, '--timeout') * 1000;
    const target = serviceTarget(values, env);
    const { documents, ignored } = await collectDocuments(positionals, { cwd: io.cwd ?? process.cwd(), ...(values.prefix ? { prefix: values.prefix } : {}) });
    if (documents.length === 0) throw new CliUsageError(`nothing to upload: ${ignored.length} file(s) found, all of a kind the service never indexes`);

    const client = new ServiceClient({ ...target, ...(io.fetch ? { fetch: io.fetch } : {}) });
    // With --json, stdout carries only the JSON; the progress lines go to stderr.
    const board = new ProgressBoard(values.json ? io.stderr : io.stdout);
    const run = new IngestRun(client, board, values.tenant);
    for (const document of documents) await run.upload(document);
    if (values.wait) await run.waitUntilSettled(pollMs, timeoutMs);

    const { results } = run;
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ results, ignored }, null, 2)}\n`);
    } else {
      io.stdout.write(`\n${resultTable(results)}\n\n${summary(results, ignored.length)}\n`);
      if (!values.wait && results.some((r) => r.outcome === 'pending')) io.stdout.write('follow them with: npm run docs -- list --status PENDING\n');
      if (results.some((r) => r.outcome === 'failed')) io.stdout.write('once fixed, re-run the failed ones: npm run docs -- redrive --status FAILED\n');
    }
    return results.every((r) => SUCCESS.includes(r.outcome)) ? EXIT_CODES.ok : EXIT_CODES.failedOrNotFound;
  });
