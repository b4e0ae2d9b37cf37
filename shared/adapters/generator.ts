import type { AppConfig } from '../config/config';
import { loadPrompt } from '../prompts/index';
import type { PortFactory } from './wiring';

/** Fails at start, not on the first question, when the configured prompt version does not exist. */
export function checkPromptVersion(config: AppConfig): void {
  loadPrompt(config.adapters.generator === 'bedrock-knowledge-base' ? 'knowledge-base' : 'answer', config.query.promptVersion);
}

export const generatorPort: PortFactory<'generator'> = {
  port: 'generator',
  async build({ config }) {
    checkPromptVersion(config);
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
  },
};
