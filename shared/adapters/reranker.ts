import type { AppConfig } from '../config/config';
import type { Reranker } from '../rerank/reranker';
import { MeteredReranker } from '../usage/metered';
import { meterFor } from './meter';
import type { PortFactory } from './wiring';

/** Undefined when reranking is switched off. */
export const rerankerPort: PortFactory<'reranker'> = {
  port: 'reranker',
  async build({ config }) {
    const reranker = await rerankerFor(config);
    return reranker ? new MeteredReranker(reranker, meterFor(config)) : undefined;
  },
};

async function rerankerFor(config: AppConfig): Promise<Reranker | undefined> {
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
}
