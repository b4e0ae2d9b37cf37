import type { AppConfig } from '../config/config';
import type { Generator } from '../generation/generator';
import { loadPrompt } from '../prompts/index';
import { MeteredGenerator } from '../usage/metered';
import { meterFor } from './meter';
import type { PortFactory } from './wiring';

/** Fails at start, not on the first question, when the configured prompt version does not exist. */
export function checkPromptVersion(config: AppConfig): void {
  loadPrompt(config.adapters.generator === 'bedrock-knowledge-base' ? 'knowledge-base' : 'answer', config.query.promptVersion);
}

export const generatorPort: PortFactory<'generator'> = {
  port: 'generator',
  async build({ config }) {
    checkPromptVersion(config);
    return new MeteredGenerator(await generatorFor(config), meterFor(config));
  },
};

async function generatorFor(config: AppConfig): Promise<Generator> {
  switch (config.adapters.generator) {
    case 'bedrock-converse': {
      const { createConverseGenerator } = await import('../generation/bedrock-converse-generator');
      return createConverseGenerator(config);
    }
    case 'bedrock-knowledge-base': {
      const { createKnowledgeBaseGenerator } = await import('../generation/bedrock-knowledge-base-generator');
      return createKnowledgeBaseGenerator(config);
    }
    default: {
      const { ExtractiveGenerator } = await import('../generation/extractive-generator');
      return new ExtractiveGenerator();
    }
  }
}
