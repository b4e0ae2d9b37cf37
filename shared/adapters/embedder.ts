import type { PortFactory } from './wiring';

export const embedderPort: PortFactory<'embedder'> = {
  port: 'embedder',
  async build({ config }) {
    if (config.adapters.embedder === 'local') {
      const { LocalEmbedder } = await import('../embeddings/local-embedder');
      return new LocalEmbedder();
    }
    const { createBedrockEmbedder } = await import('../embeddings/bedrock-embedder');
    return createBedrockEmbedder(config);
  },
};
