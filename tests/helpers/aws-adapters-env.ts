/**
 * The settings every "service on AWS adapters over emulators" test shares: S3 for documents and state,
 * Titan embeddings on the Bedrock emulator, small chunks for small fixtures, no background work. Each
 * test adds its vector store, reranker and generator.
 */
export function awsAdaptersEnv(options: { dataDir: string; s3Endpoint: string; bedrockUrl: string }): Record<string, string> {
  return {
    RAG_DATA_DIR: options.dataDir,
    PORT: '0',
    RAG_SAMPLES: 'off',
    RAG_WATCH: 'off',
    RAG_REINDEX_INTERVAL_SECONDS: '0',
    AWS_REGION: 'us-east-1',
    RAG_AWS_MAX_ATTEMPTS: '3',
    RAG_BLOB_STORE: 's3',
    RAG_DOCUMENTS_BUCKET: 'rag-docs',
    RAG_STATE_BUCKET: 'rag-state',
    RAG_S3_ENDPOINT: options.s3Endpoint,
    RAG_S3_FORCE_PATH_STYLE: 'on',
    RAG_EMBEDDER: 'bedrock-titan',
    RAG_EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
    RAG_EMBEDDING_DIMENSIONS: '256',
    RAG_BEDROCK_ENDPOINT: options.bedrockUrl,
    RAG_EMBED_BATCH_SIZE: '4',
    RAG_CHUNK_SIZE: '300',
    RAG_CHUNK_OVERLAP: '40',
  };
}
