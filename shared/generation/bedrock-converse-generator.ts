import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  type GuardrailAssessment,
  type GuardrailTraceAssessment,
  type SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { parseCitationMarkers } from '../prompts/citation-markers';
import { ModelFallbackChain } from './model-fallback';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { ConfigurationError, DependencyUnavailableError, describeError } from '../errors';
import { verdictFromGuardrail } from '../guardrails/bedrock-guardrail-verdict';
import type { GuardrailVerdict } from '../guardrails/guardrail';
import { loadPrompt, promptVariables, renderPrompt } from '../prompts';
import { fenceSources } from '../prompts/source-fence';
import type { GeneratedCitation, GenerationEvent, GenerationRequest, GenerationResult, Generator, TokenUsage } from './generator';

/**
 * Generator on Bedrock `Converse` / `ConverseStream` over our own retrieval.
 *
 * The ranked chunks are numbered [1..n] (fenced as data from answer prompt v2 on); the model cites them with
 * "[n]" markers, which are mapped back to chunk ids. With a guardrail configured, each chunk goes in as a `guardContent` block
 * qualified `grounding_source` and the question as `query`, so the contextual grounding check runs
 * on the answer; streams use `streamProcessingMode: 'sync'` so no streamed text skips the guardrail.
 *
 * Fallback chain: each model gets the SDK's bounded retries; a model that is still throttled or
 * unavailable hands over to the next one. Invalid requests or denied access fail at once.
 */

export interface ConverseGeneratorOptions {
  client: BedrockRuntimeClient;
  /** Primary first, then lighter fallbacks. */
  modelIds: string[];
  guardrail?: { id: string; version: string };
  maxTokens?: number;
  temperature?: number;
  /** Observability hook: a model was skipped for the next one. */
  onFallback?: (event: { from: string; to: string; reason: string }) => void;
}

const PROMPT_NAME = 'answer';

/** Everything but the model id of a Converse / ConverseStream request. */
type ConverseRequestBody = Omit<ConverseCommandInput, 'modelId'>;

/**
 * Builds the request: system prompt from the versioned template, the sources numbered 1..n, then the question.
 * A template with {{sources}} (answer v2 on) gets each chunk fenced as untrusted data (source-fence.ts), and
 * the grounding-source blocks carry the same fenced text, so no copy of a chunk reaches the model bare; v1's
 * {{context}} keeps its "[n] text" list byte for byte, so a v1 answer stays reproducible.
 *
 * With a guardrail, only guardContent blocks are evaluated (the system prompt is not): the question is the
 * guarded query and the chunks are grounding sources, so the input filters, prompt attack included, judge the
 * user's words and not the documents (a document quoting an attack must not block every question it is
 * retrieved for; the local guardrail reports such a chunk instead). Bedrock: with guardContent blocks the
 * guardrail evaluates them and not the rest of the message,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-use-converse-api.html; "Prompt Attack (Only
 * applies to prompts with input tagging)",
 * https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-content-filters.html (both read 2026-12-01).
 */
export function buildConverseRequest(
  request: GenerationRequest,
  options: { guardrail?: { id: string; version: string }; maxTokens: number; temperature: number },
  stream: boolean,
): ConverseRequestBody {
  const template = loadPrompt(PROMPT_NAME, request.promptVersion);
  const texts = request.chunks.map((c) => c.chunk.text);
  const fenced = promptVariables(template).includes('sources');
  const numbered = fenced ? fenceSources(texts) : texts.map((text, i) => `[${i + 1}] ${text}`);
  const system: SystemContentBlock[] = [
    { text: renderPrompt(template, { question: request.question, ...(fenced ? { sources: numbered.join('\n\n') } : { context: numbered.join('\n\n') }) }) },
  ];
  const content: ContentBlock[] = options.guardrail
    ? [
        ...numbered.map((text): ContentBlock => ({ guardContent: { text: { text, qualifiers: ['grounding_source'] } } })),
        { guardContent: { text: { text: request.question, qualifiers: ['query'] } } },
      ]
    : [{ text: request.question }];
  return {
    system,
    messages: [{ role: 'user', content }],
    inferenceConfig: { maxTokens: options.maxTokens, temperature: options.temperature },
    ...(options.guardrail
      ? {
          guardrailConfig: {
            guardrailIdentifier: options.guardrail.id,
            guardrailVersion: options.guardrail.version,
            trace: 'enabled',
            ...(stream ? { streamProcessingMode: 'sync' } : {}),
          },
        }
      : {}),
  } as ConverseRequestBody;
}

function assessmentsOf(trace: GuardrailTraceAssessment | undefined): GuardrailAssessment[] {
  if (!trace) return [];
  const input = Object.values(trace.inputAssessment ?? {});
  const output = Object.values(trace.outputAssessments ?? {}).flat();
  return [...input, ...output];
}

export class ConverseGenerator implements Generator {
  readonly mode = 'own-retrieval' as const;
  readonly modelId: string;
  private readonly chain: ModelFallbackChain;
  private readonly maxTokens: number;
  private readonly temperature: number;

