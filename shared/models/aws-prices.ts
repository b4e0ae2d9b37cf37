/**
 * Published per-unit AWS prices (USD, us-east-1, on-demand list prices) for cost estimates in the benches:
 * ingestion now, the query path next. Every figure carries the page it was read from and the day; a price
 * that no page read here states is `undefined` with a note, never a remembered number. Re-read the sources
 * before relying on a figure: prices change, and several sources below are secondary (a page quoting AWS),
 * marked `secondary: true`.
 */

/** Day every source in this file was read (through the search index of stored public pages). */
export const AWS_PRICES_READ_ON = '2026-12-01';

export interface PriceSource {
  url: string;
  read: string;
  /** True when the page quotes AWS's price rather than being AWS's own pricing page or blog. */
  secondary: boolean;
  note?: string;
}

export interface UnitPrice {
  /** USD per `per` units of `unit`; undefined when no source read here states it. */
  usd: number | undefined;
  per: number;
  unit: string;
  source: PriceSource;
}

const source = (url: string, secondary: boolean, note?: string): PriceSource => ({
  url,
  read: AWS_PRICES_READ_ON,
  secondary,
  ...(note ? { note } : {}),
});

const price = (usd: number | undefined, per: number, unit: string, from: PriceSource): UnitPrice => ({ usd, per, unit, source: from });

const STEP_FUNCTIONS = source(
  'https://aws.amazon.com/step-functions/pricing/',
  false,
  'State transitions pricing table, US East (N. Virginia): $0.0250 per 1,000; retries count as transitions.',
);
const STEP_FUNCTIONS_BLOG = source(
  'https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/',
  false,
  'AWS Compute Blog: Express "$1.00 per million invocations versus $25 per million for Standard".',
);
const LAMBDA_SECONDARY = source(
  'https://cloudchipr.com/blog/aws-lambda-pricing',
  true,
  'US East (N. Virginia), first tier: x86 $0.0000166667 per GB-second (first 6 billion GB-s/month), arm $0.0000133334 (first 7.5 billion). The AWS page itself renders its rate table client-side, so its stored text does not show the figures.',
);
const LAMBDA_REQUESTS = source(
  'https://raw.githubusercontent.com/api-evangelist/aws-lambda/refs/heads/main/plans/aws-lambda-plans-pricing.yml',
  true,
  'Transcription of https://aws.amazon.com/lambda/pricing/ (read there 2026-09-20): "$0.20 per million requests".',
);
const S3_PRICING_TRANSCRIPT = source(
  'https://raw.githubusercontent.com/api-evangelist/amazon-s3/refs/heads/main/plans/amazon-s3-plans-pricing.yml',
  true,
  'Transcription of https://aws.amazon.com/s3/pricing/ (read there 2026-09-20), from its worked S3 Vectors example: $0.06/GB storage, $0.20/GB PUT, $2.50 per million queries. The S3 Standard request rates are unrendered tokens in that copy.',
);
const S3_VECTORS_PUT_MINIMUM = source(
  'https://news.najib.digital/lessons-from-amazon-s3-vector-store-and-the-nuances-of-hybrid-vector-storage-54948.html',
  true,
  '"Each PUT of a vector costs $0.20 per GB ... each PUT has a minimum charge based on 128 KB."',
);
const BEDROCK_PRICING = 'https://aws.amazon.com/bedrock/pricing/';

