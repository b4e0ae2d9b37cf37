/**
 * Grants in the packaged roles that no SDK call of the emulated runs uses, each with the reason it is
 * kept. The IAM proof fails on an unused grant that has no entry here, so a grant nobody needs cannot
 * stay by accident, and on an entry whose grant no longer exists, so this list cannot rot.
 */
export interface KeptGrant {
  action: string;
  /** The functions whose roles hold it; `*` for every function. */
  functions: readonly string[] | '*';
  /** How the grant's resource ends, when only the grant on that resource is kept (the action stays checked elsewhere). */
  resource?: string;
  reason: string;
}

export const KEPT_GRANTS: readonly KeptGrant[] = [
  ...(
    [
      ['s3:GetObject', ['ingest-trigger', 'reindex-start-ingestion']],
      ['s3:PutObject', ['api-documents', 'ingest-trigger', 'reindex-start-ingestion']],
      ['s3:DeleteObject', ['api-documents', 'ingest-trigger', 'reindex-start-ingestion']],
    ] as const
  ).map(([action, functions]) => ({
    action,
    functions,
    resource: '/refused/*',
    reason:
      'Refusal markers of the tenant document limit (RAG_MAX_DOCUMENTS_PER_TENANT): written when a new document finds its tenant full, read and removed when it is started again with room. The emulated run stays under the limit; tests/integration/functions/documents-limits.test.ts proves the behaviour on the same code.',
  })),
  {
    action: 'logs:CreateLogStream',
    functions: '*',
    reason: "The Lambda service writes the function's logs with its role (no SDK call of ours).",
  },
  {
    action: 'logs:PutLogEvents',
    functions: '*',
    reason: "The Lambda service writes the function's logs with its role (no SDK call of ours).",
  },
  {
    action: 'xray:PutTraceSegments',
    functions: '*',
    reason: 'Active tracing: the Lambda service and the X-Ray SDK send segments with the role.',
  },
  {
    action: 'xray:PutTelemetryRecords',
    functions: '*',
    reason: 'Active tracing: the Lambda service and the X-Ray SDK send segments with the role.',
  },
  {
    action: 's3:ListBucket',
    functions: ['ingest-extract', 'ingest-embed-batch'],
    reason:
      'They read a manifest that is missing only when a delete event removed it mid-ingestion (the code handles "missing"); S3 answers that read 404 only with s3:ListBucket, else 403 and the step fails. A race the run does not stage.',
  },
  ...['s3vectors:DeleteVectors', 'bedrock:DeleteKnowledgeBaseDocuments', 'bedrock:GetKnowledgeBaseDocuments'].map((action) => ({
    action,
    functions: ['ingest-record-failure'],
    reason:
      "Removes (and, on a Knowledge Base, waits out the removal of) the failed attempt's partial chunks. In the staged failure the attempt's other batches may withdraw their own chunks first, so whether any are left is a race; the statement's list or get action is exercised, and the same delete is proven by the late-batch withdrawal of ingest-embed-batch.",
  })),
  {
    action: 's3:ListBucket',
    functions: ['ingest-finalize'],
    resource: 'rag-ci-documents',
    reason:
      'Finalize HEADs the object before its version goes live; an object deleted meanwhile must answer 404 (the execution withdraws itself), which S3 gives only with s3:ListBucket, else 403 and the step fails. A race the run does not stage (tests/integration/shared/pipeline/event-order.test.ts does).',
  },
  {
    action: 's3:PutObject',
    functions: ['ingest-delete-document'],
    resource: '/manifests/*',
    reason:
      'A delete that finds its object written again after it removed the document marks the document PENDING for the next sweep. A race the run does not stage (tests/integration/shared/pipeline/event-order.test.ts does).',
  },
  {
    action: 'aws-marketplace:ViewSubscriptions',
    functions: ['query-retrieve-and-rank', 'query-generate', 'api-query-stream'],
    reason:
      "Bedrock subscribes the account to a third-party model (Cohere Rerank, Anthropic Claude) through AWS Marketplace on its first invocation, with the caller's role; no SDK call of ours (https://docs.aws.amazon.com/bedrock/latest/userguide/rerank-prereq.html, read 2026-11-30).",
  },
  {
    action: 'aws-marketplace:Subscribe',
    functions: ['query-retrieve-and-rank', 'query-generate', 'api-query-stream'],
    reason:
      "Bedrock subscribes the account to a third-party model (Cohere Rerank, Anthropic Claude) through AWS Marketplace on its first invocation, with the caller's role; no SDK call of ours (https://docs.aws.amazon.com/bedrock/latest/userguide/rerank-prereq.html, read 2026-11-30).",
  },
  {
    action: 'sqs:SendMessage',
    functions: ['ingest-trigger'],
    reason: 'On-failure destination of asynchronous invocations: Lambda sends the failed event with the function role.',
  },
];
