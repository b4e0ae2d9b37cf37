/**
 * The layer rules of docs/architecture.md, checked by `npm run lint:deps` (dependency-cruiser) in CI and
 * by tests/unit/architecture.test.ts.
 *
 *   functions/  handlers: validate, call one use-case, shape the result. Each wires only the ports its
 *               use-case takes, through the per-port factories of shared/adapters/; never through
 *               shared/container.ts, which imports every adapter (esbuild would bundle them all)
 *   local/      the embedded runtime (server, watcher, ASL interpreter); may use functions/ and shared/
 *   shared/contracts/  the public API contract (requests, responses, the query workflow's input):
 *                      handlers, ports and use-cases import it; it imports nothing of ours (zod only)
 *   shared/pipeline/   use-cases: depend on ports (interfaces), contracts and core modules, never on an
 *                      adapter or the wiring; only the pipeline itself and the wiring import it
 *   shared/<port>/<adapter>.ts   adapters: depend on their port and shared infrastructure, never on
 *                                the pipeline, the wiring or another adapter (what two adapters share
 *                                goes to a core module, e.g. shared/vectors/chunk-metadata.ts)
 *   shared/adapters/ + shared/container.ts   the wiring: the only modules that import adapters
 * No cycle between modules, nor between the folders of shared/. Nothing in shared/ imports functions/
 * or local/; nothing imports tests/ but bench/, which drives the emulated model of tests/emulators/.
 */
const ADAPTERS =
  '^shared/(storage/(filesystem|s3)-blob-store|embeddings/(local|bedrock)-embedder|vectors/(lancedb-store|s3-vectors-store|knowledge-base-store)|rerank/(local|bedrock)-reranker|generation/(extractive|bedrock-converse|bedrock-knowledge-base)-generator|guardrails/(local|bedrock)-guardrail|workflows/step-functions-workflows|conversations/(sqlite|dynamodb)-conversation-store|usage/(sqlite|dynamodb)-usage-store)[.]ts$';

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
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Folders of shared/ depend one way: two folders that import each other are one tangle (move the shared piece to a core module both may use).',
      scope: 'folder',
      from: { path: '^shared/' },
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
      name: 'contracts-are-the-bottom',
      severity: 'error',
      comment: 'The public contract is what every layer shares: it depends on no module of ours but other contracts.',
      from: { path: '^shared/contracts/' },
      to: { path: '^(shared|functions|local|scripts|eval|bench|stack|tests)/', pathNot: '^shared/contracts/' },
    },
    {
      name: 'use-cases-use-ports-not-adapters',
      severity: 'error',
      comment: 'shared/pipeline/ talks to ports; which adapter runs is the wiring’s business.',
      from: { path: '^shared/pipeline/' },
      to: { path: [ADAPTERS, '^shared/container[.]ts$', '^shared/adapters/'] },
    },
    {
      name: 'only-the-wiring-imports-use-cases',
      severity: 'error',
      comment: 'Ports, adapters and contracts sit below the use-cases: in shared/ only the pipeline itself and the wiring import shared/pipeline/ (a port needing a type from it means the type belongs in shared/contracts/).',
      from: { path: '^shared/', pathNot: ['^shared/pipeline/', '^shared/adapters/', '^shared/container[.]ts$'] },
      to: { path: '^shared/pipeline/' },
    },
    {
      name: 'adapters-do-not-know-the-wiring',
      severity: 'error',
      comment: 'An adapter implements its port; it does not build other ports.',
      from: { path: ADAPTERS },
      to: { path: ['^shared/container[.]ts$', '^shared/adapters/'] },
    },
    {
      name: 'adapters-do-not-import-adapters',
      severity: 'error',
      comment: 'Adapters of different ports stay independent (shared helpers go to a core module).',
      from: { path: ADAPTERS },
      to: { path: ADAPTERS, pathNot: '$from.path' },
    },
    {
      name: 'core-does-not-import-adapters',
      severity: 'error',
      comment: 'Only the wiring imports an adapter: a core module that did would drag its SDK client into every bundle using the module.',
      from: { path: '^shared/', pathNot: [ADAPTERS, '^shared/adapters/', '^shared/container[.]ts$'] },
      to: { path: ADAPTERS },
    },
    {
      name: 'handlers-are-thin',
      severity: 'error',
      comment: 'Handlers reach adapters only through the per-port factories of shared/adapters/.',
      from: { path: '^functions/' },
      to: { path: ADAPTERS },
    },
    {
      name: 'handlers-wire-only-their-ports',
      severity: 'error',
      comment: 'shared/container.ts imports every adapter factory: a handler importing it would carry every adapter in its bundle. Use servicesFor(<the ports the use-case takes>).',
      from: { path: '^functions/' },
      to: { path: '^shared/container[.]ts$' },
    },
    {
      name: 'not-to-tests',
      severity: 'error',
      from: { pathNot: '^(tests|bench)/' },
      to: { path: '^tests/' },
    },
    {
      name: 'bench-uses-only-the-emulators',
      severity: 'error',
      comment: 'The bench measures the pipeline against the emulated model on purpose (no account, no cost, repeatable): it may use tests/emulators/, nothing else of tests/.',
      from: { path: '^bench/' },
      to: { path: '^tests/', pathNot: '^tests/emulators/' },
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
