import { ApplyGuardrailCommand, type ApplyGuardrailCommandOutput, BedrockRuntimeClient, type GuardrailContentBlock } from '@aws-sdk/client-bedrock-runtime';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { ConfigurationError } from '../errors';
import { verdictFromGuardrail } from './bedrock-guardrail-verdict';
import type { GroundingSource, Guardrail, GuardrailVerdict } from './guardrail';

/**
 * Guardrail on Bedrock `ApplyGuardrail`. Input checks send the question alone as INPUT, qualified
 * guard_content: it is the user input the prompt-attack filter judges (that filter "only applies to prompts
 * with input tagging", https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-content-filters.html,
 * read 2026-12-01). Retrieved text never goes in as INPUT: a document quoting an attack would block every
 * question it is retrieved for (the local guardrail reports planted instructions instead, and the prompts
 * fence them as data). Output checks send the sources (grounding_source), the question (query) and the
 * answer (guard_content) as OUTPUT so the contextual grounding check scores the answer against what it was
 * given; the prompt-attack filter's output strength is NONE (stack/guardrail.js), so sources are not judged
 * as attacks there either.
 * Findings carry the policy's type/name only: the service echoes matched text, which we drop.
 */

/** Contextual grounding accepts at most 100,000 characters of grounding source per request (Bedrock user guide). */
export const GROUNDING_SOURCE_MAX_CHARS = 100_000;

export interface BedrockGuardrailOptions {
  client: BedrockRuntimeClient;
  guardrailId: string;
  guardrailVersion: string;
}

export class BedrockGuardrail implements Guardrail {
  private readonly auditId: string;

  constructor(private readonly options: BedrockGuardrailOptions) {
    this.auditId = `${options.guardrailId}:${options.guardrailVersion}`;
  }

  async checkInput(text: string): Promise<GuardrailVerdict> {
    const out = await this.apply('INPUT', [{ text: { text, qualifiers: ['guard_content'] } }]);
    return this.verdict(out, text);
  }

  async checkOutput(answer: string, question: string, sources: GroundingSource[]): Promise<GuardrailVerdict> {
    const content: GuardrailContentBlock[] = [];
    const grounding = this.groundingText(sources);
    if (grounding.length > 0) content.push({ text: { text: grounding, qualifiers: ['grounding_source'] } });
    if (question.trim().length > 0) content.push({ text: { text: question, qualifiers: ['query'] } });
    content.push({ text: { text: answer, qualifiers: ['guard_content'] } });
    const out = await this.apply('OUTPUT', content);
    return this.verdict(out, answer);
  }

  /** Returns the service's masked text when it intervened (anonymized PII, or its blocked message), else the text. */
  async redactPii(text: string): Promise<string> {
    if (text.length === 0) return text;
    const out = await this.apply('OUTPUT', [{ text: { text } }]);
    return this.verdict(out, text).text;
  }

  /** Sources go in rank order while they fit the service's grounding-source budget. */
  private groundingText(sources: GroundingSource[]): string {
    const parts: string[] = [];
    let size = 0;
    for (const source of sources) {
      if (size + source.text.length + 2 > GROUNDING_SOURCE_MAX_CHARS) break;
      parts.push(source.text);
      size += source.text.length + 2;
    }
    return parts.join('\n\n');
  }

  private async apply(source: 'INPUT' | 'OUTPUT', content: GuardrailContentBlock[]): Promise<ApplyGuardrailCommandOutput> {
    try {
      return await this.options.client.send(
        new ApplyGuardrailCommand({
          guardrailIdentifier: this.options.guardrailId,
          guardrailVersion: this.options.guardrailVersion,
          source,
          content,
        }),
      );
    } catch (error) {
      throw toRagError(error, `ApplyGuardrail ${this.auditId}`);
    }
  }

  private verdict(out: ApplyGuardrailCommandOutput, original: string): GuardrailVerdict {
    const outputText = (out.outputs ?? []).map((o) => o.text ?? '').join('');
    return verdictFromGuardrail({
      intervened: out.action === 'GUARDRAIL_INTERVENED',
      outputText: outputText.length > 0 ? outputText : undefined,
      assessments: out.assessments ?? [],
      original,
      guardrailId: this.auditId,
    });
  }
}

export function createBedrockGuardrail(config: AppConfig, client?: BedrockRuntimeClient): Guardrail {
  assertIdentifier(awsRegionSchema, config.aws.region, 'AWS_REGION', 'the Bedrock guardrail');
  const guardrailId = config.aws.guardrailId;
  if (!guardrailId) throw new ConfigurationError('RAG_GUARDRAIL_ID is required for the Bedrock guardrail');
  return new BedrockGuardrail({
    client: client ?? instrumentAwsClient(new BedrockRuntimeClient(awsClientOptions(config, config.aws.bedrockEndpoint))),
    guardrailId,
    guardrailVersion: config.aws.guardrailVersion,
  });
}
