/**
 * Byte budget of each function's minified bundle (`dist/functions/<name>/index.js`), one per catalog
 * function (tests/unit/scripts/build-functions.test.ts checks both the names and the sizes). The budget
 * is there to catch a bundle that suddenly carries what it does not use (an adapter or a client imported
 * where it is not needed), not to track small growth: each is the size measured on 2026-11-30, with every
 * AWS SDK client the function calls bundled, plus 15 %, rounded up to 10 kB. Sizes are deterministic for a
 * given lockfile and source, so a breach is a change to look at, never noise. When a bundle shrinks for
 * good, lower its budget.
 *
 * About 1 MB of every bundle is the common base: zod (~445 KiB), Powertools, middy and the Smithy core.
 * The rest is the adapters of the ports the handler wires (servicesFor): a port brings every adapter it
 * can be configured with (the vectors port: S3 Vectors and the Knowledge Base clients), and only Extract
 * carries the document extractors (PDF.js via unpdf, mammoth, html-to-text: ~2.2 MB).
 */
export const bundleBudgets: Readonly<Record<string, number>> = {
  // 1.12 MB measured: the Step Functions client.
  'api-query': 1_290_000,
  // 1.87 MB: Step Functions, DynamoDB (sessions, cache), the vector stores, the generator, the guardrail.
  'api-query-stream': 2_160_000,
  // 0.65 MB: no port, no client (the OpenAPI document from the contracts).
  'api-openapi': 750_000,
  // 1.20 MB: DynamoDB only.
  'api-sessions': 1_390_000,
  // 1.33 MB: S3 (documents, manifests) and Step Functions.
  'api-documents': 1_530_000,
  // 1.25 MB: the embedder and generator it reports on (Bedrock Runtime, Agent Runtime).
  'api-health': 1_440_000,
  // 1.32 MB: S3 (manifests) and Step Functions.
  'ingest-trigger': 1_520_000,
  // 3.80 MB: every store and model it touches, and the document extractors.
  'ingest-extract': 4_370_000,
  // 1.24 MB: S3 only.
  'ingest-chunk': 1_430_000,
  // 1.59 MB: S3, the vector stores, the embedder.
  'ingest-embed-batch': 1_830_000,
  'ingest-finalize': 1_840_000,
  'ingest-record-failure': 1_830_000,
  'ingest-delete-document': 1_830_000,
  // 1.24 MB: the generator (its mode decides the path).
  'query-validate': 1_440_000,
  // 1.14 MB: the guardrail (Bedrock Runtime).
  'query-guard-input': 1_320_000,
  // 1.38-1.41 MB: the vector stores and the models each step calls.
  'query-retrieve': 1_590_000,
  'query-rerank': 1_600_000,
  'query-generate': 1_630_000,
  // 1.61 MB: the vector stores, the generator, S3 (citation URIs).
  'query-citations': 1_860_000,
  // 1.35 MB: S3 (documents, manifests) and the embedder (its model id decides what is stale).
  'reindex-plan': 1_560_000,
  // 1.32 MB: S3 (manifests) and Step Functions.
  'reindex-start-ingestion': 1_520_000,
};
