import {
  acceptsTemperature,
  CATALOG_READ_ON,
  checkModelAvailability,
  DEFAULT_MODELS,
  findModel,
  foundationModelRegions,
  MODEL_CATALOG,
  validateDeploymentModels,
} from '../../../../shared/models/catalog';

const TODAY = new Date('2026-11-30T12:00:00Z');
const HAIKU_35_PROFILE = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const HAIKU_35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe('the model catalogue', () => {
  it('gives every fact a source URL read on the catalogue day', () => {
    // Prepare
    const sources = MODEL_CATALOG.flatMap((m) => [m.inRegion.source, m.lifecycle.source, m.iam.source, ...m.profiles.map((p) => p.source)]);
    // Assess
    expect(sources.length).toBeGreaterThan(MODEL_CATALOG.length * 3);
    for (const s of sources) {
      expect(s.url).toMatch(/^(https:\/\/|node_modules\/)/);
      expect(s.read).toBe(CATALOG_READ_ON);
    }
  });

  it('finds models by foundation id, profile id and either ARN', () => {
    // Act
    const byId = findModel('cohere.rerank-v3-5:0');
    const byProfile = findModel('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    const byModelArn = findModel('arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0');
    const byProfileArn = findModel('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-2-lite-v1:0');
    // Assess
    expect(byId?.model.kind).toBe('rerank');
    expect(byProfile).toEqual(expect.objectContaining({ model: expect.objectContaining({ id: 'anthropic.claude-haiku-4-5-20251001-v1:0' }) }));
    expect(byProfile?.profile?.scope).toBe('geo');
    expect(byModelArn).toEqual(expect.objectContaining({ arnRegion: 'us-east-1', model: expect.objectContaining({ id: 'amazon.rerank-v1:0' }) }));
    expect(byProfileArn?.profile?.id).toBe('us.amazon.nova-2-lite-v1:0');
    expect(findModel('arn:aws:bedrock:us-east-1::foundation-model/us.amazon.nova-2-lite-v1:0')).toBeUndefined();
    expect(findModel('anthropic.claude-v2')).toBeUndefined();
  });
});

describe('DEFAULT_MODELS', () => {
  it('keeps us-east-1 and uses only active models of the right kind offered there', () => {
    // Prepare
    const defaults = [DEFAULT_MODELS.embeddingModelId, ...DEFAULT_MODELS.generationModelIds, DEFAULT_MODELS.rerankModelId];
    // Act
    const results = defaults.map((id) => checkModelAvailability(id, DEFAULT_MODELS.region, TODAY));
    // Assess
    expect(DEFAULT_MODELS.region).toBe('us-east-1');
    for (const [i, r] of results.entries()) {
      expect({ id: defaults[i], status: r.status, lifecycle: r.status === 'available' ? r.lifecycle : undefined }).toEqual({
        id: defaults[i],
        status: 'available',
        lifecycle: 'active',
      });
    }
    expect(validateDeploymentModels(DEFAULT_MODELS, TODAY)).toEqual([]);
  });

  it('has a primary and a fallback from different providers, both accepting the temperature our Converse request sends', () => {
    // Prepare
    const [primary, fallback] = DEFAULT_MODELS.generationModelIds.map((id) => findModel(id)?.model);
    // Assess
    expect(DEFAULT_MODELS.generationModelIds).toHaveLength(2);
    expect(primary?.provider).not.toBe(fallback?.provider);
    expect(acceptsTemperature(DEFAULT_MODELS.generationModelIds[0])).toBe(true);
    expect(acceptsTemperature(DEFAULT_MODELS.generationModelIds[1])).not.toBe(false);
  });

  it('needs marketplace subscription actions for the Cohere reranker', () => {
    // Act
    const rerank = findModel(DEFAULT_MODELS.rerankModelId)?.model;
    // Assess
    expect(rerank?.iam.marketplaceActions).toEqual(['aws-marketplace:ViewSubscriptions', 'aws-marketplace:Subscribe']);
    expect(rerank?.iam.marketplaceProductId).toBe('prod-2o5bej62oxkbi');
    expect(rerank?.iam.source.url).toContain('rerank-prereq');
  });
});

describe('checkModelAvailability', () => {
  it.each([
    ['2026-06-19T00:00:00Z', 'end-of-life'],
    ['2026-06-20T00:00:00Z', 'end-of-life'],
    ['2026-11-30T12:00:00Z', 'end-of-life'],
  ])('says Claude 3.5 Haiku is end-of-life on %s, through its profile and its bare id', (on, expected) => {
    // Act
    const viaProfile = checkModelAvailability(HAIKU_35_PROFILE, 'us-east-1', new Date(on));
    const bare = checkModelAvailability(HAIKU_35, 'us-west-2', new Date(on));
    // Assess
    expect(viaProfile.status).toBe(expected);
    expect(bare.status).toBe(expected);
    expect(viaProfile.status === 'end-of-life' && viaProfile.message).toMatch(/Claude 3\.5 Haiku.*2026-06-19.*us-east-1/);
  });

  it('does not call Claude 3.5 Haiku end-of-life the day before', () => {
    // Act
    const result = checkModelAvailability(HAIKU_35_PROFILE, 'us-east-1', new Date('2026-06-18T23:59:59Z'));
    // Assess
    expect(result.status).not.toBe('end-of-life');
  });

  it('says amazon.rerank-v1:0 is not offered in us-east-1 but is in us-west-2, by id and by ARN', () => {
    // Act
    const east = checkModelAvailability('amazon.rerank-v1:0', 'us-east-1', TODAY);
    const eastArn = checkModelAvailability('arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0', 'us-east-1', TODAY);
    const west = checkModelAvailability('amazon.rerank-v1:0', 'us-west-2', TODAY);
    // Assess
    expect(east).toEqual(expect.objectContaining({ status: 'not-offered', reason: 'not-in-region' }));
    expect(east.status === 'not-offered' && east.message).toMatch(/amazon\.rerank-v1:0.*not offered in us-east-1/);
    expect(eastArn.status).toBe('not-offered');
    expect(west).toEqual(expect.objectContaining({ status: 'available', foundationModelId: 'amazon.rerank-v1:0' }));
  });

  it('says Cohere Rerank 3.5 is offered in us-east-1', () => {
    // Act / Assess
    expect(checkModelAvailability('cohere.rerank-v3-5:0', 'us-east-1', TODAY).status).toBe('available');
  });

  it('requires a profile where a model has no In-Region invocation, and rejects a profile outside its source Regions', () => {
    // Act
    const bareNova2 = checkModelAvailability('amazon.nova-2-lite-v1:0', 'us-east-1', TODAY);
    const usProfileFromSydney = checkModelAvailability('us.anthropic.claude-haiku-4-5-20251001-v1:0', 'ap-southeast-2', TODAY);
    // Assess
    expect(bareNova2).toEqual(expect.objectContaining({ status: 'not-offered', reason: 'profile-required' }));
    expect(bareNova2.status === 'not-offered' && bareNova2.message).toContain('us.amazon.nova-2-lite-v1:0');
    expect(usProfileFromSydney).toEqual(expect.objectContaining({ status: 'not-offered', reason: 'profile-not-callable-from-region' }));
  });

  it('flags an ARN written for another Region than the stack runs in', () => {
    // Act
    const result = checkModelAvailability('arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0', 'us-east-1', TODAY);
    // Assess
    expect(result).toEqual(expect.objectContaining({ status: 'not-offered', reason: 'arn-region-mismatch' }));
  });

  it('says unknown, naming model and Region, for a model outside the catalogue or a Region no source listed', () => {
    // Act
    const outside = checkModelAvailability('meta.llama3-8b-instruct-v1:0', 'us-east-1', TODAY);
    const haiku55FromEast = checkModelAvailability('us.anthropic.claude-haiku-5-5', 'us-east-1', TODAY);
    // Assess
    expect(outside.status).toBe('unknown');
    expect(outside.status === 'unknown' && outside.message).toMatch(/meta\.llama3-8b-instruct-v1:0.*us-east-1/);
    expect(haiku55FromEast.status).toBe('unknown');
  });
});

describe('validateDeploymentModels', () => {
  it('names the model and the Region in every error for the old defaults', () => {
    // Prepare: the defaults serverless.yml carried until 2026-11-30
    const old = {
      region: 'us-east-1',
      embeddingModelId: 'amazon.titan-embed-text-v2:0',
      generationModelIds: [HAIKU_35_PROFILE, 'us.amazon.nova-lite-v1:0'],
      rerankModelId: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0',
    };
    // Act
    const errors = validateDeploymentModels(old, TODAY);
    // Assess
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^generation model 1: .*us\.anthropic\.claude-3-5-haiku-20241022-v1:0.*end of life.*us-east-1/);
    expect(errors[1]).toMatch(/^rerank model: .*amazon\.rerank-v1:0.*us-east-1/);
  });

  it('rejects a model used in the wrong role and an empty generation chain, naming model and Region', () => {
    // Act
    const errors = validateDeploymentModels({ region: 'us-west-2', embeddingModelId: 'cohere.rerank-v3-5:0', generationModelIds: [] }, TODAY);
    // Assess
    expect(errors).toEqual([
      expect.stringMatching(/embedding model: .*cohere\.rerank-v3-5:0.*rerank model, not a embedding model.*us-west-2/),
      expect.stringMatching(/generation models: none configured for Region us-west-2/),
    ]);
  });

  it('defaults its date to now, so a retired model is reported without passing a date', () => {
    // Act
    const errors = validateDeploymentModels({ ...DEFAULT_MODELS, generationModelIds: [HAIKU_35_PROFILE] });
    // Assess
    expect(errors).toEqual([expect.stringContaining('end of life')]);
  });
});

