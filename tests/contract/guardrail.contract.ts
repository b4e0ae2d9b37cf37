import type { Guardrail, GuardrailVerdict } from '../../shared/guardrails/guardrail';
import { BENIGN_QUESTION, contractSources, GROUNDED_ANSWER, PII, PII_TEXT, PROMPT_ATTACK, UNGROUNDED_ANSWER, VPN_QUESTION } from './generation-fixtures';

function expectNoPii(text: string): void {
  for (const value of Object.values(PII)) expect(text).not.toContain(value);
}

function findingTypes(verdict: GuardrailVerdict): string[] {
  return verdict.findings.map((f) => f.type);
}

/** Behaviour every Guardrail adapter must show; run it against each adapter. */
export function describeGuardrailContract(name: string, makeGuardrail: () => Promise<Guardrail>): void {
  describe(`Guardrail contract: ${name}`, () => {
    let guardrail: Guardrail;

    beforeAll(async () => {
      guardrail = await makeGuardrail();
    });

    it('blocks a prompt attack in the question', async () => {
      const verdict = await guardrail.checkInput(PROMPT_ATTACK);

      expect(verdict.action).toBe('INTERVENED');
      expect(verdict.blocked).toBe(true);
      expect(findingTypes(verdict)).toContain('PROMPT_ATTACK');
      expect(verdict.message?.length ?? 0).toBeGreaterThan(0);
      expect(verdict.guardrailId.length).toBeGreaterThan(0);
    });

    it('passes a benign question unchanged', async () => {
      const verdict = await guardrail.checkInput(BENIGN_QUESTION);

      expect(verdict.action).toBe('NONE');
      expect(verdict.blocked).toBe(false);
      expect(verdict.findings).toEqual([]);
      expect(verdict.text).toBe(BENIGN_QUESTION);
    });

    it('anonymizes PII in a question without blocking it', async () => {
      const question = `My email is ${PII.email}, how do I connect to the VPN?`;

      const verdict = await guardrail.checkInput(question);

      expect(verdict.blocked).toBe(false);
      expect(verdict.action).toBe('INTERVENED');
      expect(findingTypes(verdict)).toContain('PII');
      expect(verdict.text).not.toContain(PII.email);
      expect(verdict.text).toContain('VPN');
    });

    it('redacts email, phone and card numbers in an answer', async () => {
      const sources = [...contractSources(), { text: PII_TEXT }];

      const verdict = await guardrail.checkOutput(PII_TEXT, 'How do I contact Jane?', sources);

      expect(verdict.action).toBe('INTERVENED');
      expect(findingTypes(verdict)).toContain('PII');
      expectNoPii(verdict.text);
      for (const finding of verdict.findings) for (const value of Object.values(PII)) expect(finding.detail).not.toContain(value);
    });

    it('redactPii removes email, phone and card numbers and keeps the rest', async () => {
      const redacted = await guardrail.redactPii(PII_TEXT);

      expectNoPii(redacted);
      expect(redacted).toContain('Contact Jane at');
    });

    it('passes a grounded answer', async () => {
      const verdict = await guardrail.checkOutput(GROUNDED_ANSWER, VPN_QUESTION, contractSources());

      expect(verdict.blocked).toBe(false);
      expect(verdict.action).toBe('NONE');
      expect(verdict.text).toBe(GROUNDED_ANSWER);
      if (verdict.groundingScore !== undefined) expect(verdict.groundingScore).toBeGreaterThan(0.5);
    });

    it('intervenes on an answer its sources do not support', async () => {
      const verdict = await guardrail.checkOutput(UNGROUNDED_ANSWER, VPN_QUESTION, contractSources());

      expect(verdict.action).toBe('INTERVENED');
      expect(verdict.blocked).toBe(true);
      expect(findingTypes(verdict)).toContain('GROUNDING');
      expect(verdict.text).not.toBe(UNGROUNDED_ANSWER);
      expect(verdict.message?.length ?? 0).toBeGreaterThan(0);
      if (verdict.groundingScore !== undefined) expect(verdict.groundingScore).toBeLessThan(0.5);
    });
  });
}
