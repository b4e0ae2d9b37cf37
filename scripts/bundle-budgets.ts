/**
 * Byte budget of each function's minified bundle (`dist/functions/<name>/index.js`), one per catalog
 * function (tests/unit/scripts/build-functions.test.ts checks both the names and the sizes). The budget
 * is there to catch a bundle that suddenly carries what it does not use (an adapter or a client imported
 * where it is not needed), not to track small growth: each is the size measured on 2026-11-30, with every
 * AWS SDK client bundled, plus 15 %, rounded up to 10 kB. Sizes are deterministic for a given lockfile and
 * source, so a breach is a change to look at, never noise. When a bundle shrinks for good, lower its budget.
 */
export const bundleBudgets: Readonly<Record<string, number>> = {
  // 1.68 MB measured: zod (~445 KiB) and the AWS SDK clients with @smithy (~900 KiB) are most of it.
  'api-query': 1_940_000,
  'api-documents': 4_480_000,
  'api-health': 1_940_000,
  // 3.88 MB measured: these also carry the document extractors (PDF.js via unpdf, mammoth).
  'ingest-trigger': 4_470_000,
  'ingest-extract': 4_470_000,
  'ingest-chunk': 4_470_000,
  'ingest-embed-batch': 4_470_000,
  'ingest-finalize': 4_470_000,
  'ingest-record-failure': 4_470_000,
  'ingest-delete-document': 4_470_000,
  'query-validate': 1_940_000,
  'query-guard-input': 1_940_000,
  'query-retrieve': 1_940_000,
  'query-rerank': 1_940_000,
  'query-generate': 1_940_000,
  'query-citations': 1_940_000,
  'reindex-plan': 4_470_000,
  'reindex-start-ingestion': 4_470_000,
};
