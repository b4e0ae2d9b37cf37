import type { AppConfig } from '../config/config';
import type { QueryResponse } from '../contracts/query';
import type { ConversationStore } from '../conversations/conversation-store';
import type { Chunker } from '../documents/chunker';
import type { Embedder } from '../embeddings/embedder';
import type { Generator } from '../generation/generator';
import type { Guardrail } from '../guardrails/guardrail';
import type { Reranker } from '../rerank/reranker';
import type { BlobStore } from '../storage/blob-store';
import type { VectorStore } from '../vectors/vector-store';
import type { UsageRecorder } from '../usage/recorder';
import type { Workflows } from '../workflows/workflows';
import type { ManifestStore } from './manifest';

/**
 * Every port the use-cases need, each built from configuration by its factory in shared/adapters/ (or
 * supplied by a test). A use-case takes the ports it uses, `Pick<Services, ...>`, never the whole set.
 */
export interface Services {
  config: AppConfig;
  /** The documents users upload (S3 bucket / local folder), keyed `<tenant>/<path>`. */
  documents: BlobStore;
  /** Manifests and work files of ingestion. */
  state: BlobStore;
  manifests: ManifestStore;
  chunker: Chunker;
  embedder: Embedder;
  vectors: VectorStore;
  /** Absent when reranking is switched off. */
  reranker?: Reranker;
  generator: Generator;
  guardrail: Guardrail;
  workflows: Workflows;
  /** Sessions, the answer cache and each tenant's index generation. */
  conversations: ConversationStore<QueryResponse>;
  /** Usage records, sums and budgets (shared/usage/). */
  usage: UsageRecorder;
}
