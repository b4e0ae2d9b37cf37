import { type CliCommand, type CliIo, runCommand } from './command';
import { type DocumentView, documentDeleteAcceptedSchema, documentRedriveAcceptedSchema, documentViewSchema } from '../../shared/contracts/documents';
import { type ListStatus, listDocuments, parseAnswer } from './documents-api';
import { CliUsageError, DocumentNotFoundError, EXIT_CODES, exitCodesHelp } from './errors';
import { COMMON_OPTIONS_HELP, DOCUMENT_ID_PATTERN, parseCommandLine, serviceTarget } from './options';
import { failureFor, ServiceClient } from './service-client';
import { formatTable } from './terminal';

export const DOCS_USAGE = `Usage: npm run docs -- <command> [options]

The tenant's documents, over the service's HTTP API.

  list [--status S]          every document (GET /documents, following its cursor): status, chunk count,
                             last update, id, key and, for FAILED ones, the reason. S: PENDING, INDEXED, FAILED
  show <id|path>             one document's manifest (GET /documents/<id>)
  delete <id|path>           delete the document and its vectors (DELETE /documents/<id>)
  redrive <id|path>          re-run a FAILED or stuck PENDING ingestion (POST /documents/<id>/redrive)
  redrive --status S         re-run every FAILED (or PENDING) document

A document is named by its 32-character id or by its path (as uploaded, without the tenant: notes/a.md);
a path is looked up in the list.
${COMMON_OPTIONS_HELP}

${exitCodesHelp({ notFoundOrFailed: 'no such document (show, delete, redrive)' })}`;

const STATUSES: readonly ListStatus[] = ['PENDING', 'INDEXED', 'FAILED'];

function parseStatus(text: string | undefined): ListStatus | undefined {
  if (text === undefined) return undefined;
  const status = text.toUpperCase() as ListStatus;
  if (!STATUSES.includes(status)) throw new CliUsageError(`--status must be one of ${STATUSES.join(', ')}: ${text}`);
  return status;
}

const failureText = (document: DocumentView): string => (document.failure ? `${document.failure.error}: ${document.failure.reason}` : '');

/** A document id as it is, or the id of the document whose key (with or without the tenant) is `name`. */
async function resolveDocumentId(client: ServiceClient, name: string): Promise<string> {
  if (DOCUMENT_ID_PATTERN.test(name)) return name;
  const wanted = name.replace(/^\/+/, '');
  for await (const document of listDocuments(client)) {
    if (document.key === wanted || document.key.slice(document.key.indexOf('/') + 1) === wanted) return document.documentId;
  }
  throw new DocumentNotFoundError(`no document with the id or path ${name}`);
}

function formatDocument(document: DocumentView): string {
  const rows: [string, string | number | undefined][] = [
    ['document', document.documentId],
    ['key', document.key],
    ['status', document.status],
    ['chunks', document.chunkCount],
    ['title', document.title],
    ['type', document.contentType],
    ['bytes', document.bytes],
    ['version', document.version],
    ['attempts', document.attempts],
    ['updated', document.updatedAt],
    ['indexed', document.indexedAt],
    ['failure', document.failure ? `${failureText(document)}${document.failure.at ? ` (at ${document.failure.at})` : ''}` : undefined],
  ];
  return rows
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => `${label.padEnd(9)} ${value}`)
    .join('\n');
}

async function list(client: ServiceClient, io: CliIo, status: ListStatus | undefined, json: boolean): Promise<number> {
  const documents: DocumentView[] = [];
  for await (const document of listDocuments(client, status)) documents.push(document);
  if (json) {
    io.stdout.write(`${JSON.stringify(documents, null, 2)}\n`);
    return EXIT_CODES.ok;
  }
  if (documents.length === 0) {
    io.stdout.write(`no ${status ? `${status} ` : ''}documents\n`);
    return EXIT_CODES.ok;
  }
  const rows = documents.map((d) => [d.status, String(d.chunkCount), d.updatedAt ?? '-', d.documentId, d.key, failureText(d)]);
  const counts = STATUSES.map((s) => [s, documents.filter((d) => d.status === s).length] as const).filter(([, n]) => n > 0);
  io.stdout.write(
    `${formatTable(['status', 'chunks', 'updated', 'document', 'key', 'reason'], rows)}\n\n` +
      `${documents.length} document${documents.length === 1 ? '' : 's'} (${counts.map(([s, n]) => `${n} ${s}`).join(', ')})\n`,
  );
  return EXIT_CODES.ok;
}

