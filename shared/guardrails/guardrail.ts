import type { GuardrailFinding } from '../contracts/query';

/** Port: checks input and output against policies, and redacts PII. */

export interface GuardrailVerdict {
  /** NONE: passed; INTERVENED: blocked or rewritten by the guardrail. */
  action: 'NONE' | 'INTERVENED';
  /** True when the text must not be used at all (the caller answers with `message`). */
  blocked: boolean;
  findings: GuardrailFinding[];
  /** The text to use after redaction (equal to the input when nothing was redacted). */
  text: string;
  /** Message to show instead of the text when blocked. */
  message?: string;
  /** Grounding score in [0,1] for output checks, when computed. */
  groundingScore?: number;
  /** Guardrail identity for audit: "local" or the Bedrock guardrail id + version. */
  guardrailId: string;
}

export interface GroundingSource {
  text: string;
}

export interface Guardrail {
  checkInput(text: string): Promise<GuardrailVerdict>;
  /** Checks an answer against its sources (grounding) and redacts PII in it. */
  checkOutput(answer: string, question: string, sources: GroundingSource[]): Promise<GuardrailVerdict>;
  /** Redacts PII from text that leaves the index (answers, logs). */
  redactPii(text: string): Promise<string>;
}
