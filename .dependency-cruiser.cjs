/**
 * The layer rules of docs/architecture.md, checked by `npm run lint:deps` (dependency-cruiser) in CI.
 *
 *   functions/  handlers: validate, call one use-case, shape the result
 *   local/      the embedded runtime (server, watcher, ASL interpreter); may use functions/ and shared/
 *   shared/pipeline/   use-cases: depend on ports (interfaces) and core modules, never on an adapter
 *   shared/<port>/<adapter>.ts   adapters: depend on their port and shared infrastructure, never on
 *                                the pipeline, the container or another port's adapter
 *   shared/container.ts + shared/adapters/   the only place that knows every adapter
 * Nothing in shared/ imports functions/ or local/; nothing imports tests/.
 */
const ADAPTERS =
  '^shared/(storage/(filesystem|s3)-blob-store|embeddings/(local|bedrock)-embedder|vectors/(lancedb-store|s3-vectors-store|knowledge-base-store)|rerank/(local|bedrock)-reranker|generation/(extractive|bedrock-converse|bedrock-knowledge-base)-generator|guardrails/(local|bedrock)-guardrail|workflows/step-functions-workflows)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes modules impossible to understand or load in isolation.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-is-the-core',
      severity: 'error',
      comment: 'The core never depends on handlers, the local runtime, scripts, eval, bench or tests.',
      from: { path: '^shared/' },
      to: { path: '^(functions|local|scripts|eval|bench|tests|stack)/' },
    },
    {
      name: 'use-cases-use-ports-not-adapters',
      severity: 'error',
      comment: 'shared/pipeline/ talks to ports; which adapter runs is the container’s business.',
      from: { path: '^shared/pipeline/' },
      to: { path: [ADAPTERS, '^shared/container[.]ts$', '^shared/adapters/'] },
    },
    {
      name: 'adapters-do-not-know-the-pipeline',
      severity: 'error',
      comment: 'An adapter implements its port; it does not call use-cases, the container or the handlers.',
      from: { path: ADAPTERS },
      to: { path: ['^shared/pipeline/(?!query-contract[.]ts$)', '^shared/container[.]ts$', '^shared/adapters/'] },
    },
    {
      name: 'adapters-do-not-import-adapters',
      severity: 'error',
      comment: 'Adapters of different ports stay independent (shared helpers go to a core module).',
      from: { path: ADAPTERS },
      to: { path: ADAPTERS, pathNot: '$from.path' },
    },
    {
      name: 'handlers-are-thin',
      severity: 'error',
      comment: 'Handlers reach adapters only through the container (or the adapter factories it exposes).',
      from: { path: '^functions/' },
      to: { path: ADAPTERS },
    },
    {
      name: 'not-to-tests',
      severity: 'error',
      from: { pathNot: '^tests/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|[.]rag)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
