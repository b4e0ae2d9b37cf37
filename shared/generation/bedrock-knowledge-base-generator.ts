import { createHash } from 'node:crypto';
import {
  BedrockAgentRuntimeClient,
  type Citation,
  type RetrievalFilter,
  RetrieveAndGenerateCommand,
  type RetrieveAndGenerateCommandInput,
  type RetrieveAndGenerateCommandOutput,
  RetrieveAndGenerateStreamCommand,
  type RetrieveAndGenerateStreamResponseOutput,
  type RetrievedReference,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { ModelFallbackChain } from './model-fallback';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema, knowledgeBaseIdSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { ConfigurationError, DependencyUnavailableError, describeError, ValidationError } from '../errors';
import { verdictFromGuardrail } from '../guardrails/bedrock-guardrail-verdict';
import type { GuardrailVerdict } from '../guardrails/guardrail';
import { loadPrompt } from '../prompts';
import { planKnowledgeBaseFilter } from '../vectors/knowledge-base-filter';
import type { ChunkFilter } from '../vectors/vector-store';
import type { GeneratedCitation, GenerationEvent, GenerationRequest, GenerationResult, Generator, TokenUsage } from './generator';

/**
 * Generator in Knowledge Base mode: Bedrock Agent Runtime `RetrieveAndGenerate` /
 * `RetrieveAndGenerateStream` retrieves from the Knowledge Base and answers in one call. The Knowledge
 * Base holds what our ingestion wrote: either our S3 Vectors index (RAG_VECTOR_STORE=s3vectors) or
 * the documents KnowledgeBaseStore ingested into its CUSTOM data source (RAG_VECTOR_STORE=knowledge-base).
 *
 * - Retrieval: numberOfResults = request.topK (1..100), overrideSearchType SEMANTIC (HYBRID is only
 *   accepted by OpenSearch-backed stores), filter = tenant AND the request filter, expressed on the
 *   metadata both stores write; Bedrock reranking when RAG_RERANK_MODEL_ARN is set.
 * - Generation: the versioned "knowledge-base" prompt (must contain $search_results$) and the
 *   "knowledge-base-orchestration" prompt; the Bedrock guardrail when RAG_GUARDRAIL_ID is set.
 * - sessionId: sent only when the caller has one from an earlier answer; the service's is returned.
 * - Fallback: model ARNs are tried in RAG_GENERATION_MODEL_IDS order; a model still throttled or
 *   unavailable after the SDK's bounded retries hands over to the next (as the Converse adapter
 *   does); invalid requests fail at once. A stream falls back only before its first delta.
 * - Usage: RetrieveAndGenerate reports no token counts, so usage is estimated at ~4 characters per
 *   token from the question, the retrieved passages and the answer (cost reporting stays populated).
 * - Citations: chunkId from the retrieved metadata (`chunkId` written by S3VectorsStore and
 *   KnowledgeBaseStore, else the Knowledge Base chunk id); uri from `sourceUri` (KnowledgeBaseStore's
 *   CUSTOM documents) or the reference's location; answerSpan from generatedResponsePart.textResponsePart.span.
 */

export interface KnowledgeBaseGeneratorOptions {
  client: BedrockAgentRuntimeClient;
  knowledgeBaseId: string;
  region: string;
  /** Primary first, then fallbacks: model ids or ARNs. */
  modelIds: string[];
  rerankModelArn?: string;
  guardrail?: { id: string; version: string };
  /** Default numberOfResults when the request gives no topK. */
  defaultTopK?: number;
  onFallback?: (event: { from: string; to: string; reason: string }) => void;
}

const GENERATION_PROMPT = 'knowledge-base';
const ORCHESTRATION_PROMPT = 'knowledge-base-orchestration';
const MAX_RESULTS = 100;
const CHARS_PER_TOKEN = 4;

/**
 * The Knowledge Base retrieval filter for a tenant and a request filter (the metadata S3VectorsStore
 * and KnowledgeBaseStore write). The answer is generated server-side, so results cannot be
 * post-filtered: a key prefix the service cannot express is refused.
 */
export function buildKnowledgeBaseFilter(tenant: string, filter: ChunkFilter = {}): RetrievalFilter {
  const plan = planKnowledgeBaseFilter(tenant, filter);
  if (plan.postFilterPrefix !== undefined) {
    throw new ValidationError('In knowledge-base mode keyPrefix must end with "/" and be at most 4 folders deep', [
      { path: 'filters.keyPrefix', message: 'must end at a folder boundary ("/") within 4 levels' },
    ]);
  }
  return plan.filter;
}

/** A model id becomes an ARN only when it is not one already; inference profile ids pass as they are. */
function modelArnOf(modelId: string, region: string): string {
  if (modelId.startsWith('arn:')) return modelId;
  // Cross-region inference profiles ("us.anthropic...") are accepted by id; plain model ids get the foundation-model ARN.
  if (/^(us|eu|apac|global|us-gov)\./.test(modelId)) return modelId;
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function metadataString(metadata: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = metadata?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function uriOf(reference: RetrievedReference): string | undefined {
  const location = reference.location;
  return (
    // A document ingested into a CUSTOM data source is located by its custom id (our chunk's, not a
    // URI): KnowledgeBaseStore writes where it came from as the `sourceUri` attribute.
    metadataString(reference.metadata as Record<string, unknown> | undefined, 'sourceUri') ??
    location?.s3Location?.uri ??
    location?.webLocation?.url ??
    location?.confluenceLocation?.url ??
    location?.sharePointLocation?.url ??
    location?.salesforceLocation?.url ??
    location?.customDocumentLocation?.id ??
    metadataString(reference.metadata as Record<string, unknown> | undefined, 'x-amz-bedrock-kb-source-uri')
  );
}

/** Maps the service's citations to ours: one GeneratedCitation per retrieved reference. */
export function mapKnowledgeBaseCitations(citations: readonly Citation[], answer: string): GeneratedCitation[] {
  const mapped: GeneratedCitation[] = [];
  for (const citation of citations) {
    const part = citation.generatedResponsePart?.textResponsePart;
    const span = part?.span;
    let answerSpan: GeneratedCitation['answerSpan'];
    if (span?.start !== undefined) {
      // Span.end is inclusive in the service's examples: the cited text's length is the safer measure.
      const length = part?.text !== undefined ? part.text.length : (span.end ?? span.start) - span.start + 1;
      const start = Math.min(Math.max(0, span.start), answer.length);
      answerSpan = { start, end: Math.min(answer.length, start + Math.max(0, length)) };
    }
    for (const reference of citation.retrievedReferences ?? []) {
      const metadata = reference.metadata as Record<string, unknown> | undefined;
      const excerpt = reference.content?.text;
      const uri = uriOf(reference);
      const chunkId =
        metadataString(metadata, 'chunkId') ??
        metadataString(metadata, 'x-amz-bedrock-kb-chunk-id') ??
        // No id from the store: a stable id of what was cited, so the same passage maps to the same id.
        `kb-${createHash('sha256')
          .update(`${uri ?? ''}\n${excerpt ?? ''}`)
          .digest('hex')
          .slice(0, 32)}`;
      mapped.push({ chunkId, ...(answerSpan ? { answerSpan } : {}), ...(excerpt !== undefined ? { excerpt } : {}), ...(uri ? { uri } : {}) });
    }
  }
  return mapped;
}

type RequestBody = RetrieveAndGenerateCommandInput;

export class KnowledgeBaseGenerator implements Generator {
  readonly mode = 'knowledge-base' as const;
  readonly modelId: string;
  private readonly chain: ModelFallbackChain;

  constructor(private readonly options: KnowledgeBaseGeneratorOptions) {
    const primary = options.modelIds[0];
    if (!primary) throw new ConfigurationError('RAG_GENERATION_MODEL_IDS must list at least one model');
    assertIdentifier(knowledgeBaseIdSchema, options.knowledgeBaseId, 'RAG_KNOWLEDGE_BASE_ID');
    this.modelId = primary;
    this.chain = new ModelFallbackChain(
      options.modelIds,
      { call: 'RetrieveAndGenerate', stream: 'RetrieveAndGenerateStream', models: 'knowledge-base generation model' },
      options.onFallback,
    );
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    const { value, modelId, fallbackUsed } = await this.chain.run((modelId) =>
      this.options.client.send(new RetrieveAndGenerateCommand(this.requestBody(request, modelId))),
    );
    return this.result(value, request, modelId, fallbackUsed);
  }

  async *generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    try {
      this.requestBody(request, this.modelId);
    } catch (error) {
      yield { type: 'error', error: describeError(error) };
      return;
    }
    const attempt = this.chain.attempt();
    for (const [index, modelId] of this.options.modelIds.entries()) {
      let emitted = false;
      let text = '';
      const citations: Citation[] = [];
      const references: string[] = [];
      let guardrailAction: string | undefined;
      try {
        const out = await this.options.client.send(new RetrieveAndGenerateStreamCommand(this.requestBody(request, modelId)));
        if (!out.stream) throw new DependencyUnavailableError(`RetrieveAndGenerateStream ${modelId} returned no stream`);
        for await (const event of out.stream as AsyncIterable<RetrieveAndGenerateStreamResponseOutput>) {
          const delta = event.output?.text;
          if (delta) {
            emitted = true;
            text += delta;
            yield { type: 'delta', text: delta };
          }
          // The stream's guardrail event (RetrieveAndGenerateStreamResponseOutput.guardrail: { action }).
          if (event.guardrail?.action) guardrailAction = event.guardrail.action;
          if (event.citation) {
            // Newer events carry the parts at top level; `citation` is the deprecated wrapper of the same data.
            const citation: Citation = {
              generatedResponsePart: event.citation.generatedResponsePart ?? event.citation.citation?.generatedResponsePart,
              retrievedReferences: event.citation.retrievedReferences ?? event.citation.citation?.retrievedReferences,
            };
            citations.push(citation);
            for (const reference of citation.retrievedReferences ?? []) references.push(reference.content?.text ?? '');
          }
        }
      } catch (error) {
        if (!emitted) {
          try {
            attempt.fail(error, modelId, index);
            continue;
          } catch (final) {
            yield { type: 'error', error: describeError(final) };
            return;
          }
        }
        // Text already reached the caller: a fallback would splice two answers, so the stream fails explicitly.
        yield { type: 'error', error: describeError(attempt.streamError(error, modelId)) };
        return;
      }
      const guardrail = this.guardrailVerdict(guardrailAction, text);
      yield { type: 'citations', citations: guardrail?.blocked ? [] : mapKnowledgeBaseCitations(citations, text) };
      yield {
        type: 'done',
        usage: this.usage(request, references, text),
        model: modelId,
        fallbackUsed: index > 0,
        ...(guardrail ? { guardrail } : {}),
      };
      return;
    }
    yield { type: 'error', error: describeError(attempt.exhausted()) };
  }

  /** Builds the request; throws ValidationError/ConfigurationError before anything is sent. */
  requestBody(request: GenerationRequest, modelId: string): RequestBody {
    if (!request.tenant) throw new ValidationError('A knowledge-base query needs a tenant');
    const numberOfResults = request.topK ?? this.options.defaultTopK ?? 5;
    if (!Number.isInteger(numberOfResults) || numberOfResults < 1 || numberOfResults > MAX_RESULTS) {
      throw new ValidationError(`topK must be an integer from 1 to ${MAX_RESULTS} in knowledge-base mode`);
    }
    const generationPrompt = loadPrompt(GENERATION_PROMPT, request.promptVersion);
    if (!generationPrompt.text.includes('$search_results$')) {
      throw new ConfigurationError(`Prompt ${GENERATION_PROMPT}/${request.promptVersion} must contain $search_results$`);
    }
    const orchestrationPrompt = loadPrompt(ORCHESTRATION_PROMPT, request.promptVersion);
    if (!orchestrationPrompt.text.includes('$conversation_history$') || !orchestrationPrompt.text.includes('$output_format_instructions$')) {
      throw new ConfigurationError(
        `Prompt ${ORCHESTRATION_PROMPT}/${request.promptVersion} must contain $conversation_history$ and $output_format_instructions$`,
      );
    }
    const { rerankModelArn, guardrail } = this.options;
    return {
      input: { text: request.question },
      // Never invent a session: only pass back one the service returned earlier.
      ...(request.sessionId ? { sessionId: request.sessionId } : {}),
      retrieveAndGenerateConfiguration: {
        type: 'KNOWLEDGE_BASE',
        knowledgeBaseConfiguration: {
          knowledgeBaseId: this.options.knowledgeBaseId,
          modelArn: modelArnOf(modelId, this.options.region),
          retrievalConfiguration: {
            vectorSearchConfiguration: {
              numberOfResults,
              overrideSearchType: 'SEMANTIC',
              filter: buildKnowledgeBaseFilter(request.tenant, request.filter),
              ...(rerankModelArn
                ? {
                    rerankingConfiguration: {
                      type: 'BEDROCK_RERANKING_MODEL',
                      bedrockRerankingConfiguration: { modelConfiguration: { modelArn: rerankModelArn }, numberOfRerankedResults: numberOfResults },
                    },
                  }
                : {}),
            },
          },
          generationConfiguration: {
            promptTemplate: { textPromptTemplate: generationPrompt.text },
            ...(guardrail ? { guardrailConfiguration: { guardrailId: guardrail.id, guardrailVersion: guardrail.version } } : {}),
          },
          orchestrationConfiguration: { promptTemplate: { textPromptTemplate: orchestrationPrompt.text } },
        },
      },
    };
  }

  private result(out: RetrieveAndGenerateCommandOutput, request: GenerationRequest, modelId: string, fallbackUsed: boolean): GenerationResult {
    const text = out.output?.text ?? '';
    const guardrail = this.guardrailVerdict(out.guardrailAction, text);
    const citations = guardrail?.blocked ? [] : mapKnowledgeBaseCitations(out.citations ?? [], text);
    const references = (out.citations ?? []).flatMap((c) => (c.retrievedReferences ?? []).map((r) => r.content?.text ?? ''));
    return {
      text,
      citations,
      usage: this.usage(request, references, text),
      model: modelId,
      fallbackUsed,
      ...(guardrail ? { guardrail } : {}),
      ...(out.sessionId ? { sessionId: out.sessionId } : {}),
    };
  }

  private usage(request: GenerationRequest, references: readonly string[], answer: string): TokenUsage {
    const input = request.question.length + references.reduce((sum, text) => sum + text.length, 0);
    // RetrieveAndGenerateResponse has no usage member (@aws-sdk/client-bedrock-agent-runtime 3.1164.0 types: sessionId,
    // output, citations, guardrailAction): every figure here is an estimate, and says so.
    return { inputTokens: Math.ceil(input / CHARS_PER_TOKEN), outputTokens: estimateTokens(answer), estimated: true };
  }

  private guardrailVerdict(action: string | undefined, text: string): GuardrailVerdict | undefined {
    const config = this.options.guardrail;
    if (!config) return undefined;
    // RetrieveAndGenerate reports only the action; the answer text is already the guardrail's message when blocked.
    return verdictFromGuardrail({
      intervened: action === 'INTERVENED',
      outputText: text,
      assessments: [],
      original: text,
      guardrailId: `${config.id}:${config.version}`,
    });
  }
}

export function createKnowledgeBaseGenerator(config: AppConfig, client?: BedrockAgentRuntimeClient): Generator {
  const { region, knowledgeBaseId, generationModelIds, rerankModelArn, guardrailId, guardrailVersion } = config.aws;
  assertIdentifier(awsRegionSchema, region, 'AWS_REGION', 'the Knowledge Base generator');
  assertIdentifier(knowledgeBaseIdSchema, knowledgeBaseId, 'RAG_KNOWLEDGE_BASE_ID', 'the Knowledge Base generator');
  if (generationModelIds.length === 0) throw new ConfigurationError('RAG_GENERATION_MODEL_IDS is required for the Knowledge Base generator');
  // Fail at start, not on the first question, when the configured prompt version is missing or malformed.
  loadPrompt(GENERATION_PROMPT, config.query.promptVersion);
  return new KnowledgeBaseGenerator({
    client: client ?? instrumentAwsClient(new BedrockAgentRuntimeClient(awsClientOptions(config, config.aws.bedrockAgentEndpoint))),
    knowledgeBaseId,
    region,
    modelIds: generationModelIds,
    defaultTopK: config.query.defaultTopK,
    ...(rerankModelArn ? { rerankModelArn } : {}),
    ...(guardrailId ? { guardrail: { id: guardrailId, version: guardrailVersion } } : {}),
  });
}
