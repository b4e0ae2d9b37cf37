/**
 * Every Lambda function of the service, in one place: serverless.yml declares the same names
 * (a test checks), the local runtime binds ASL Task states through `aslPlaceholder`, and the
 * bundler/bench/invoke scripts find each handler module here.
 */
export interface FunctionEntry {
  /** Function name in serverless.yml. */
  name: string;
  /** Handler module, relative to the repo root, without extension; it exports `handler`. */
  module: string;
  kind: 'http' | 'task' | 'trigger';
  /** The `${Placeholder}` used for this function's ARN in ASL files. */
  aslPlaceholder?: string;
}

export const functionCatalog: readonly FunctionEntry[] = [
  { name: 'api-query', module: 'functions/api/query', kind: 'http' },
  { name: 'api-query-stream', module: 'functions/api/query-stream', kind: 'http' },
  { name: 'api-sessions', module: 'functions/api/sessions', kind: 'http' },
  { name: 'api-openapi', module: 'functions/api/openapi', kind: 'http' },
  { name: 'api-documents', module: 'functions/api/documents', kind: 'http' },
  { name: 'api-health', module: 'functions/api/health', kind: 'http' },
  { name: 'api-usage', module: 'functions/api/usage', kind: 'http' },
  { name: 'ingest-trigger', module: 'functions/ingest/trigger', kind: 'trigger' },
  { name: 'ingest-extract', module: 'functions/ingest/extract', kind: 'task', aslPlaceholder: 'ExtractFunctionArn' },
  { name: 'ingest-chunk', module: 'functions/ingest/chunk', kind: 'task', aslPlaceholder: 'ChunkFunctionArn' },
  { name: 'ingest-embed-batch', module: 'functions/ingest/embed-batch', kind: 'task', aslPlaceholder: 'EmbedBatchFunctionArn' },
  { name: 'ingest-finalize', module: 'functions/ingest/finalize', kind: 'task', aslPlaceholder: 'FinalizeFunctionArn' },
  { name: 'ingest-record-failure', module: 'functions/ingest/record-failure', kind: 'task', aslPlaceholder: 'RecordFailureFunctionArn' },
  { name: 'ingest-delete-document', module: 'functions/ingest/delete-document', kind: 'task', aslPlaceholder: 'DeleteDocumentFunctionArn' },
  { name: 'query-validate', module: 'functions/query/validate', kind: 'task', aslPlaceholder: 'ValidateQueryFunctionArn' },
  { name: 'query-guard-input', module: 'functions/query/guard-input', kind: 'task', aslPlaceholder: 'GuardInputFunctionArn' },
  { name: 'query-retrieve-and-rank', module: 'functions/query/retrieve-and-rank', kind: 'task', aslPlaceholder: 'RetrieveAndRankFunctionArn' },
  { name: 'query-generate', module: 'functions/query/generate', kind: 'task', aslPlaceholder: 'GenerateFunctionArn' },
  { name: 'query-citations', module: 'functions/query/citations', kind: 'task', aslPlaceholder: 'CitationsFunctionArn' },
  { name: 'reindex-plan', module: 'functions/reindex/plan', kind: 'task', aslPlaceholder: 'PlanReindexFunctionArn' },
  { name: 'reindex-start-ingestion', module: 'functions/reindex/start-ingestion', kind: 'task', aslPlaceholder: 'StartIngestionFunctionArn' },
];
