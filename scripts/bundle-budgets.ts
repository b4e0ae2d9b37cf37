/**
 * Byte budget of each function's minified bundle (`dist/functions/<name>/index.js`), one per catalog
 * function (tests/unit/scripts/build-functions.test.ts checks both the names and the sizes). The budget
 * is there to catch a bundle that suddenly carries what it does not use (an adapter or a client imported
 * where it is not needed), not to track small growth: each is the size measured on 2026-12-01, with every
 * AWS SDK client the function calls bundled, plus 15 %, rounded up to 10 kB. Sizes are deterministic for a
 * given lockfile and source, so a breach is a change to look at, never noise. When a bundle shrinks for
 * good, lower its budget.
 *
 * About 0.6 MB of every bundle is the common base: zod (~90 KiB since it is imported as a namespace, which
 * leaves out its ~40 locales), Powertools, middy and the Smithy core (ESM builds, tree-shaken).
 * The rest is the adapters of the ports the handler wires (servicesFor): a port brings every adapter it
 * can be configured with (the vectors port: S3 Vectors and the Knowledge Base clients), and only Extract
 * carries the document extractors (PDF.js via unpdf, mammoth, html-to-text: ~2.2 MB).
 */
export const bundleBudgets: Readonly<Record<string, number>> = {
  // 0.74 MB measured 2026-12-01: the Step Functions client.
  'api-query': 860_000,
  // 1.28 MB measured 2026-12-01: Step Functions, DynamoDB (sessions, cache), the vector stores, the generator, the guardrail.
  'api-query-stream': 1_480_000,
  // 0.30 MB measured 2026-12-01: no port, no client (the OpenAPI document from the contracts).
  'api-openapi': 350_000,
  // 0.68 MB measured 2026-12-01: DynamoDB only.
  'api-sessions': 790_000,
  // 0.80 MB measured 2026-12-01: S3 (documents, manifests) and Step Functions.
  'api-documents': 930_000,
  // 0.74 MB measured 2026-12-01: the embedder and generator it reports on (Bedrock Runtime, Agent Runtime).
  'api-health': 850_000,
  // 0.69 MB measured 2026-12-01: the usage store (DynamoDB) only.
  'api-usage': 790_000,
  // 0.80 MB measured 2026-12-01: S3 (manifests) and Step Functions.
  'ingest-trigger': 920_000,
  // 3.25 MB measured 2026-12-01: every store and model it touches, and the document extractors.
  'ingest-extract': 3_740_000,
  // 0.75 MB measured 2026-12-01: S3 only.
  'ingest-chunk': 870_000,
  // 1.04 MB measured 2026-12-01: S3, the vector stores, the embedder.
  'ingest-embed-batch': 1_200_000,
  'ingest-finalize': 1_340_000,
  'ingest-record-failure': 1_340_000,
  'ingest-delete-document': 1_330_000,
  // 0.73 MB measured 2026-12-01: the generator (its mode decides the path).
  'query-validate': 840_000,
  // 0.78 MB measured 2026-12-01: the guardrail (Bedrock Runtime) and the usage store (DynamoDB).
  'query-guard-input': 900_000,
  // 1.01 MB measured 2026-12-01: the vector stores, the embedder and the reranker (Retrieve and Rerank merged), the usage store.
  'query-retrieve-and-rank': 1_160_000,
  // 0.89 MB measured 2026-12-01: the generator, the guardrail and the usage store; the ranked chunks come in the state, no vector store.
  'query-generate': 1_030_000,
  // 1.07 MB measured 2026-12-01: the vector stores, the generator, S3 (citation URIs).
  'query-citations': 1_230_000,
  // 0.83 MB measured 2026-12-01: S3 (documents, manifests) and the embedder (its model id decides what is stale).
  'reindex-plan': 960_000,
  // 0.80 MB measured 2026-12-01: S3 (manifests) and Step Functions.
  'reindex-start-ingestion': 930_000,
};
