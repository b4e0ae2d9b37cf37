import { ConfigurationError } from '../errors';
import type { PortFactory } from './wiring';

/** Step Functions; the local interpreter exists only inside the local runtime, which registers its own. */
export const workflowsPort: PortFactory<'workflows'> = {
  port: 'workflows',
  async build({ config }) {
    if (config.adapters.workflows === 'stepfunctions') {
      const { createStepFunctionsWorkflows } = await import('../workflows/step-functions-workflows');
      return createStepFunctionsWorkflows(config);
    }
    throw new ConfigurationError('RAG_WORKFLOWS=local is only available inside the local runtime (npm start), which provides its own');
  },
};