/** The price table. Keys are stable: benches and the query-path cost model read them by name. */
export const AWS_PRICES = {
  stepFunctionsStandardTransitions: price(0.025, 1_000, 'state transition', STEP_FUNCTIONS),
  stepFunctionsExpressRequests: price(1.0, 1_000_000, 'execution (request)', STEP_FUNCTIONS_BLOG),
  stepFunctionsExpressGbSeconds: price(
    undefined,
    1,
    'GB-second (billed in 64 MB chunks, 100 ms rounding)',
    source('https://aws.amazon.com/step-functions/pricing/', false, 'The stored copy of the page shows the Express duration rule but not its rate.'),
  ),
  lambdaRequests: price(0.2, 1_000_000, 'request', LAMBDA_REQUESTS),
  lambdaGbSecondsArm64: price(0.0000133334, 1, 'GB-second (arm64, first tier)', LAMBDA_SECONDARY),
  lambdaGbSecondsX86: price(0.0000166667, 1, 'GB-second (x86_64, first tier)', LAMBDA_SECONDARY),
  s3PutRequests: price(undefined, 1_000, 'PUT/COPY/POST/LIST request (S3 Standard)', S3_PRICING_TRANSCRIPT),
  s3GetRequests: price(undefined, 1_000, 'GET request (S3 Standard)', S3_PRICING_TRANSCRIPT),
  s3VectorsPutGb: price(0.2, 1, 'GB uploaded by PutVectors (minimum 128 KB billed per PUT request)', S3_VECTORS_PUT_MINIMUM),
  s3VectorsStorageGbMonth: price(0.06, 1, 'GB-month of vector storage', S3_PRICING_TRANSCRIPT),
  s3VectorsQueries: price(2.5, 1_000_000, 'QueryVectors request (plus data processed, not modelled here)', S3_PRICING_TRANSCRIPT),
  dynamoDbOnDemandWrites: price(
    undefined,
    1_000_000,
    'write request unit',
    source(
      'http://aws.amazon.com/dynamodb/pricing/',
      false,
      'Stored copy is the provisioned-capacity page; secondary pages disagree ($0.625 vs $1.25 per million WRU), so no figure is taken.',
    ),
  ),
  dynamoDbOnDemandReads: price(
    undefined,
    1_000_000,
    'read request unit',
    source('http://aws.amazon.com/dynamodb/pricing/', false, 'Secondary pages disagree ($0.125 vs $0.25 per million RRU), so no figure is taken.'),
  ),
  bedrockTitanEmbedV2InputTokens: price(
    0.02,
    1_000_000,
    'input token (amazon.titan-embed-text-v2:0)',
    source(
      'https://vercel.com/ai-gateway/models/titan-embed-text-v2.md',
      true,
      `Gateway page listing the Bedrock model at "$0.02/1M input tokens"; ${BEDROCK_PRICING} stored copy shows no rate table.`,
    ),
  ),
  bedrockCohereRerank35Queries: price(undefined, 1_000, 'query', source(BEDROCK_PRICING, false, 'No stored copy read here shows the rerank rate.')),
  bedrockClaudeHaiku45InputTokens: price(
    1.0,
    1_000_000,
    'input token',
    source('https://clauder-navi.com/en/bedrock-claude-cost/', true, 'Global endpoint; regional endpoints are stated as 10% higher.'),
  ),
  bedrockClaudeHaiku45OutputTokens: price(
    5.0,
    1_000_000,
    'output token',
    source('https://clauder-navi.com/en/bedrock-claude-cost/', true, 'Global endpoint; regional endpoints are stated as 10% higher.'),
  ),
  bedrockNova2LiteInputTokens: price(undefined, 1_000_000, 'input token', source(BEDROCK_PRICING, false, 'Only reseller prices found; none from AWS.')),
  bedrockNova2LiteOutputTokens: price(undefined, 1_000_000, 'output token', source(BEDROCK_PRICING, false, 'Only reseller prices found; none from AWS.')),
} as const satisfies Record<string, UnitPrice>;

export type AwsPriceName = keyof typeof AWS_PRICES;

/** Cost of `quantity` units at a listed price; undefined when the price is unknown. */
export function costOf(name: AwsPriceName, quantity: number, table: Record<AwsPriceName, UnitPrice> = AWS_PRICES): number | undefined {
  const entry = table[name];
  if (entry.usd === undefined) return undefined;
  return (entry.usd / entry.per) * quantity;
}

/** Sum of costs that skips none silently: an unknown part makes the total undefined and is named. */
export function totalCost(parts: Array<{ name: AwsPriceName; cost: number | undefined }>): { usd: number | undefined; unpriced: AwsPriceName[] } {
  const unpriced = parts.filter((part) => part.cost === undefined).map((part) => part.name);
  const usd = unpriced.length > 0 ? undefined : parts.reduce((sum, part) => sum + (part.cost ?? 0), 0);
  return { usd, unpriced };
}
