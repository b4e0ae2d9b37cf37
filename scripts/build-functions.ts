/**
 * Production bundles, one per function of the catalog: `dist/functions/<name>/index.js` (+ source map),
 * and `dist/functions/manifest.json` with their sizes. serverless.yml packages each function from its
 * folder (`package.patterns`), so this is the one build path for deploy, the deploy test and the bench.
 * Usage: npm run build [-- <function-name> ...]
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { type FunctionEntry, functionCatalog } from '../functions/catalog';

export interface BuildOptions {
  /** Repository root (where functions/ lives). */
  rootDir?: string;
  /** Output folder; default `<rootDir>/dist/functions`. */
  outDir?: string;
  /** Only these catalog names; default every function. */
  functions?: readonly string[];
  /** Default true: production bundles are minified. */
  minify?: boolean;
}

export interface BuiltFunction {
  name: string;
  outfile: string;
  bytes: number;
}

export interface BundleManifestEntry extends BuiltFunction {
  module: string;
  sourceMapBytes: number;
  /** Number of source files that went into the bundle (from the esbuild metafile). */
  inputs: number;
}

/**
 * The Lambda nodejs22.x runtime ships AWS SDK v3, so its clients stay out of the bundles (smaller
 * bundles, faster init). Exception: clients too new to be guaranteed in the runtime's SDK copy are
 * bundled — S3 Vectors is from mid-2025.
 */
const bundledAwsClients: ReadonlySet<string> = new Set(['@aws-sdk/client-s3vectors']);

/**
 * LanceDB is the embedded default vector store, never selected on AWS: a native module esbuild cannot
 * bundle. shared/container.ts imports its adapter lazily (only when RAG_VECTOR_STORE=lancedb), so in a
 * bundle these requires never run; apache-arrow is only used by that adapter (~200 KB saved).
 */
const embeddedOnlyExternals: readonly string[] = ['@lancedb/lancedb', 'apache-arrow'];

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Marks `@aws-sdk/*` external except the clients listed in `bundledAwsClients`. */
export function isExternal(specifier: string): boolean {
  const name = packageName(specifier);
  if (embeddedOnlyExternals.includes(name)) return true;
  return name.startsWith('@aws-sdk/') && !bundledAwsClients.has(name);
}

const externalsPlugin: Plugin = {
  name: 'rag-externals',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(@aws-sdk\/|@lancedb\/|apache-arrow$)/ }, (args) => {
      // Imports made from inside a bundled client (its own @aws-sdk/core etc.) are bundled with it.
      const fromBundledClient = [...bundledAwsClients].some((client) => args.importer.includes(`${path.sep}node_modules${path.sep}${client}${path.sep}`));
      if (!fromBundledClient && isExternal(args.path)) return { path: args.path, external: true };
      return undefined;
    });
  },
};

function selectFunctions(names: readonly string[] | undefined): FunctionEntry[] {
  if (!names || names.length === 0) return [...functionCatalog];
  const unknown = names.filter((name) => !functionCatalog.some((f) => f.name === name));
  if (unknown.length > 0) throw new Error(`Unknown function(s): ${unknown.join(', ')}`);
  return functionCatalog.filter((f) => names.includes(f.name));
}

async function bundleOne(entry: FunctionEntry, rootDir: string, outDir: string, minify: boolean): Promise<BundleManifestEntry> {
  const outfile = path.join(outDir, entry.name, 'index.js');
  await rm(path.dirname(outfile), { recursive: true, force: true });
  const result = await build({
    entryPoints: [path.join(rootDir, `${entry.module}.ts`)],
    outfile,
    absWorkingDir: rootDir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify,
    // Stack traces through --enable-source-maps need the mappings, not the sources themselves.
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [externalsPlugin],
  });
  const metafile: Metafile = result.metafile;
  const [code, map] = await Promise.all([stat(outfile), stat(`${outfile}.map`)]);
  return {
    name: entry.name,
    module: entry.module,
    outfile,
    bytes: code.size,
    sourceMapBytes: map.size,
    inputs: Object.keys(metafile.inputs).length,
  };
}

/** Builds the selected bundles (sequentially: the CI box has two cores) and writes the manifest. */
export async function buildFunctionBundles(options: BuildOptions = {}): Promise<BuiltFunction[]> {
  const rootDir = path.resolve(options.rootDir ?? path.join(__dirname, '..'));
  const outDir = path.resolve(options.outDir ?? path.join(rootDir, 'dist', 'functions'));
  await mkdir(outDir, { recursive: true });
  const built: BundleManifestEntry[] = [];
  for (const entry of selectFunctions(options.functions)) {
    built.push(await bundleOne(entry, rootDir, outDir, options.minify ?? true));
  }
  const manifest = {
    builtAt: new Date().toISOString(),
    target: 'node22',
    functions: built.map((b) => ({ ...b, outfile: path.relative(rootDir, b.outfile) })),
    totalBytes: built.reduce((sum, b) => sum + b.bytes, 0),
  };
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return built.map(({ name, outfile, bytes }) => ({ name, outfile, bytes }));
}

if (require.main === module) {
  buildFunctionBundles({ functions: process.argv.slice(2) })
    .then((built) => {
      for (const b of built) process.stdout.write(`${b.name.padEnd(28)} ${(b.bytes / 1024).toFixed(1).padStart(9)} KiB\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
