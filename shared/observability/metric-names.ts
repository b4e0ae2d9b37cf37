/**
 * Every CloudWatch metric the service emits (EMF, namespace `ServerlessRag`, dimension `service=rag`),
 * in one place: the code records them by these names, and the dashboard and alarms of serverless.yml
 * (stack/dashboard.js) may only chart names listed here (tests/unit/stack checks it).
 */
export const METRICS_NAMESPACE = 'ServerlessRag';
export const METRICS_SERVICE = 'rag';

/** Pipeline stages timed by `traceStage` as `<Stage>LatencyMs`. */
export const STAGES = ['GuardInput', 'Retrieve', 'Rerank', 'Generate'] as const;
export type Stage = (typeof STAGES)[number];

export const stageLatencyMetric = (stage: Stage): `${Stage}LatencyMs` => `${stage}LatencyMs`;

/** Metric names by concern. Units: *Ms milliseconds, *Usd USD (NoUnit), everything else Count. */
export const METRIC = {
  // Requests.
  queryLatency: 'QueryLatencyMs',
  firstDelta: 'FirstDeltaMs',
  streamsBroken: 'StreamsBroken',
  answerCacheHits: 'AnswerCacheHits',
  // Retrieval.
  retrievedChunks: 'RetrievedChunks',
  rerankDropOff: 'RerankDropOff',
  rankedChunksDropped: 'RankedChunksDropped',
  answersWithheldBelowFloor: 'AnswersWithheldBelowFloor',
  // Model calls (one data point per invocation record; see shared/usage/invocation-record.ts).
  modelCalls: 'ModelCalls',
  modelLatency: 'ModelLatencyMs',
  modelInputTokens: 'ModelInputTokens',
  modelOutputTokens: 'ModelOutputTokens',
  modelCost: 'ModelCostUsd',
  modelCallsUnpriced: 'ModelCallsUnpriced',
  modelThrottles: 'ModelThrottles',
  modelRetries: 'ModelRetries',
  modelFallbacks: 'ModelFallbacks',
  modelErrors: 'ModelErrors',
  // Query totals (one data point per answered query).
  inputTokens: 'InputTokens',
  outputTokens: 'OutputTokens',
  queryCost: 'QueryCostUsd',
  // Guardrails: interventions in total, and findings by type (dimension `findingType`).
  guardrailInterventions: 'GuardrailInterventions',
  guardrailFindings: 'GuardrailFindings',
  generationFallbacks: 'GenerationFallbacks',
  // Budgets: 80% reached, 100% reached (each once per tenant and day), requests refused for budget.
  budgetWarnings: 'BudgetWarnings',
  budgetExhausted: 'BudgetExhausted',
  budgetRejections: 'BudgetRejections',
  // Ingestion.
  ingestedDocuments: 'IngestedDocuments',
  ingestedChunks: 'IngestedChunks',
  embeddedChunks: 'EmbeddedChunks',
  embeddingInputTokens: 'EmbeddingInputTokens',
  failedDocuments: 'FailedDocuments',
  deletedDocuments: 'DeletedDocuments',
  documentsRejected: 'DocumentsRejected',
  ingestionsDeferred: 'IngestionsDeferred',
  overtakenIngestions: 'OvertakenIngestions',
  // Usage store writes that failed (the figures of those calls are missing from GET /usage and budgets).
  usageWriteFailures: 'UsageWriteFailures',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC] | `${Stage}LatencyMs`;

/** Every name the service may emit, for the stack's checks. */
export const ALL_METRIC_NAMES: readonly string[] = [...Object.values(METRIC), ...STAGES.map(stageLatencyMetric)];

/** The dimension added to `GuardrailFindings` (values: GuardrailFinding['type']). */
export const FINDING_TYPE_DIMENSION = 'findingType';
/** Added to every metric only when RAG_METRICS_TENANT_DIMENSION=true (bounded cardinality otherwise). */
export const TENANT_DIMENSION = 'tenant';
