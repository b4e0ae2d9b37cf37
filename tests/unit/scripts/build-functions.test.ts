import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { functionCatalog } from '../../../functions/catalog';
import packageJson from '../../../package.json';
import { type BuiltFunction, type BundleManifestEntry, buildFunctionBundles, bundleOptions } from '../../../scripts/build-functions';
import { bundleBudgets } from '../../../scripts/bundle-budgets';

/**
 * The production bundles, built once into a temporary folder: each carries the AWS SDK it calls (at the
 * versions package.json pins) and stays within its byte budget.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const awsSdkPackage = /^@(aws-sdk|smithy)\//;

let outDir: string;
let built: BuiltFunction[];
let manifest: { functions: BundleManifestEntry[] };

/**
 * Every module a bundle asks for at run time (`require`, `require.resolve`, `import()`), read back from
 * the bundle text by esbuild's parser. A plain text search would also match the S3 client's own error
 * message, which quotes `require("@aws-sdk/signature-v4-crt")` as advice.
 */
async function modulesRequestedBy(files: readonly string[]): Promise<Map<string, Set<string>>> {
  const requested = new Map<string, Set<string>>(files.map((file) => [file, new Set<string>()]));
  await build({
    entryPoints: [...files],
    outdir: path.join(outDir, 'reparsed'),
    bundle: true,
    write: false,
    platform: 'node',
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-requests',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            requested.get(args.importer)?.add(args.path);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return requested;
}

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'rag-bundles-'));
  built = await buildFunctionBundles({ rootDir: root, outDir });
  manifest = JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as { functions: BundleManifestEntry[] };
}, 600_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('buildFunctionBundles', () => {
  it('leaves no @aws-sdk/* or @smithy/* module for the Lambda runtime to provide', async () => {
    // Prepare
    const files = built.map((b) => b.outfile);

    // Act
    const requested = await modulesRequestedBy(files);

    // Assess
    expect(built.map((b) => b.name).sort()).toEqual(functionCatalog.map((f) => f.name).sort());
    // The reader sees requires: a bundle wiring the vectors port asks for LanceDB (required lazily, never
    // on AWS); one that does not wire it carries no vector store at all.
    const asksForLanceDb = (name: string) => [...(requested.get(built.find((b) => b.name === name)?.outfile ?? '') ?? [])].includes('@lancedb/lancedb');
    expect(asksForLanceDb('query-retrieve-and-rank')).toBe(true);
    expect(asksForLanceDb('api-query')).toBe(false);
    const leftToRuntime = built.flatMap((b) => [...(requested.get(b.outfile) ?? [])].filter((m) => awsSdkPackage.test(m)).map((m) => `${b.name}: ${m}`));
    expect(leftToRuntime).toEqual([]);
  });

  it('carries the AWS SDK clients the code calls at the versions package.json pins', () => {
    // Prepare
    const pinned = Object.entries(packageJson.dependencies).filter(([name]) => awsSdkPackage.test(name));
    const carried = new Set(manifest.functions.flatMap((f) => f.packages));

    // Act
    const mismatches = manifest.functions.flatMap((f) =>
      pinned.flatMap(([name, version]) =>
        f.packages.filter((p) => p.startsWith(`${name}@`) && p !== `${name}@${version}`).map((p) => `${f.name}: ${p}, pinned ${version}`),
      ),
    );

    // Assess
    expect(mismatches).toEqual([]);
    const clients = pinned.map(([name]) => name).filter((name) => name.startsWith('@aws-sdk/client-'));
    expect(clients.filter((client) => ![...carried].some((p) => p.startsWith(`${client}@`)))).toEqual([]);
  });

  it('keeps every bundle within its byte budget', () => {
    // Act
    const overBudget = built
      .filter((b) => b.bytes > (bundleBudgets[b.name] ?? 0))
      .map((b) => `${b.name}: ${b.bytes} bytes, budget ${bundleBudgets[b.name] ?? 'none'}`);

    // Assess
    expect(overBudget).toEqual([]);
  });

  it('puts the document extractors into the Extract bundle only', () => {
    // Prepare: the packages only the PDF, DOCX and HTML extractors use.
    const extractorPackages = /^(unpdf|mammoth|html-to-text)@/;

    // Act
    const carrying = manifest.functions.filter((f) => f.packages.some((p) => extractorPackages.test(p))).map((f) => f.name);

    // Assess
    expect(carrying).toEqual(['ingest-extract']);
  });

  it('has a budget for every catalog function and none for an unknown function', () => {
    // Assess
    expect(Object.keys(bundleBudgets).sort()).toEqual(functionCatalog.map((f) => f.name).sort());
  });
});

describe('bundleOptions', () => {
  it("bundles the SDK clients' ESM builds (dist-es), which esbuild can trim, not their CommonJS builds", async () => {
    // Prepare
    const options = bundleOptions({ module: 'functions/api/sessions' }, root, path.join(tmpdir(), 'rag-bundle-options', 'index.js'), true);

    // Act
    const { metafile } = await build({ ...options, write: false });

    // Assess
    // Code only: the ESM build reads its version from the package's package.json.
    const clientInputs = Object.keys(metafile.inputs).filter((input) => input.includes('node_modules/@aws-sdk/client-dynamodb/') && input.endsWith('.js'));
    expect(clientInputs.length).toBeGreaterThan(0);
    expect(clientInputs.filter((input) => !input.includes('/dist-es/'))).toEqual([]);
  }, 120_000);
});
