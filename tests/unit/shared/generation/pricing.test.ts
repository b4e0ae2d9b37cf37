import { baseModelId, costUsd, estimateTokens, priceFor, rerankQueryUnits } from '../../../../shared/generation/pricing';

describe('priceFor', () => {
  it('prices listed Bedrock models from the table', () => {
    expect(priceFor('anthropic.claude-3-haiku-20240307-v1:0')).toEqual({
      inputPer1kTokensUsd: 0.00025,
      outputPer1kTokensUsd: 0.00125,
      unit: 'token',
      source: 'table',
    });
    expect(priceFor('amazon.titan-embed-text-v2:0')).toMatchObject({ inputPer1kTokensUsd: 0.00002, outputPer1kTokensUsd: 0 });
    expect(priceFor('amazon.nova-pro-v1:0')).toMatchObject({ inputPer1kTokensUsd: 0.0008, outputPer1kTokensUsd: 0.0032 });
    expect(priceFor('anthropic.claude-sonnet-4-20250514-v1:0').outputPer1kTokensUsd).toBe(0.015);
    expect(priceFor('meta.llama3-70b-instruct-v1:0').inputPer1kTokensUsd).toBe(0.00265);
    expect(priceFor('cohere.embed-v4:0').inputPer1kTokensUsd).toBe(0.00012);
  });

  it('tells Claude 3 Haiku from Claude 3.5 Haiku and Llama 3 from Llama 3.1', () => {
    expect(priceFor('anthropic.claude-3-5-haiku-20241022-v1:0').inputPer1kTokensUsd).toBe(0.0008);
    expect(priceFor('meta.llama3-1-8b-instruct-v1:0').inputPer1kTokensUsd).toBe(0.00022);
    expect(priceFor('meta.llama3-8b-instruct-v1:0').inputPer1kTokensUsd).toBe(0.0003);
  });

  it('strips cross-region inference profile prefixes and ARNs', () => {
    const plain = priceFor('anthropic.claude-3-5-sonnet-20241022-v2:0');

    // The reference itself must be a listed price, or every comparison below holds for an unpriced model too.
    expect(plain).toEqual({ inputPer1kTokensUsd: 0.003, outputPer1kTokensUsd: 0.015, unit: 'token', source: 'table' });
    expect(priceFor('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual(plain);
    expect(priceFor('global.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual(plain);
    expect(priceFor('US.Anthropic.Claude-3-5-Sonnet-20241022-v2:0')).toEqual(plain);
    expect(priceFor('eu.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual(plain);
    expect(priceFor('apac.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual(plain);
    expect(priceFor('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual(plain);
    expect(baseModelId('arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0')).toBe('amazon.nova-lite-v1:0');
  });

  it('prices rerank models per query unit', () => {
    expect(priceFor('amazon.rerank-v1:0')).toMatchObject({ unit: 'query', inputPer1kTokensUsd: 1 });
    expect(priceFor('cohere.rerank-v3-5:0')).toMatchObject({ unit: 'query', inputPer1kTokensUsd: 2 });
    expect(rerankQueryUnits(0)).toBe(0);
    expect(rerankQueryUnits(1)).toBe(1);
    expect(rerankQueryUnits(100)).toBe(1);
    expect(rerankQueryUnits(101)).toBe(2);
    expect(costUsd('amazon.rerank-v1:0', { inputTokens: rerankQueryUnits(150), outputTokens: 0 })).toBeCloseTo(0.002, 10);
  });

  it('flags local and unknown models and prices them at zero', () => {
    expect(priceFor('local-extractive-v1')).toEqual({ inputPer1kTokensUsd: 0, outputPer1kTokensUsd: 0, unit: 'token', source: 'local' });
    expect(priceFor('local-hash-v1').source).toBe('local');
    expect(priceFor('acme.mystery-model-v9')).toEqual({ inputPer1kTokensUsd: 0, outputPer1kTokensUsd: 0, unit: 'token', source: 'unknown' });
  });
});

describe('costUsd', () => {
  it('charges input and output tokens at their own rates', () => {
    const cost = costUsd('us.anthropic.claude-3-haiku-20240307-v1:0', { inputTokens: 2000, outputTokens: 400 });

    expect(cost).toBeCloseTo(2 * 0.00025 + 0.4 * 0.00125, 12);
  });

  it('is zero for unknown models and never negative', () => {
    expect(costUsd('unknown.model', { inputTokens: 1000, outputTokens: 1000 })).toBe(0);
    expect(costUsd('amazon.nova-micro-v1:0', { inputTokens: -50, outputTokens: Number.NaN })).toBe(0);
  });
});

describe('estimateTokens', () => {
  it('estimates about four characters per token, rounded up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens('x'.repeat(4000))).toBe(1000);
  });
});
