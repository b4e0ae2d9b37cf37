import { findingsFromAssessments, verdictFromGuardrail } from '../../../../shared/guardrails/bedrock-guardrail-verdict';

describe('findingsFromAssessments', () => {
  it('keeps detect-only findings as DETECTED and skips policies that did not fire', () => {
    // Act
    const { findings, groundingScore } = findingsFromAssessments([
      {
        contentPolicy: {
          filters: [
            { type: 'HATE', confidence: 'LOW', action: 'NONE', detected: false },
            { type: 'INSULTS', confidence: 'HIGH', action: 'NONE', detected: true },
          ],
        },
        wordPolicy: { customWords: [{ match: 'secret-word', action: 'BLOCKED', detected: true }], managedWordLists: [] },
        contextualGroundingPolicy: { filters: [{ type: 'GROUNDING', threshold: 0.7, score: 0.91, action: 'NONE', detected: false }] },
      },
    ]);
    // Assess
    expect(findings).toEqual([
      { type: 'CONTENT', detail: 'INSULTS', action: 'DETECTED' },
      { type: 'WORD', detail: 'CUSTOM_WORD', action: 'BLOCKED' },
    ]);
    expect(groundingScore).toBe(0.91);
  });
});

describe('verdictFromGuardrail', () => {
  const blockedTopic = [{ topicPolicy: { topics: [{ name: 'Investment advice', type: 'DENY' as const, action: 'BLOCKED' as const, detected: true }] } }];
  const anonymizedEmail = [
    {
      sensitiveInformationPolicy: {
        piiEntities: [{ match: 'ana@example.com', type: 'EMAIL' as const, action: 'ANONYMIZED' as const, detected: true }],
        regexes: [],
      },
    },
  ];

  it('keeps the original text when the guardrail did not intervene', () => {
    // Act
    const verdict = verdictFromGuardrail({ intervened: false, outputText: undefined, assessments: [], original: 'Hello', guardrailId: 'gr:1' });
    // Assess
    expect(verdict).toEqual({ action: 'NONE', blocked: false, findings: [], text: 'Hello', guardrailId: 'gr:1' });
  });

  it('blocks with the service message, or a fixed one when the service sends none', () => {
    // Act
    const withMessage = verdictFromGuardrail({ intervened: true, outputText: 'Not allowed.', assessments: blockedTopic, original: 'q', guardrailId: 'gr:1' });
    const withoutMessage = verdictFromGuardrail({ intervened: true, outputText: undefined, assessments: blockedTopic, original: 'q', guardrailId: 'gr:1' });
    // Assess
    expect(withMessage).toMatchObject({ action: 'INTERVENED', blocked: true, text: 'Not allowed.', message: 'Not allowed.' });
    expect(withMessage.findings).toEqual([{ type: 'DENIED_TOPIC', detail: 'Investment advice', action: 'BLOCKED' }]);
    expect(withoutMessage).toMatchObject({ blocked: true, message: 'This content was blocked by the guardrail.' });
  });

  it('passes anonymized text through without blocking, and drops the matched text', () => {
    // Act
    const verdict = verdictFromGuardrail({
      intervened: true,
      outputText: 'Write to {EMAIL}.',
      assessments: anonymizedEmail,
      original: 'Write to ana@example.com.',
      guardrailId: 'gr:1',
    });
    // Assess
    expect(verdict).toMatchObject({ action: 'INTERVENED', blocked: false, text: 'Write to {EMAIL}.' });
    expect(verdict.message).toBeUndefined();
    expect(JSON.stringify(verdict.findings)).not.toContain('ana@example.com');
  });
});
