import type { PortFactory } from './wiring';

export const guardrailPort: PortFactory<'guardrail'> = {
  port: 'guardrail',
  async build({ config }) {
    if (config.adapters.guardrail === 'bedrock') {
      const { createBedrockGuardrail } = await import('../guardrails/bedrock-guardrail');
      return createBedrockGuardrail(config);
    }
    const { LocalGuardrail } = await import('../guardrails/local-guardrail');
    return new LocalGuardrail();
  },
};
