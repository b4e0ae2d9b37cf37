import { type AppConfig, type Env, loadConfig } from '../shared/config/config';

/**
 * The configuration every bench run starts from: its own data folder, any free port, no samples, no folder
 * watcher and no re-index timer (the bench drives ingestion itself); `extra` adds what the run measures.
 */
export function benchConfig(dataDir: string, extra: Partial<Record<keyof Env, string>> = {}): AppConfig {
  return loadConfig({ RAG_DATA_DIR: dataDir, PORT: '0', RAG_SAMPLES: 'off', RAG_WATCH: 'off', RAG_REINDEX_INTERVAL_SECONDS: '0', ...extra });
}
