import guardrail = require('../../../stack/guardrail.js');

/**
 * A GuardrailVersion is only replaced when its Description changes, so the description carries a hash
 * of the guardrail's definition: a new policy must give a new hash, the same policy the same one.
 */
describe('stack/guardrail.js', () => {
  const params = { groundingThreshold: 0.7, relevanceThreshold: 0.5 };

  it('hashes the same definition to the same value', () => {
    expect(guardrail.definitionHash(guardrail.guardrailProperties('rag-prod', params))).toBe(
      guardrail.definitionHash(guardrail.guardrailProperties('rag-prod', { ...params })),
    );
  });

  it('gives a changed policy a new hash', () => {
    const before = guardrail.definitionHash(guardrail.guardrailProperties('rag-prod', params));
    const after = guardrail.definitionHash(guardrail.guardrailProperties('rag-prod', { ...params, groundingThreshold: 0.8 }));
    expect(after).not.toBe(before);
  });
});

describe('stack/guardrail.js prompt-attack filter', () => {
  it('judges prompt attacks on input at HIGH strength and never on output', () => {
    // Prepare
    const properties = guardrail.guardrailProperties('rag-prod', { groundingThreshold: 0.7, relevanceThreshold: 0.5 }) as {
      ContentPolicyConfig: { FiltersConfig: { Type: string; InputStrength: string; OutputStrength: string }[] };
    };

    // Act
    const promptAttack = properties.ContentPolicyConfig.FiltersConfig.filter((f) => f.Type === 'PROMPT_ATTACK');

    // Assess
    expect(promptAttack).toEqual([{ Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', OutputStrength: 'NONE' }]);
  });
});