async function show(client: ServiceClient, io: CliIo, name: string, json: boolean): Promise<number> {
  const id = await resolveDocumentId(client, name);
  const response = await client.request('GET', `/documents/${id}`);
  if (response.status !== 200) throw failureFor(response, `GET /documents/${id}`);
  const document = parseAnswer(documentViewSchema, response, `GET /documents/${id}`);
  io.stdout.write(`${json ? JSON.stringify(document, null, 2) : formatDocument(document)}\n`);
  return EXIT_CODES.ok;
}

async function remove(client: ServiceClient, io: CliIo, name: string, json: boolean): Promise<number> {
  const id = await resolveDocumentId(client, name);
  const response = await client.request('DELETE', `/documents/${id}`);
  if (response.status !== 202 && response.status !== 200) throw failureFor(response, `DELETE /documents/${id}`);
  const accepted = parseAnswer(documentDeleteAcceptedSchema, response, `DELETE /documents/${id}`);
  io.stdout.write(json ? `${JSON.stringify(accepted, null, 2)}\n` : `${accepted.status}  ${id}  (the object and its vectors are being removed)\n`);
  return EXIT_CODES.ok;
}

/** One redrive; a document that is gone counts as not found. */
async function redriveOne(client: ServiceClient, id: string) {
  const response = await client.request('POST', `/documents/${id}/redrive`);
  if (response.status !== 202 && response.status !== 200) throw failureFor(response, `POST /documents/${id}/redrive`);
  return parseAnswer(documentRedriveAcceptedSchema, response, `POST /documents/${id}/redrive`);
}

async function redriveAll(client: ServiceClient, io: CliIo, status: ListStatus, json: boolean): Promise<number> {
  if (status === 'INDEXED') throw new CliUsageError('only FAILED or PENDING documents can be re-driven');
  const targets: DocumentView[] = [];
  for await (const document of listDocuments(client, status)) targets.push(document);
  const results: { documentId: string; key: string; status: string; reason?: string }[] = [];
  for (const document of targets) {
    try {
      const accepted = await redriveOne(client, document.documentId);
      results.push({ documentId: document.documentId, key: document.key, status: accepted.status });
    } catch (error) {
      // Deleted since it was listed: report it, go on with the others.
      if (!(error instanceof DocumentNotFoundError)) throw error;
      results.push({ documentId: document.documentId, key: document.key, status: 'NOT FOUND', reason: error.message });
    }
    const last = results[results.length - 1];
    if (!json && last) io.stdout.write(`${last.status.padEnd(9)}  ${last.documentId}  ${last.key}\n`);
  }
  if (json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else
    io.stdout.write(
      `${results.length === 0 ? `no ${status} documents` : `${results.filter((r) => r.reason === undefined).length} of ${results.length} re-driven`}\n`,
    );
  return results.some((r) => r.reason !== undefined) ? EXIT_CODES.failedOrNotFound : EXIT_CODES.ok;
}

/** `npm run docs -- ...`: returns the exit code (see DOCS_USAGE). */
export const runDocsCli: CliCommand = (argv, env, io) =>
  runCommand('docs', io, async () => {
    const { values, positionals } = parseCommandLine(argv, { status: { type: 'string' } });
    if (values.help) {
      io.stdout.write(`${DOCS_USAGE}\n`);
      return EXIT_CODES.ok;
    }
    const [command, name, ...extra] = positionals;
    const status = parseStatus(values.status);
    const json = values.json ?? false;
    if (extra.length > 0) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    const client = () => new ServiceClient({ ...serviceTarget(values, env), ...(io.fetch ? { fetch: io.fetch } : {}) });
    switch (command) {
      case 'list':
        if (name !== undefined) throw new CliUsageError(`list takes no argument (filter with --status): ${name}`);
        return list(client(), io, status, json);
      case 'show':
      case 'delete': {
        if (name === undefined) throw new CliUsageError(`${command} needs a document id or path`);
        if (status !== undefined) throw new CliUsageError(`--status goes with list and redrive, not ${command}`);
        return command === 'show' ? show(client(), io, name, json) : remove(client(), io, name, json);
      }
      case 'redrive': {
        if ((name === undefined) === (status === undefined))
          throw new CliUsageError('redrive needs a document id or path, or --status FAILED|PENDING (not both)');
        if (status !== undefined) return redriveAll(client(), io, status, json);
        const service = client();
        const id = await resolveDocumentId(service, name as string);
        const accepted = await redriveOne(service, id);
        io.stdout.write(json ? `${JSON.stringify(accepted, null, 2)}\n` : `${accepted.status}  ${id}  (re-driven: npm run docs -- show ${id})\n`);
        return EXIT_CODES.ok;
      }
      case undefined:
        throw new CliUsageError('name a command: list, show, delete or redrive');
      default:
        throw new CliUsageError(`unknown command ${command}: list, show, delete or redrive`);
    }
  });
