import { awsIngestCost, lambdaMemoryMb, parseBurstArgs, rateBuckets } from '../../../bench/ingest';

describe('ingest burst bench helpers', () => {
  it('computes documents/s per bucket from ordered completion times', () => {
    // Start at t=0; 4 documents at 1, 2 s then 2 documents taking 4 s more.
    const buckets = rateBuckets([500, 1000, 3000, 5000], 0, 2);

    expect(buckets).toEqual([
      { from: 0, to: 2, seconds: 1, documentsPerSecond: 2 },
      { from: 2, to: 4, seconds: 4, documentsPerSecond: 0.5 },
    ]);
  });

  it('keeps a short last bucket', () => {
    expect(rateBuckets([1000, 2000, 2500], 0, 2).map((bucket) => bucket.to - bucket.from)).toEqual([2, 1]);
  });

  it('reads the memory of each function, and the provider default for the others', () => {
    const yml = [
      'provider:',
      '  name: aws',
      '  memorySize: 1024',
      'functions:',
      '  ingest-extract:',
      '    handler: a.handler',
      '    memorySize: 2048',
      '  ingest-chunk:',
      '    handler: b.handler',
      'resources:',
      '  X:',
      '    memorySize: 9999',
    ].join('\n');

    const memory = lambdaMemoryMb(yml);

    expect(memory.defaultMb).toBe(1024);
    expect([...memory.byFunction]).toEqual([['ingest-extract', 2048]]);
  });

  it('prices 1,000 documents from per-document units and bills each PutVectors at least 128 KB', () => {
    const cost = awsIngestCost({ stateTransitions: 7, lambdaInvocations: 5, lambdaGbSeconds: 0.1, embeddingTokens: 100, s3VectorsPutRequests: 1 }, 2_000);

    expect(cost.stepFunctionsStandard).toBeCloseTo(0.175, 10);
    expect(cost.lambdaRequests).toBeCloseTo(0.001, 10);
    expect(cost.titanEmbeddings).toBeCloseTo(0.002, 10);
    // 1,000 requests x 128 KB at $0.20/GB.
    expect(cost.s3VectorsPuts).toBeCloseTo((1000 * 128 * 1024 * 0.2) / 1024 ** 3, 10);
    expect(cost.total).toBeCloseTo(
      (cost.stepFunctionsStandard ?? 0) +
        (cost.lambdaRequests ?? 0) +
        (cost.lambdaDurationArm64 ?? 0) +
        (cost.titanEmbeddings ?? 0) +
        (cost.s3VectorsPuts ?? 0),
      10,
    );
    expect(cost.comparableProjectsClaimUsdPerMonth).toEqual([7, 10]);
  });

  it('parses burst flags with defaults and rejects bad values', () => {
    expect(parseBurstArgs(['--burst', '10000'])).toEqual({ documents: 10000, bucketSize: 1000, documentChars: 300 });
    expect(() => parseBurstArgs(['--burst', '0'])).toThrow('--burst');
  });
});
