import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bundledTable from '../../../../shared/config/model-prices.json';
import { ConfigurationError } from '../../../../shared/errors';
import {
  baseModelId,
  estimateCostUsd,
  estimateTokens,
  MODEL_PRICES_FILE_VARIABLE,
  modelPrice,
  PRICE_TABLE_READ_ON,
  parsePriceTable,
  RERANK_DOCUMENTS_PER_QUERY_UNIT,
  rerankQueryUnits,
} from '../../../../shared/generation/pricing';
import { DEFAULT_MODELS, MODEL_CATALOG } from '../../../../shared/models/catalog';

type Pricing = typeof import('../../../../shared/generation/pricing');

const HAIKU_45 = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const SOURCE = { url: 'https://example.com/prices', read: '2026-12-01', secondary: true, note: 'test figures' };

function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    modelId: 'acme.model-v1',
    regions: ['us-east-1'],
    routing: 'regional',
    inputPer1kUsd: 0.001,
    outputPer1kUsd: 0.002,
    unit: 'token',
    source: SOURCE,
    ...overrides,
  };
}

function table(rows: unknown[]): Record<string, unknown> {
  return { readOn: '2026-12-01', rows };
}

function parseError(raw: unknown): ConfigurationError {
  try {
    parsePriceTable(raw, 'test.json');
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('the table was accepted');
}

describe('parsePriceTable', () => {
  it('accepts a well-formed table', () => {
    const parsed = parsePriceTable(table([row(), row({ modelId: 'acme.rerank-v1', unit: 'query', outputPer1kUsd: 0 })]), 'test.json');

    expect(parsed.readOn).toBe('2026-12-01');
    expect(parsed.rows.map((r) => r.modelId)).toEqual(['acme.model-v1', 'acme.rerank-v1']);
  });

  it.each([
    ['an http source', row({ source: { ...SOURCE, url: 'http://example.com/prices' } }), 'url'],
    ['a read date that is not an ISO day', row({ source: { ...SOURCE, read: '1 Dec 2026' } }), 'read'],
    ['a negative price', row({ inputPer1kUsd: -0.001 }), 'inputPer1kUsd'],
    ['a price that is not a number', row({ outputPer1kUsd: '0.002' }), 'outputPer1kUsd'],
    ['no Region', row({ regions: [] }), 'regions'],
    ['a Region that is not a Region code', row({ regions: ['US East'] }), 'regions'],
    ['a model id with its version suffix', row({ modelId: 'acme.model-v1:0' }), 'modelId'],
    ['a model id with a profile prefix', row({ modelId: 'us.acme.model-v1' }), 'inference-profile prefix'],
    ['an unknown unit', row({ unit: 'image' }), 'unit'],
    ['an output price on a per-query row', row({ unit: 'query' }), 'per-query'],
    ['an unknown routing', row({ routing: 'cross-region' }), 'routing'],
    ['an unknown field', row({ cachedInputPer1kUsd: 0.0001 }), 'cachedInputPer1kUsd'],
    ['a source without a url', row({ source: { read: '2026-12-01', secondary: false } }), 'url'],
  ])('rejects a row with %s, naming the row', (_case, bad, detail) => {
    const error = parseError(table([row({ modelId: 'acme.good-v1' }), bad]));

    expect(error.message).toContain('test.json');
    expect(error.message).toContain('row 1');
    expect(error.message).toContain(detail);
  });

  it('names the model of the rejected row', () => {
    expect(parseError(table([row({ modelId: 'acme.named-v1', inputPer1kUsd: -1 })])).message).toContain('row 0 (acme.named-v1)');
  });

  it('rejects two rows pricing the same model, Region and routing', () => {
    const error = parseError(table([row(), row({ regions: ['us-west-2', 'us-east-1'], inputPer1kUsd: 0.5 })]));

    expect(error.message).toContain('row 1 (acme.model-v1)');
    expect(error.message).toContain('us-east-1 (regional)');
  });

  it('accepts the same model and Region once per routing', () => {
    expect(parsePriceTable(table([row(), row({ routing: 'global' })]), 'test.json').rows).toHaveLength(2);
  });

  it('rejects a table without rows, without a read day, or that is not an object', () => {
    expect(parseError(table([])).message).toContain('rows');
    expect(parseError({ rows: [row()] }).message).toContain('readOn');
    expect(parseError([row()])).toBeInstanceOf(ConfigurationError);
  });
});

describe('the bundled price table', () => {
  it('validates, and every row has an https source read on the table day', () => {
    const parsed = parsePriceTable(bundledTable, 'model-prices.json');

    expect(PRICE_TABLE_READ_ON).toBe('2026-12-01');
    expect(parsed.rows.length).toBeGreaterThan(0);
    for (const r of parsed.rows) {
      expect(new URL(r.source.url).protocol).toBe('https:');
      expect(r.source.read).toBe(PRICE_TABLE_READ_ON);
      // A secondary source must say what it quotes.
      if (r.source.secondary) expect(r.source.note?.length ?? 0).toBeGreaterThan(20);
    }
  });

  it('states how cross-Region profiles are priced, with sources', () => {
    const { geographic, global } = bundledTable.crossRegionInference;

    expect(geographic.source.url).toBe('https://aws.amazon.com/bedrock/pricing/');
    expect(global.source.url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/bedrock\//);
    expect(bundledTable.notModelled.join(' ')).toMatch(/Batch/);
    expect(bundledTable.notModelled.join(' ')).toMatch(/Provisioned Throughput/);
    expect(bundledTable.notModelled.join(' ')).toMatch(/caching/);
  });
});

describe('modelPrice and estimateCostUsd', () => {
  it('prices a listed model in a listed Region from its row', () => {
    const price = modelPrice('amazon.titan-embed-text-v2:0', 'us-east-1');

    expect(price).toMatchObject({ modelId: 'amazon.titan-embed-text-v2', region: 'us-east-1', inputPer1kUsd: 0.00002, unit: 'token' });
    expect(price && 'source' in price ? price.source.url : '').toMatch(/^https:/);
    expect(estimateCostUsd('amazon.titan-embed-text-v2:0', 'us-east-1', { inputTokens: 5000, outputTokens: 0 })).toBeCloseTo(0.0001, 12);
  });

  it('charges input and output tokens at their own rates', () => {
    expect(estimateCostUsd(HAIKU_45, 'us-east-1', { inputTokens: 2000, outputTokens: 400 })).toBeCloseTo(2 * 0.0011 + 0.4 * 0.0055, 12);
  });

  it('reports an unknown model as unknown, never as 0', () => {
    expect(modelPrice('acme.mystery-model-v9', 'us-east-1')).toBeUndefined();
    expect(estimateCostUsd('acme.mystery-model-v9', 'us-east-1', { inputTokens: 1000, outputTokens: 1000 })).toBeUndefined();
  });

  it('reports a known model in a Region without a row as unknown', () => {
    expect(modelPrice('amazon.titan-embed-text-v2:0', 'us-east-1')).toBeDefined();
    expect(modelPrice('amazon.titan-embed-text-v2:0', 'eu-west-1')).toBeUndefined();
    expect(estimateCostUsd('amazon.titan-embed-text-v2:0', 'eu-west-1', { inputTokens: 1000, outputTokens: 0 })).toBeUndefined();
  });

  it('prices a geographic profile at the source Region, like the In-Region model', () => {
    const inRegion = modelPrice(HAIKU_45, 'us-east-1');

    expect(inRegion).toMatchObject({ routing: 'regional', inputPer1kUsd: 0.0011 });
    expect(modelPrice(`us.${HAIKU_45}`, 'us-east-1')).toEqual(inRegion);
    expect(modelPrice(`US.${HAIKU_45.toUpperCase()}`, 'us-east-1')).toEqual(inRegion);
    expect(modelPrice(`arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${HAIKU_45}`, 'us-east-1')).toEqual(inRegion);
    expect(modelPrice(`arn:aws:bedrock:us-east-1::foundation-model/${HAIKU_45}`, 'us-east-1')).toEqual(inRegion);
    // The profile does not choose the price, the calling Region does: no us-west-2 row, so unknown there.
    expect(modelPrice(`us.${HAIKU_45}`, 'us-west-2')).toBeUndefined();
  });

  it('prices a global profile at its own row, and only there', () => {
    expect(modelPrice(`global.${HAIKU_45}`, 'us-east-1')).toMatchObject({ routing: 'global', inputPer1kUsd: 0.001, outputPer1kUsd: 0.005 });
    // Nova 2 Lite has a regional row in us-east-1 but no global one: the global profile is unknown there.
    expect(modelPrice('us.amazon.nova-2-lite-v1:0', 'us-east-1')).toMatchObject({ routing: 'regional', inputPer1kUsd: 0.00033 });
    expect(modelPrice('global.amazon.nova-2-lite-v1:0', 'us-east-1')).toBeUndefined();
    expect(modelPrice('global.amazon.nova-2-lite-v1:0', 'us-east-2')).toMatchObject({ routing: 'global', inputPer1kUsd: 0.0003 });
  });

  it('prices local models at 0 in any Region, and nothing else in the local runtime', () => {
    expect(modelPrice('local-extractive-v1', 'local')).toEqual({ local: true });
    expect(modelPrice('local', 'us-east-1')).toEqual({ local: true });
    expect(estimateCostUsd('local-hash-v1', 'local', { inputTokens: 5000, outputTokens: 50 })).toBe(0);
    expect(modelPrice('amazon.titan-embed-text-v2:0', 'local')).toBeUndefined();
    expect(estimateCostUsd('amazon.titan-embed-text-v2:0', 'local', { inputTokens: 1000, outputTokens: 0 })).toBeUndefined();
  });

  it('counts negative and non-finite counts as 0', () => {
    expect(estimateCostUsd(HAIKU_45, 'us-east-1', { inputTokens: -50, outputTokens: Number.NaN })).toBe(0);
    expect(estimateCostUsd(HAIKU_45, 'us-east-1', { inputTokens: Number.POSITIVE_INFINITY, outputTokens: 1000 })).toBeCloseTo(0.0055, 12);
  });

  it('counts rerank query units of up to 100 documents', () => {
    expect(RERANK_DOCUMENTS_PER_QUERY_UNIT).toBe(100);
    expect(rerankQueryUnits(0)).toBe(0);
    expect(rerankQueryUnits(1)).toBe(1);
    expect(rerankQueryUnits(100)).toBe(1);
    expect(rerankQueryUnits(101)).toBe(2);
    expect(rerankQueryUnits(350)).toBe(4);
  });
});

describe('catalogue coverage', () => {
  const matches = (catalogId: string, prefix: string) => catalogId.startsWith(prefix) && ['', ':', '-'].includes(catalogId.charAt(prefix.length));
  const rows = parsePriceTable(bundledTable, 'model-prices.json').rows;

  it('prices every default model in the default Region, except the ones no source was found for', () => {
    const defaults = [DEFAULT_MODELS.embeddingModelId, ...DEFAULT_MODELS.generationModelIds, DEFAULT_MODELS.rerankModelId];
    const unpriced = defaults.filter((id) => modelPrice(id, DEFAULT_MODELS.region) === undefined);

    // Cohere Rerank 3.5: the only figure found ($2.00 per 1,000 queries) comes from a page that names no Region.
    expect(unpriced).toEqual(['cohere.rerank-v3-5:0']);
  });

  it('lists the catalogue models the table does not price in any Region', () => {
    const unpriced = MODEL_CATALOG.map((m) => m.id).filter((id) => !rows.some((r) => matches(id, r.modelId)));

    expect(unpriced).toEqual([
      'cohere.embed-english-v3',
      'cohere.embed-multilingual-v3',
      'amazon.rerank-v1:0',
      'cohere.rerank-v3-5:0',
      'anthropic.claude-haiku-5-5',
    ]);
  });

  it('prices catalogue models only in Regions the catalogue says they can be called from, by that routing', () => {
    for (const r of rows) {
      const model = MODEL_CATALOG.find((m) => matches(m.id, r.modelId));
      if (!model) continue;
      const scopes = r.routing === 'global' ? ['global'] : ['geo'];
      const fromProfiles = model.profiles.filter((p) => scopes.includes(p.scope)).map((p) => p.sourceRegions);
      const callable = [...(r.routing === 'regional' ? [model.inRegion.regions] : []), ...fromProfiles];
      // Where the catalogue recorded nothing (a model past end of life) it cannot contradict the row.
      if (callable.every((regions) => regions === 'not-recorded')) continue;
      for (const region of r.regions) {
        expect({ row: r.modelId, region, callable: callable.some((regions) => regions !== 'not-recorded' && regions.includes(region)) }).toEqual({
          row: r.modelId,
          region,
          callable: true,
        });
      }
    }
  });

  it('names the rows that price models outside the catalogue', () => {
    const outside = rows.filter((r) => !MODEL_CATALOG.some((m) => matches(m.id, r.modelId))).map((r) => r.modelId);

    expect([...new Set(outside)]).toEqual(['anthropic.claude-3-haiku-20240307-v1', 'amazon.nova-micro-v1', 'amazon.nova-pro-v1']);
  });
});

describe(`${MODEL_PRICES_FILE_VARIABLE}`, () => {
  let dir: string;
  const saved = process.env[MODEL_PRICES_FILE_VARIABLE];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pricing-test-'));
  });

  afterEach(() => {
    if (saved === undefined) delete process.env[MODEL_PRICES_FILE_VARIABLE];
    else process.env[MODEL_PRICES_FILE_VARIABLE] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  function freshPricing(file: string): Pricing {
    process.env[MODEL_PRICES_FILE_VARIABLE] = file;
    let loaded: Pricing | undefined;
    jest.isolateModules(() => {
      loaded = require('../../../../shared/generation/pricing') as Pricing;
    });
    if (!loaded) throw new Error('pricing module did not load');
    return loaded;
  }

  // The isolated module has its own copy of shared/errors, so errors are told apart by name, not by class.
  function thrownBy(act: () => unknown): Error {
    try {
      act();
    } catch (error) {
      if (error instanceof Error) return error;
    }
    throw new Error('nothing was thrown');
  }

  function writeTable(name: string, content: unknown): string {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it("replaces the bundled table with the operator's file, read once on first use", () => {
    const file = writeTable(
      'prices.json',
      table([
        row({ modelId: 'acme.model', inputPer1kUsd: 1 }),
        row({ modelId: 'acme.model-large', inputPer1kUsd: 3 }),
        row({ modelId: 'acme.rerank-v1', unit: 'query', inputPer1kUsd: 2, outputPer1kUsd: 0, regions: ['eu-west-1'] }),
      ]),
    );
    const pricing = freshPricing(file);

    expect(pricing.estimateCostUsd('acme.model-v1:0', 'us-east-1', { inputTokens: 1000, outputTokens: 0 })).toBe(1);
    // Longest prefix wins; a prefix matches only at a boundary.
    expect(pricing.estimateCostUsd('acme.model-large-v2:0', 'us-east-1', { inputTokens: 1000, outputTokens: 0 })).toBe(3);
    expect(pricing.modelPrice('acme.modelx-v1:0', 'us-east-1')).toBeUndefined();
    // Rerank: 150 documents are 2 query units at USD 2 per 1,000 units.
    const units = pricing.rerankQueryUnits(150);
    expect(pricing.estimateCostUsd('acme.rerank-v1:0', 'eu-west-1', { inputTokens: units, outputTokens: 0 })).toBeCloseTo(0.004, 12);
    expect(pricing.modelPrice('acme.rerank-v1:0', 'eu-west-1')).toMatchObject({ unit: 'query' });
    // The bundled rows are gone.
    expect(pricing.modelPrice(HAIKU_45, 'us-east-1')).toBeUndefined();

    writeFileSync(file, JSON.stringify(table([row({ modelId: 'acme.model', inputPer1kUsd: 99 })])));
    expect(pricing.estimateCostUsd('acme.model-v1:0', 'us-east-1', { inputTokens: 1000, outputTokens: 0 })).toBe(1);
  });

  it('fails with a ConfigurationError naming the row when the file breaks the schema', () => {
    const pricing = freshPricing(writeTable('bad.json', table([row(), row({ modelId: 'acme.broken-v1', unit: 'litre' })])));

    const error = thrownBy(() => pricing.modelPrice('acme.model-v1:0', 'us-east-1'));
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toMatch(/bad\.json, row 1 \(acme\.broken-v1\): unit/);
  });

  it('fails with a ConfigurationError when the file is not JSON or cannot be read', () => {
    const notJson = freshPricing(writeTable('broken.json', '{"rows": ['));
    const syntax = thrownBy(() => notJson.estimateCostUsd('acme.model-v1:0', 'us-east-1', { inputTokens: 1, outputTokens: 1 }));
    expect(syntax.name).toBe('ConfigurationError');
    expect(syntax.message).toBe(`${MODEL_PRICES_FILE_VARIABLE}=${join(dir, 'broken.json')} is not valid JSON`);

    const missing = freshPricing(join(dir, 'absent.json'));
    const unreadable = thrownBy(() => missing.modelPrice('acme.model-v1:0', 'us-east-1'));
    expect(unreadable.name).toBe('ConfigurationError');
    expect(unreadable.message).toContain('cannot be read');
  });
});

describe('model ids in every form (us-east-1)', () => {
  const E1 = 'us-east-1';

  it('tells Claude 3 Haiku from Claude 3.5 Haiku', () => {
    expect(modelPrice('anthropic.claude-3-5-haiku-20241022-v1:0', E1)).toMatchObject({ inputPer1kUsd: 0.0008 });
    expect(modelPrice('anthropic.claude-3-haiku-20240307-v1:0', E1)).toMatchObject({ inputPer1kUsd: 0.00025 });
  });

  it('reads through geographic profile prefixes, upper case and ARNs', () => {
    const plain = modelPrice('anthropic.claude-3-haiku-20240307-v1:0', E1);

    expect(plain).toMatchObject({ inputPer1kUsd: 0.00025, outputPer1kUsd: 0.00125, unit: 'token' });
    expect(modelPrice('us.anthropic.claude-3-haiku-20240307-v1:0', E1)).toEqual(plain);
    expect(modelPrice('US.Anthropic.Claude-3-Haiku-20240307-v1:0', E1)).toEqual(plain);
    expect(modelPrice('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', E1)).toEqual(plain);
    expect(baseModelId('arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0')).toBe('amazon.nova-lite-v1:0');
    expect(baseModelId('global.anthropic.claude-haiku-5-5')).toBe('anthropic.claude-haiku-5-5');
  });

  it('charges the listed rates and never a negative cost', () => {
    expect(estimateCostUsd('us.anthropic.claude-3-haiku-20240307-v1:0', E1, { inputTokens: 2000, outputTokens: 400 })).toBeCloseTo(
      2 * 0.00025 + 0.4 * 0.00125,
      12,
    );
    expect(estimateCostUsd('amazon.nova-micro-v1:0', E1, { inputTokens: -50, outputTokens: Number.NaN })).toBe(0);
  });
});

describe('estimateTokens', () => {
  it('estimates about four characters per token, rounded up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens('x'.repeat(4000))).toBe(1000);
  });
});