describe('foundationModelRegions', () => {
  it('lists the destinations of the default us. profiles called from us-east-1', () => {
    // Act / Assess
    expect(foundationModelRegions('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    expect(foundationModelRegions('us.amazon.nova-2-lite-v1:0', 'us-east-1')).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
  });

  it('depends on the source Region: from us-west-1 the us. profile also lands in us-west-1', () => {
    // Act / Assess
    expect(foundationModelRegions('us.anthropic.claude-haiku-4-5-20251001-v1:0', 'us-west-1')).toEqual(['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']);
  });

  it('returns * for a global profile and the single Region for an In-Region model', () => {
    // Act / Assess
    expect(foundationModelRegions('global.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual(['*']);
    expect(foundationModelRegions('cohere.rerank-v3-5:0', 'us-east-1')).toEqual(['us-east-1']);
  });

  it('refuses to guess: unknown models, unrecorded routes and Regions without the model throw', () => {
    // Act / Assess
    expect(() => foundationModelRegions('meta.llama3-8b-instruct-v1:0')).toThrow(/not in the model catalogue/);
    expect(() => foundationModelRegions('us.amazon.nova-lite-v1:0')).toThrow(/not recorded/);
    expect(() => foundationModelRegions('amazon.rerank-v1:0', 'us-east-1')).toThrow(/us-east-1/);
  });
});
