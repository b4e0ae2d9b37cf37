import { embedderPort } from './embedder';
import type { PortFactory } from './wiring';

/**
 * The index for the embedder's vectors (their dimensions come from it). The embedded LanceDB store is
 * imported lazily too, so a Lambda bundle never initialises LanceDB.
 */
export const vectorsPort: PortFactory<'vectors'> = {
  port: 'vectors',
  async build(wiring) {
    const { config } = wiring;
    if (config.adapters.vectorStore === 's3vectors') {
      const { createS3VectorsStore } = await import('../vectors/s3-vectors-store');
      return createS3VectorsStore(config, (await wiring.use(embedderPort)).dimensions);
    }
    if (config.adapters.vectorStore === 'knowledge-base') {
      // The Knowledge Base embeds the text itself (VectorStore.embedsText): dimensions are its concern.
      const { createKnowledgeBaseStore } = await import('../vectors/knowledge-base-store');
      return createKnowledgeBaseStore(config);
    }
    const { LanceDbVectorStore } = await import('../vectors/lancedb-store');
    // The default hybrid weights assume the lexical local embedder (a weaker copy of BM25); a
    // semantic model (Titan, Cohere) brings what BM25 lacks and gets equal weight.
    return LanceDbVectorStore.open({
      directory: config.local.vectorsUri,
      dimensions: (await wiring.use(embedderPort)).dimensions,
      cacheBytes: config.local.lanceDbCacheBytes,
      ...(config.adapters.embedder === 'local' ? {} : { hybrid: { vectorWeight: 1 } }),
    });
  },
};
