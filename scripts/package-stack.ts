import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { functionCatalog } from '../functions/catalog';

/**
 * The CloudFormation template `serverless package` writes, for tests that need the stack as AWS
 * would receive it (IAM roles, event rules) but not the function code: the service is packaged in a
 * scratch folder that links the repo's sources and holds one-line stand-in bundles, so no esbuild
 * build is needed (about 5 s instead of 40). tests/deploy/serverless-package.test.ts packages the
 * real bundles and checks the artifacts.
 */
const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '..');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface CfnResource {
  Type: string;
  Properties: JsonObject;
  Condition?: string;
  DependsOn?: string | string[];
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: JsonObject;
  Outputs?: JsonObject;
}

export interface PackageOptions {
  stage?: string;
  /** `--param="name=value"` for each entry. */
  params?: Record<string, string>;
  region?: string;
  /** Package the real bundles from dist/ (must be built) instead of stand-ins. */
  realBundles?: boolean;
}

export interface PackagedStack {
  template: CfnTemplate;
  /** The folder holding the template and the zips; removed by `cleanup`. */
  dir: string;
  cleanup(): Promise<void>;
}

/** Environment for an offline `serverless package`: fake credentials, no telemetry or notifications. */
export function offlineServerlessEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'fake',
    AWS_SECRET_ACCESS_KEY: 'fake',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return env;
}

export function serverlessArgs(outDir: string, options: PackageOptions): string[] {
  const args = ['package', '--stage', options.stage ?? 'ci', '--package', outDir];
  if (options.region) args.push('--region', options.region);
  for (const [name, value] of Object.entries(options.params ?? {})) args.push(`--param=${name}=${value}`);
  return args;
}

/** Runs `serverless package`; rejects with the framework's own message (e.g. a bad parameter) on failure. */
export async function runServerlessPackage(cwd: string, outDir: string, options: PackageOptions): Promise<void> {
  try {
    await execFileAsync(path.join(root, 'node_modules', '.bin', 'serverless'), serverlessArgs(outDir, options), {
      cwd,
      env: offlineServerlessEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message?: string };
    throw new Error(`serverless package failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim());
  }
}

export async function packageStack(options: PackageOptions = {}): Promise<PackagedStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-sls-'));
  const outDir = path.join(dir, 'out');
  let cwd = root;
  if (!options.realBundles) {
    // A service folder of links to the repo's folders (what serverless.yml reads, node_modules) and
    // copies of its files (the framework does not take a linked serverless.yml)...
    cwd = path.join(dir, 'service');
    await mkdir(cwd);
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (['dist', '.serverless', '.git', '.rag'].includes(entry.name)) continue;
      if (entry.isDirectory()) await symlink(path.join(root, entry.name), path.join(cwd, entry.name));
      else await copyFile(path.join(root, entry.name), path.join(cwd, entry.name));
    }
    // ...and stand-in bundles, so every function's package pattern matches a file.
    for (const fn of functionCatalog) {
      const bundleDir = path.join(cwd, 'dist', 'functions', fn.name);
      await mkdir(bundleDir, { recursive: true });
      await writeFile(path.join(bundleDir, 'index.js'), 'exports.handler = async () => undefined;\n');
    }
  }
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await runServerlessPackage(cwd, outDir, options);
    const template = JSON.parse(await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate;
    return { template, dir: outDir, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
