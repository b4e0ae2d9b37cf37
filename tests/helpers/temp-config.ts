import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AppConfig, loadConfig } from '../../shared/config/config';
import type { Embedder, EmbeddingPurpose, EmbeddingResult } from '../../shared/embeddings/embedder';

/** A configuration rooted in a fresh temp folder: never touches the user's .rag/. */
export async function tempConfig(env: Record<string, string> = {}): Promise<{ config: AppConfig; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-test-'));
  const config = loadConfig({
    RAG_DATA_DIR: dir,
    PORT: '0',
    RAG_SAMPLES: 'off',
    RAG_REINDEX_INTERVAL_SECONDS: '0',
    ...env,
  });
  return { config, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Wraps an embedder and counts the texts it is asked to embed (proves "no embedding calls"). */
export class CountingEmbedder implements Embedder {
  calls = 0;
  texts = 0;
  constructor(private readonly inner: Embedder) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  get dimensions(): number {
    return this.inner.dimensions;
  }
  get batchSize(): number {
    return this.inner.batchSize;
  }
  async embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    this.calls += 1;
    this.texts += texts.length;
    return this.inner.embed(texts, purpose);
  }
}
