import { documentsPort, statePort } from './adapters/blob-store';
import { chunkerPort } from './adapters/chunker';
import { conversationsPort } from './adapters/conversations';
import { embedderPort } from './adapters/embedder';
import { checkPromptVersion, generatorPort } from './adapters/generator';
import { guardrailPort } from './adapters/guardrail';
import { manifestsPort } from './adapters/manifest-store';
import { rerankerPort } from './adapters/reranker';
import { usagePort } from './adapters/usage';
import { vectorsPort } from './adapters/vector-store';
import { workflowsPort } from './adapters/workflows';
import { Wiring } from './adapters/wiring';
import type { AppConfig } from './config/config';
import type { Services } from './pipeline/services';

export { useServices } from './adapters/wiring';

/**
 * Every port at once, for the local runtime, `npm run invoke`, the evaluation and tests. It imports
 * every adapter factory, so no Lambda handler imports it: each wires only its own ports through
 * `servicesFor` (shared/adapters/wiring.ts), and its bundle carries only those adapters.
 */
const everyPort = [
  documentsPort,
  statePort,
  embedderPort,
  manifestsPort,
  chunkerPort,
  vectorsPort,
  rerankerPort,
  generatorPort,
  guardrailPort,
  workflowsPort,
  conversationsPort,
  usagePort,
] as const;

/** Builds every port from configuration. `overrides` lets the local runtime and tests supply some. */
export async function createServices(config: AppConfig, overrides: Partial<Services> = {}): Promise<Services> {
  checkPromptVersion(config);
  return new Wiring(config, overrides).services(everyPort);
}
