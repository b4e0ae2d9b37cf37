import type { PortFactory } from './wiring';

/** Undefined when reranking is switched off. */
export const rerankerPort: PortFactory<'reranker'> = {
  port: 'reranker',
  async build({ config }) {
    switch (config.adapters.reranker) {
      case 'none':
        return undefined;
      case 'bedrock': {
        const { createBedrockReranker } = await import('../rerank/bedrock-reranker');
        return createBedrockReranker(config);
      }
      default: {
        const { LocalReranker } = await import('../rerank/local-reranker');
        return new LocalReranker();
      }
    }
  },
};
