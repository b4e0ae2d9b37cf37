import { assessGrounding } from './grounding';
import type { GuardrailFinding } from '../contracts/query';
import type { GroundingSource, Guardrail, GuardrailVerdict } from './guardrail';
import { type PiiMatch, redactPii } from './pii';
import { injectedInstructionsIn, normalizeForMatching, promptAttacksIn } from './prompt-attack';

/**
 * In-process guardrail for the embedded runtime: prompt-attack patterns (prompt-attack.ts) and denied
 * topics block a question, instructions planted in the sources are reported (DETECTED, see
 * injectionFindings), PII in a question or answer is anonymized (redacted, not blocked), and an answer whose
 * lexical grounding is below the threshold is blocked with a safe message: grounding is the weaker of its
 * support by the sources and its relevance to the question (grounding.ts), and the finding names which one
 * failed, as Bedrock's contextual grounding check names GROUNDING or RELEVANCE.
 * Findings carry the type and a short name, never the matched text.
 */

/**
 * The least grounding score (min of support and relevance, grounding.ts) of an answer that is let through.
 * Measured 2026-12-01 with `npm run eval -- --unanswerable <the other set's queries>` (answered when answerable /
 * abstained when not): 0.35 gave Cranfield 0.844 / 0.923, NFCorpus dev 0.741 / 0.964; 0.25 gave 0.893 / 0.910 and
 * 0.793 / 0.951 (balanced accuracy up on both, golden unchanged at 1.000 / 0.600); 0.15 gave 0.920 / 0.910 and
 * 0.802 / 0.938 (up on Cranfield, down on NFCorpus). 0.25 is where the two sets stop agreeing.
 */
export const DEFAULT_GROUNDING_THRESHOLD = 0.25;

export interface DeniedTopic {
  name: string;
  patterns: RegExp[];
}

export interface LocalGuardrailOptions {
  /** Default: none. See EXAMPLE_DENIED_TOPICS for the shape. Patterns are matched with `search`, so a /g flag is harmless. */
  deniedTopics?: DeniedTopic[];
  /** Minimum grounding score of an answer, in [0, 1]. Default DEFAULT_GROUNDING_THRESHOLD. */
  groundingThreshold?: number;
  blockedInputMessage?: string;
  blockedOutputMessage?: string;
}

/** An example policy (not applied by default): refuse personalised investment advice. */
export const EXAMPLE_DENIED_TOPICS: readonly DeniedTopic[] = [
  {
    name: 'investment-advice',
    patterns: [
      /\b(?:should|which|what)\b[^.?!]{0,40}\b(?:stocks?|shares|crypto(?:currency)?|bitcoin|etfs?)\b[^.?!]{0,30}\b(?:buy|sell|invest)/i,
      /\binvestment advice\b/i,
    ],
  },
];

const DEFAULT_BLOCKED_INPUT = 'Sorry, I cannot answer that question.';
const DEFAULT_BLOCKED_OUTPUT = 'Sorry, the answer could not be verified against the documents.';

/**
 * Instructions planted in the sources (indirect prompt injection) are reported, not blocked: one DETECTED
 * finding per pattern, named SOURCE_<pattern>. The chunk stays in the context, because what it could do is
 * already neutralised where it would act: the extractive generator never reads out a matching sentence,
 * and the model prompts fence every source as data. Dropping the chunk instead would silently lose the
 * legitimate text around a match (a security-awareness page that quotes "ignore previous instructions" as an
 * example) on a pattern's word; the finding lets an operator find the document and remove it.
 */
function injectionFindings(sources: readonly GroundingSource[]): GuardrailFinding[] {
  const names = new Set(sources.flatMap((source) => injectedInstructionsIn(source.text)));
  return [...names].map((name) => ({ type: 'PROMPT_ATTACK', detail: `SOURCE_${name}`, action: 'DETECTED' }));
}

function piiFindings(matches: readonly PiiMatch[]): GuardrailFinding[] {
  return [...new Set(matches.map((m) => m.type))].map((type) => ({ type: 'PII', detail: type, action: 'ANONYMIZED' }));
}

export class LocalGuardrail implements Guardrail {
  private readonly deniedTopics: DeniedTopic[];
  private readonly groundingThreshold: number;
  private readonly blockedInputMessage: string;
  private readonly blockedOutputMessage: string;

  constructor(options: LocalGuardrailOptions = {}) {
    const threshold = options.groundingThreshold ?? DEFAULT_GROUNDING_THRESHOLD;
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError('groundingThreshold must be in [0, 1]');
    this.groundingThreshold = threshold;
    this.deniedTopics = options.deniedTopics ?? [];
    this.blockedInputMessage = options.blockedInputMessage ?? DEFAULT_BLOCKED_INPUT;
    this.blockedOutputMessage = options.blockedOutputMessage ?? DEFAULT_BLOCKED_OUTPUT;
  }

  async checkInput(text: string): Promise<GuardrailVerdict> {
    const normalized = normalizeForMatching(text);
    const blocking: GuardrailFinding[] = [];
    for (const name of promptAttacksIn(text)) blocking.push({ type: 'PROMPT_ATTACK', detail: name, action: 'BLOCKED' });
    blocking.push(...this.topicFindings(normalized));
    const redacted = redactPii(text);
    const findings = [...blocking, ...piiFindings(redacted.matches)];
    return this.verdict(findings, blocking.length > 0, redacted.text, this.blockedInputMessage);
  }

  async checkOutput(answer: string, question: string, sources: GroundingSource[]): Promise<GuardrailVerdict> {
    const grounding = assessGrounding(
      answer,
      sources.map((s) => s.text),
      question,
    );
    const blocking = this.topicFindings(normalizeForMatching(answer));
    if (grounding.score < this.groundingThreshold) {
      const detail = grounding.relevance < grounding.support ? 'RELEVANCE' : 'GROUNDING';
      blocking.push({ type: 'GROUNDING', detail, action: 'BLOCKED' });
    }
    const redacted = redactPii(answer);
    const findings = [...blocking, ...piiFindings(redacted.matches), ...injectionFindings(sources)];
    return { ...this.verdict(findings, blocking.length > 0, redacted.text, this.blockedOutputMessage), groundingScore: grounding.score };
  }

  async redactPii(text: string): Promise<string> {
    return redactPii(text).text;
  }

  private topicFindings(normalized: string): GuardrailFinding[] {
    return this.deniedTopics
      .filter((topic) => topic.patterns.some((pattern) => normalized.search(pattern) !== -1))
      .map((topic) => ({ type: 'DENIED_TOPIC', detail: topic.name, action: 'BLOCKED' }));
  }

  private verdict(findings: GuardrailFinding[], blocked: boolean, redactedText: string, blockedMessage: string): GuardrailVerdict {
    return {
      // A finding only reported (DETECTED) changes nothing in the text, as Bedrock's detect mode: no intervention.
      action: findings.some((f) => f.action !== 'DETECTED') ? 'INTERVENED' : 'NONE',
      blocked,
      findings,
      // Blocked text must not be used at all; the redacted text is still what the caller may log or show.
      text: blocked ? blockedMessage : redactedText,
      ...(blocked ? { message: blockedMessage } : {}),
      guardrailId: 'local',
    };
  }
}
