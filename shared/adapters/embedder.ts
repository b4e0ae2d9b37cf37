import type { AppConfig } from '../config/config';
import type { Embedder } from '../embeddings/embedder';
import { MeteredEmbedder } from '../usage/metered';
import { meterFor } from './meter';
import type { PortFactory } from './wiring';

export const embedderPort: PortFactory<'embedder'> = {
  port: 'embedder',
  async build({ config }) {
    return new MeteredEmbedder(await embedderFor(config), meterFor(config));
  },
};

async function embedderFor(config: AppConfig): Promise<Embedder> {
  if (config.adapters.embedder === 'local') {
    const { LocalEmbedder } = await import('../embeddings/local-embedder');
    return new LocalEmbedder();
  }
  const { createBedrockEmbedder } = await import('../embeddings/bedrock-embedder');
  return createBedrockEmbedder(config);
}
