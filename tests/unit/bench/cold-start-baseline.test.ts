import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  baselineClients,
  baselineHandlerSource,
  clientsInBundle,
  coldStartSummary,
  coldStartVerdict,
  isQueryPath,
  lightestClient,
  QUERY_PATH_IMPORT_MS,
} from '../../../bench/cold-start-baseline';

const root = path.resolve(__dirname, '..', '..', '..');

describe('clientsInBundle', () => {
  it('keeps the @aws-sdk/client-* packages of a bundle, without versions, once each, sorted', () => {
    // Prepare
    const packages = [
      'zod@4.6.7',
      '@aws-sdk/client-sfn@3.1164.0',
      '@aws-sdk/lib-dynamodb@3.1164.0',
      '@aws-sdk/client-dynamodb@3.1164.0',
      '@smithy/core@3.41.1',
    ];

    // Act
    const clients = clientsInBundle(packages);

    // Assess
    expect(clients).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn']);
  });
});

describe('baselineClients', () => {
  const installed = new Map([
    ['@aws-sdk/client-s3', 273_522],
    ['@aws-sdk/client-s3vectors', 46_813],
    ['@aws-sdk/client-sfn', 108_027],
  ]);

  it("uses the clients the function's bundle carries", () => {
    // Act
    const clients = baselineClients(['@aws-sdk/client-s3@3.1175.0', '@middy/core@6.4.5'], installed);

    // Assess
    expect(clients).toEqual(['@aws-sdk/client-s3']);
  });

  it('gives a function that carries no client the lightest installed one', () => {
    // Act
    const clients = baselineClients(['@middy/core@6.4.5', 'zod@4.6.7'], installed);

    // Assess
    expect(clients).toEqual(['@aws-sdk/client-s3vectors']);
  });

  it('breaks a tie by name and refuses an empty installation', () => {
    // Assess
    expect(
      lightestClient(
        new Map([
          ['@aws-sdk/client-b', 10],
          ['@aws-sdk/client-a', 10],
        ]),
      ),
    ).toBe('@aws-sdk/client-a');
    expect(() => lightestClient(new Map())).toThrow(/no @aws-sdk\/client-\* package/);
  });
});

describe('baselineHandlerSource', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rag-baseline-test-'));
    await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a CommonJS handler that requires each client unbundled from node_modules and constructs it', async () => {
    // Prepare
    const file = path.join(dir, 'sfn+s3vectors', 'index.js');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, baselineHandlerSource(['@aws-sdk/client-sfn', '@aws-sdk/client-s3vectors']));

    // Act: what the handler loaded, read back in the child that loaded it.
    const probe = `const h = require(${JSON.stringify(file)}); h.handler().then((n) => process.stdout.write(JSON.stringify({ n, loaded: Object.keys(require.cache).filter((f) => /client-(sfn|s3vectors)[\\/]dist-cjs[\\/]index\\.js$/.test(f)).length })));`;
    const out = execFileSync(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' } }).toString();

    // Assess
    expect(JSON.parse(out)).toEqual({ n: 2, loaded: 2 });
    expect(baselineHandlerSource(['@aws-sdk/client-sfn'])).toContain(`require("@aws-sdk/client-sfn")`);
    expect(() => baselineHandlerSource([])).toThrow(/at least one client/);
  });
});

describe('coldStartVerdict', () => {
  it('meets the target when the bundle imports faster than its baseline', () => {
    // Act
    const verdict = coldStartVerdict({ name: 'ingest-chunk', importMs: 80, baselineMs: 100, queryPath: false });

    // Assess
    expect(verdict).toEqual({ ratio: 0.8, fasterThanBaseline: true, meetsTarget: true });
  });

  it('misses it when the bundle is not faster than its baseline, even at equal times', () => {
    // Act
    const verdict = coldStartVerdict({ name: 'ingest-chunk', importMs: 100, baselineMs: 100, queryPath: false });

    // Assess
    expect(verdict.meetsTarget).toBe(false);
    expect(verdict.ratio).toBe(1);
  });

  it('holds the query path to the absolute budget as well as the ratio', () => {
    // Act
    const within = coldStartVerdict({ name: 'query-generate', importMs: QUERY_PATH_IMPORT_MS, baselineMs: 200, queryPath: true });
    const over = coldStartVerdict({ name: 'query-generate', importMs: QUERY_PATH_IMPORT_MS + 0.1, baselineMs: 200, queryPath: true });

    // Assess
    expect(within).toMatchObject({ fasterThanBaseline: true, withinQueryBudget: true, meetsTarget: true });
    expect(over).toMatchObject({ fasterThanBaseline: true, withinQueryBudget: false, meetsTarget: false });
  });

  it('refuses a baseline that measured nothing', () => {
    // Assess
    expect(() => coldStartVerdict({ name: 'api-health', importMs: 10, baselineMs: 0, queryPath: false })).toThrow(/api-health: baseline/);
  });
});

describe('isQueryPath', () => {
  it('covers the query routes and the query Tasks, nothing else', () => {
    // Assess
    expect(['functions/api/query', 'functions/api/query-stream', 'functions/query/validate', 'functions/query/retrieve-and-rank'].every(isQueryPath)).toBe(
      true,
    );
    expect(['functions/api/sessions', 'functions/api/query-log', 'functions/ingest/chunk', 'functions/reindex/plan'].some(isQueryPath)).toBe(false);
  });
});

describe('coldStartSummary', () => {
  it('counts the bundles that meet the target and names why the others miss it', () => {
    // Prepare
    const rows = [
      { name: 'api-health', ...coldStartVerdict({ name: 'api-health', importMs: 50, baselineMs: 100, queryPath: false }) },
      { name: 'api-sessions', ...coldStartVerdict({ name: 'api-sessions', importMs: 120, baselineMs: 100, queryPath: false }) },
      { name: 'api-query', ...coldStartVerdict({ name: 'api-query', importMs: 90, baselineMs: 80, queryPath: true }) },
    ];

    // Act
    const line = coldStartSummary(rows);

    // Assess
    expect(line).toBe(
      `target (each bundle faster than its baseline; query path <= ${QUERY_PATH_IMPORT_MS} ms): 1/3 meet it; missing: api-sessions (slower than baseline); api-query (slower than baseline, > ${QUERY_PATH_IMPORT_MS} ms)`,
    );
    expect(coldStartSummary(rows.slice(0, 1))).toMatch(/1\/1 meet it$/);
  });
});
