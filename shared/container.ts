import type { AppConfig } from './config/config';
import { loadConfig } from './config/config';
import { ConfigurationError } from './errors';
import { Chunker } from './documents/chunker';
import type { Embedder } from './embeddings/embedder';
import type { Generator } from './generation/generator';
import type { Guardrail } from './guardrails/guardrail';
import type { Reranker } from './rerank/reranker';
import type { BlobStore } from './storage/blob-store';
import type { VectorStore } from './vectors/vector-store';
import type { Workflows } from './workflows/workflows';
import { ManifestStore } from './pipeline/manifest';
import { loadPrompt } from './prompts/index';
import type { Services } from './pipeline/services';

/**
 * Wires one adapter per port from configuration: the only place that knows every adapter.
 * AWS adapters are imported lazily so the embedded runtime never loads an AWS SDK client, and
 * the embedded ones lazily so a Lambda bundle never initialises LanceDB.
 */
async function createBlobStore(config: AppConfig, which: 'documents' | 'state'): Promise<BlobStore> {
  if (config.adapters.blobStore === 's3') {
    const { createS3BlobStore } = await import('./storage/s3-blob-store');
    const bucket = which === 'documents' ? config.aws.documentsBucket : config.aws.stateBucket;
    if (!bucket) throw new ConfigurationError(`Missing bucket for the ${which} store`);
    return createS3BlobStore(config, bucket);
  }
  const { FilesystemBlobStore } = await import('./storage/filesystem-blob-store');
  return new FilesystemBlobStore(which === 'documents' ? config.local.documentsDir : config.local.stateDir);
}

async function createEmbedder(config: AppConfig): Promise<Embedder> {
  if (config.adapters.embedder === 'local') {
    const { LocalEmbedder } = await import('./embeddings/local-embedder');
    return new LocalEmbedder();
  }
  const { createBedrockEmbedder } = await import('./embeddings/bedrock-embedder');
  return createBedrockEmbedder(config);
}

async function createVectorStore(config: AppConfig, dimensions: number): Promise<VectorStore> {
  if (config.adapters.vectorStore === 's3vectors') {
    const { createS3VectorsStore } = await import('./vectors/s3-vectors-store');
    return createS3VectorsStore(config, dimensions);
  }
  if (config.adapters.vectorStore === 'knowledge-base') {
    // The Knowledge Base embeds the text itself (VectorStore.embedsText): `dimensions` is its concern.
    const { createKnowledgeBaseStore } = await import('./vectors/knowledge-base-store');
    return createKnowledgeBaseStore(config);
  }
  const { LanceDbVectorStore } = await import('./vectors/lancedb-store');
  // The default hybrid weights assume the lexical local embedder (a weaker copy of BM25); a
  // semantic model (Titan, Cohere) brings what BM25 lacks and gets equal weight.
  return LanceDbVectorStore.open({
    directory: config.local.vectorsUri,
    dimensions,
    ...(config.adapters.embedder === 'local' ? {} : { hybrid: { vectorWeight: 1 } }),
  });
}

async function createReranker(config: AppConfig): Promise<Reranker | undefined> {
  switch (config.adapters.reranker) {
    case 'none':
      return undefined;
    case 'bedrock': {
      const { createBedrockReranker } = await import('./rerank/bedrock-reranker');
      return createBedrockReranker(config);
    }
    default: {
      const { LocalReranker } = await import('./rerank/local-reranker');
      return new LocalReranker();
    }
  }
}

async function createGenerator(config: AppConfig): Promise<Generator> {
  switch (config.adapters.generator) {
    case 'bedrock-converse': {
      const { createConverseGenerator } = await import('./generation/bedrock-converse-generator');
      return createConverseGenerator(config);
    }
    case 'bedrock-knowledge-base': {
      const { createKnowledgeBaseGenerator } = await import('./generation/bedrock-knowledge-base-generator');
      return createKnowledgeBaseGenerator(config);
    }
    default: {
      const { ExtractiveGenerator } = await import('./generation/extractive-generator');
      return new ExtractiveGenerator();
    }
  }
}

async function createGuardrail(config: AppConfig): Promise<Guardrail> {
  if (config.adapters.guardrail === 'bedrock') {
    const { createBedrockGuardrail } = await import('./guardrails/bedrock-guardrail');
    return createBedrockGuardrail(config);
  }
  const { LocalGuardrail } = await import('./guardrails/local-guardrail');
  return new LocalGuardrail();
}

async function createWorkflows(config: AppConfig): Promise<Workflows> {
  if (config.adapters.workflows === 'stepfunctions') {
    const { createStepFunctionsWorkflows } = await import('./workflows/step-functions-workflows');
    return createStepFunctionsWorkflows(config);
  }
  throw new ConfigurationError('RAG_WORKFLOWS=local is only available inside the local runtime (npm start), which provides its own');
}

/** Builds every port from configuration. `overrides` lets the local runtime and tests supply some. */
export async function createServices(config: AppConfig, overrides: Partial<Services> = {}): Promise<Services> {
  // Fail at start, not on the first question, when the configured prompt version does not exist.
  loadPrompt(config.adapters.generator === 'bedrock-knowledge-base' ? 'knowledge-base' : 'answer', config.query.promptVersion);
  const documents = overrides.documents ?? (await createBlobStore(config, 'documents'));
  const state = overrides.state ?? (await createBlobStore(config, 'state'));
  const embedder = overrides.embedder ?? (await createEmbedder(config));
  const services: Services = {
    config,
    documents,
    state,
    manifests: overrides.manifests ?? new ManifestStore(state),
    chunker: overrides.chunker ?? new Chunker({ size: config.ingestion.chunkSize, overlap: config.ingestion.chunkOverlap }),
    embedder,
    vectors: overrides.vectors ?? (await createVectorStore(config, embedder.dimensions)),
    reranker: 'reranker' in overrides ? overrides.reranker : await createReranker(config),
    generator: overrides.generator ?? (await createGenerator(config)),
    guardrail: overrides.guardrail ?? (await createGuardrail(config)),
    workflows: overrides.workflows ?? (await createWorkflows(config)),
  };
  return services;
}

let current: Promise<Services> | undefined;

/**
 * The services of this process, built once (outside the invocation, reused while warm).
 * The local runtime registers its own with `useServices` before any handler runs.
 */
export function getServices(): Promise<Services> {
  current ??= createServices(loadConfig());
  return current;
}

export function useServices(services: Services | undefined): void {
  current = services ? Promise.resolve(services) : undefined;
}
