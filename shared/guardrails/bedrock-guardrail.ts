import {
  ApplyGuardrailCommand,
  type ApplyGuardrailCommandOutput,
  BedrockRuntimeClient,
  type GuardrailAssessment,
  type GuardrailContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { ConfigurationError } from '../errors';
import type { GroundingSource, Guardrail, GuardrailFinding, GuardrailVerdict } from './guardrail';

/**
 * Guardrail on Bedrock `ApplyGuardrail`. Input checks send the question as INPUT; output checks send
 * the sources (grounding_source), the question (query) and the answer (guard_content) as OUTPUT so the
 * contextual grounding check scores the answer against what it was given.
 * Findings carry the policy's type/name only: the service echoes matched text, which we drop.
 */

/** Contextual grounding accepts at most 100,000 characters of grounding source per request (Bedrock user guide). */
export const GROUNDING_SOURCE_MAX_CHARS = 100_000;

type Action = GuardrailFinding['action'];

function findingAction(action: string | undefined, detected: boolean | undefined): Action | undefined {
  if (action === 'BLOCKED') return 'BLOCKED';
  if (action === 'ANONYMIZED') return 'ANONYMIZED';
  // Action NONE with detected=true: a policy in detect-only mode flagged it.
  return detected === true ? 'DETECTED' : undefined;
}

/** Maps Bedrock guardrail assessments (ApplyGuardrail or a Converse trace) to our findings, without matched text. */
export function findingsFromAssessments(assessments: readonly GuardrailAssessment[]): { findings: GuardrailFinding[]; groundingScore?: number } {
  const findings: GuardrailFinding[] = [];
  let groundingScore: number | undefined;
  const push = (type: GuardrailFinding['type'], detail: string, action: string | undefined, detected: boolean | undefined) => {
    const a = findingAction(action, detected);
    if (a) findings.push({ type, detail, action: a });
  };
  for (const assessment of assessments) {
    for (const topic of assessment.topicPolicy?.topics ?? []) push('DENIED_TOPIC', topic.name ?? 'topic', topic.action, topic.detected);
    for (const filter of assessment.contentPolicy?.filters ?? []) {
      push(filter.type === 'PROMPT_ATTACK' ? 'PROMPT_ATTACK' : 'CONTENT', filter.type ?? 'CONTENT', filter.action, filter.detected);
    }
    for (const word of assessment.wordPolicy?.customWords ?? []) push('WORD', 'CUSTOM_WORD', word.action, word.detected);
    for (const word of assessment.wordPolicy?.managedWordLists ?? []) push('WORD', word.type ?? 'MANAGED_WORD', word.action, word.detected);
    for (const entity of assessment.sensitiveInformationPolicy?.piiEntities ?? []) push('PII', entity.type ?? 'PII', entity.action, entity.detected);
    for (const regex of assessment.sensitiveInformationPolicy?.regexes ?? []) push('PII', regex.name ?? 'REGEX', regex.action, regex.detected);
    for (const filter of assessment.contextualGroundingPolicy?.filters ?? []) {
      if (filter.type === 'GROUNDING' && typeof filter.score === 'number') groundingScore = filter.score;
      push('GROUNDING', filter.type ?? 'GROUNDING', filter.action, filter.detected);
    }
  }
  return { findings, ...(groundingScore !== undefined ? { groundingScore } : {}) };
}

/** Used when the service blocks without returning its configured message. */
const BLOCKED_FALLBACK_MESSAGE = 'This content was blocked by the guardrail.';

/** Builds our verdict from a guardrail decision. `original` is the text that was checked. */
export function verdictFromGuardrail(input: {
  intervened: boolean;
  outputText: string | undefined;
  assessments: readonly GuardrailAssessment[];
  original: string;
  guardrailId: string;
}): GuardrailVerdict {
  const { findings, groundingScore } = findingsFromAssessments(input.assessments);
  const blocked = input.intervened && (findings.some((f) => f.action === 'BLOCKED') || findings.length === 0);
  const serviceText = input.outputText ?? (blocked ? BLOCKED_FALLBACK_MESSAGE : input.original);
  const verdict: GuardrailVerdict = {
    action: input.intervened ? 'INTERVENED' : 'NONE',
    blocked,
    findings,
    // Blocked: the service's configured message stands in for the text; anonymized: the masked text.
    text: input.intervened ? serviceText : input.original,
    guardrailId: input.guardrailId,
    ...(groundingScore !== undefined ? { groundingScore } : {}),
  };
  if (blocked) verdict.message = serviceText;
  return verdict;
}

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
    const out = await this.apply('INPUT', [{ text: { text } }]);
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
