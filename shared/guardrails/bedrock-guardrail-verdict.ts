import type { GuardrailAssessment } from '@aws-sdk/client-bedrock-runtime';
import type { GuardrailFinding } from '../contracts/query';
import type { GuardrailVerdict } from './guardrail';

/**
 * Our verdict from a Bedrock guardrail decision, wherever Bedrock reports one: ApplyGuardrail (the
 * Bedrock guardrail adapter) and the guardrail trace of Converse and RetrieveAndGenerate (the Bedrock
 * generators). A core module of its own, so the generators do not import the guardrail adapter.
 * Findings carry the policy's type/name only: the service echoes matched text, which we drop.
 */

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