  constructor(private readonly options: ConverseGeneratorOptions) {
    const primary = options.modelIds[0];
    if (!primary) throw new ConfigurationError('RAG_GENERATION_MODEL_IDS must list at least one model');
    this.modelId = primary;
    this.chain = new ModelFallbackChain(options.modelIds, { call: 'Converse', stream: 'ConverseStream', models: 'generation model' }, options.onFallback);
    this.maxTokens = options.maxTokens ?? 1024;
    this.temperature = options.temperature ?? 0;
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    const body = this.requestBody(request, false);
    const { value, modelId, fallbackUsed } = await this.chain.run((modelId) => this.options.client.send(new ConverseCommand({ ...body, modelId })));
    return this.result(value, request, modelId, fallbackUsed);
  }

  async *generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    let body: ConverseRequestBody;
    try {
      body = this.requestBody(request, true);
    } catch (error) {
      yield { type: 'error', error: describeError(error) };
      return;
    }
    const attempt = this.chain.attempt();
    for (const [index, modelId] of this.options.modelIds.entries()) {
      let emitted = false;
      let text = '';
      let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
      let stopped = false;
      let stopReason: string | undefined;
      let trace: NonNullable<ConverseCommandOutput['trace']>['guardrail'];
      try {
        const out = await this.options.client.send(new ConverseStreamCommand({ ...body, modelId }));
        if (!out.stream) throw new DependencyUnavailableError(`ConverseStream ${modelId} returned no stream`);
        for await (const event of out.stream as AsyncIterable<ConverseStreamOutput>) {
          const delta = event.contentBlockDelta?.delta?.text;
          if (delta) {
            emitted = true;
            text += delta;
            yield { type: 'delta', text: delta };
          }
          if (event.messageStop) {
            stopped = true;
            stopReason = event.messageStop.stopReason;
          }
          if (event.metadata?.trace?.guardrail) trace = event.metadata.trace.guardrail;
          if (event.metadata?.usage) {
            usage = { inputTokens: event.metadata.usage.inputTokens ?? 0, outputTokens: event.metadata.usage.outputTokens ?? 0 };
          }
        }
        if (!stopped) throw new DependencyUnavailableError(`ConverseStream ${modelId} ended without messageStop`);
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
        // Text already reached the caller: a fallback would splice two answers, so the stream fails.
        yield { type: 'error', error: describeError(attempt.streamError(error, modelId)) };
        return;
      }
      // Bedrock's own guardrail verdict on the streamed text, as for Converse (result below).
      const guardrail = this.guardrailVerdict(stopReason === 'guardrail_intervened', trace, text);
      yield { type: 'citations', citations: guardrail?.blocked ? [] : this.citations(text, request) };
      yield { type: 'done', usage, model: modelId, fallbackUsed: index > 0, ...(guardrail ? { guardrail } : {}) };
      return;
    }
    yield { type: 'error', error: describeError(attempt.exhausted()) };
  }

  private requestBody(request: GenerationRequest, stream: boolean): ConverseRequestBody {
    return buildConverseRequest(request, { guardrail: this.options.guardrail, maxTokens: this.maxTokens, temperature: this.temperature }, stream);
  }

  /** Records a fallback-worthy failure (and announces the next model), or throws the mapped error. */

  private citations(text: string, request: GenerationRequest): GeneratedCitation[] {
    return parseCitationMarkers(
      text,
      request.chunks.map((c) => c.chunk.id),
    );
  }

  private result(out: ConverseCommandOutput, request: GenerationRequest, modelId: string, fallbackUsed: boolean): GenerationResult {
    const text = (out.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
    const guardrail = this.guardrailVerdict(out.stopReason === 'guardrail_intervened', out.trace?.guardrail, text);
    const blocked = guardrail?.blocked === true;
    return {
      text,
      // A blocked answer is the guardrail's message: it cites nothing.
      citations: blocked ? [] : this.citations(text, request),
      usage: { inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 },
      model: modelId,
      fallbackUsed,
      ...(guardrail ? { guardrail } : {}),
    };
  }

  private guardrailVerdict(intervened: boolean, trace: NonNullable<ConverseCommandOutput['trace']>['guardrail'], text: string): GuardrailVerdict | undefined {
    const config = this.options.guardrail;
    if (!config) return undefined;
    return verdictFromGuardrail({
      intervened,
      outputText: text,
      assessments: assessmentsOf(trace),
      original: text,
      guardrailId: `${config.id}:${config.version}`,
    });
  }
}

export function createConverseGenerator(config: AppConfig, client?: BedrockRuntimeClient): Generator {
  assertIdentifier(awsRegionSchema, config.aws.region, 'AWS_REGION', 'the Bedrock Converse generator');
  if (config.aws.generationModelIds.length === 0) {
    throw new ConfigurationError('RAG_GENERATION_MODEL_IDS is required for the Bedrock Converse generator');
  }
  return new ConverseGenerator({
    client: client ?? instrumentAwsClient(new BedrockRuntimeClient(awsClientOptions(config, config.aws.bedrockEndpoint))),
    modelIds: config.aws.generationModelIds,
    ...(config.aws.guardrailId ? { guardrail: { id: config.aws.guardrailId, version: config.aws.guardrailVersion } } : {}),
  });
}
