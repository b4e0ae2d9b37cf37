import type { AppConfig } from '../config/config';
import type { Guardrail } from '../guardrails/guardrail';
import { MeteredGuardrail } from '../usage/metered';
import { meterFor } from './meter';
import type { PortFactory } from './wiring';

/**
 * The id a guardrail's invocation records carry: the Bedrock guardrail and version, or the local one (free).
 * The price table has no row for a Bedrock guardrail (shared/usage/metered.ts says why): its cost is unknown.
 */
export function guardrailModelId(config: AppConfig): string {
  return config.adapters.guardrail === 'bedrock'
    ? `bedrock-guardrail/${config.aws.guardrailId ?? 'unset'}:${config.aws.guardrailVersion ?? 'DRAFT'}`
    : 'local-guardrail';
}

export const guardrailPort: PortFactory<'guardrail'> = {
  port: 'guardrail',
  async build({ config }) {
    return new MeteredGuardrail(await guardrailFor(config), meterFor(config), guardrailModelId(config));
  },
};

async function guardrailFor(config: AppConfig): Promise<Guardrail> {
  if (config.adapters.guardrail === 'bedrock') {
    const { createBedrockGuardrail } = await import('../guardrails/bedrock-guardrail');
    return createBedrockGuardrail(config);
  }
  const { LocalGuardrail } = await import('../guardrails/local-guardrail');
  return new LocalGuardrail();
}
