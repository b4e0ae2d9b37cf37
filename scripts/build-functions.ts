/**
 * Production bundles, one per function of the catalog: `dist/functions/<name>/index.js` (+ source map),
 * and `dist/functions/manifest.json` with their sizes. serverless.yml packages each function from its
 * folder (`package.patterns`), so this is the one build path for deploy, the deploy test and the bench.
 * Usage: npm run build [-- <function-name> ...]
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type BuildOptions as EsbuildOptions, build, type Metafile } from 'esbuild';
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
  /** The handler module (catalog), e.g. `functions/api/query`. */
  module: string;
  outfile: string;
  bytes: number;
  /** `name@version` of every npm package with code in the bundle, e.g. `@aws-sdk/client-s3@3.1175.0`. */
  packages: string[];
}

export interface BundleManifestEntry extends BuiltFunction {
  sourceMapBytes: number;
  /** Number of source files that went into the bundle (from the esbuild metafile). */
  inputs: number;
}

/**
 * Every `@aws-sdk/*` and `@smithy/*` package the code calls is bundled, at the version package.json pins:
 * the nodejs22.x runtime's own SDK copy is "a specific minor version of the AWS SDK for JavaScript v3, not
 * the latest", which "depends on the runtime version and your AWS Region"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included), and "Lambda
 * periodically updates the SDK libraries in the Node.js runtime"
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-package.html); both read 2026-11-30. Rerank,
 * ApplyGuardrail, S3 Vectors and IngestKnowledgeBaseDocuments are recent APIs such a copy may lack, and a
 * version we never tested may arrive without a deploy. Bundled, no `require('@aws-sdk/…')` is left to
 * resolve against the runtime's copy: each function runs the SDK its tests ran.
 *
 * Only LanceDB stays out, as before: the embedded default vector store, never selected on AWS, and a
 * native module esbuild cannot bundle. shared/adapters/vector-store.ts imports its adapter lazily (only when
 * RAG_VECTOR_STORE=lancedb), so in a bundle these requires never run; apache-arrow is only used by that
 * adapter (~200 KB saved).
 */
const embeddedOnlyExternals: readonly string[] = ['@lancedb/lancedb', 'apache-arrow'];

/** package.json fields esbuild resolves a package by, in order (see bundleOne). */
export const preferEsmMainFields: readonly string[] = ['module', 'main'];

/** The installed packages whose code esbuild put into an output (metafile paths are relative to rootDir). */
async function bundledPackages(output: Metafile['outputs'][string], rootDir: string): Promise<string[]> {
  const packageDirs = new Set<string>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0 || bytesInOutput === 0) continue;
    const parts = input.slice(at + 'node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
    packageDirs.add(`${input.slice(0, at)}node_modules/${name}`);
  }
  const packages = await Promise.all(
    [...packageDirs].map(async (dir) => {
      const { name, version } = JSON.parse(await readFile(path.join(rootDir, dir, 'package.json'), 'utf8')) as { name: string; version: string };
      return `${name}@${version}`;
    }),
  );
  return [...new Set(packages)].sort();
}

function selectFunctions(names: readonly string[] | undefined): FunctionEntry[] {
  if (!names || names.length === 0) return [...functionCatalog];
  const unknown = names.filter((name) => !functionCatalog.some((f) => f.name === name));
  if (unknown.length > 0) throw new Error(`Unknown function(s): ${unknown.join(', ')}`);
  return functionCatalog.filter((f) => names.includes(f.name));
}

/** The esbuild options of one function's production bundle. */
export function bundleOptions(entry: Pick<FunctionEntry, 'module'>, rootDir: string, outfile: string, minify: boolean): EsbuildOptions & { metafile: true } {
  return {
    entryPoints: [path.join(rootDir, `${entry.module}.ts`)],
    outfile,
    absWorkingDir: rootDir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // ESM builds first: the SDK v3 and Smithy packages ship `module` (dist-es) beside `main` (dist-cjs), and
    // only the ESM lets esbuild drop what a client never calls. Measured 2026-12-01 (CPU ms of the import,
    // loaded 2-core box): a bundled BedrockRuntimeClient 477 -> 331 KiB, 61 -> 47 ms; DynamoDBClient
    // 514 -> 322 KiB, 66 -> 45 ms. esbuild's default for platform 'node' is main first.
    mainFields: [...preferEsmMainFields],
    minify,
    // Maps ship beside each bundle to decode a logged stack offline; Lambda does not load them at start
    // (no --enable-source-maps: it cost ~15% of each import). Mappings only, not the sources themselves.
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    // A package name here also covers its subpaths (`apache-arrow/...`).
    external: [...embeddedOnlyExternals],
  };
}

async function bundleOne(entry: FunctionEntry, rootDir: string, outDir: string, minify: boolean): Promise<BundleManifestEntry> {
  const outfile = path.join(outDir, entry.name, 'index.js');
  await rm(path.dirname(outfile), { recursive: true, force: true });
  const result = await build(bundleOptions(entry, rootDir, outfile, minify));
  const metafile: Metafile = result.metafile;
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.js'))?.[1];
  if (!output) throw new Error(`esbuild reported no output for ${entry.name}`);
  const [code, map, packages] = await Promise.all([stat(outfile), stat(`${outfile}.map`), bundledPackages(output, rootDir)]);
  return {
    name: entry.name,
    module: entry.module,
    outfile,
    bytes: code.size,
    sourceMapBytes: map.size,
    inputs: Object.keys(metafile.inputs).length,
    packages,
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
  return built.map(({ name, module, outfile, bytes, packages }) => ({ name, module, outfile, bytes, packages }));
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
