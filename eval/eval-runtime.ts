import { LocalWorkflows } from '../local/asl-workflows';
import type { AppConfig } from '../shared/config/config';
import { createServices, useServices } from '../shared/container';
import type { QueryResponse, QueryWorkflowInput } from '../shared/contracts/query';
import type { Services } from '../shared/pipeline/services';

/**
 * The product as `npm start` runs it, minus HTTP: the query and ingest state machines (the same ASL files)
 * in the local interpreter, every Task bound to its real handler, the handlers reading the services built
 * here. Answers are measured through `runQuery`, so the evaluation cannot drift from the state machine.
 */
export interface EvalRuntime {
  services: Services;
  /** The ASL interpreter: `runQuery` for answers, `startIngestion` + `settle` for the ingestion proof. */
  workflows: LocalWorkflows;
  runQuery(input: QueryWorkflowInput): Promise<QueryResponse>;
  close(): Promise<void>;
}

// The handlers find their services through one process-wide registration (useServices), as in `npm start`.
let open = false;

/** `overrides` replaces ports as the local runtime's tests do (e.g. a generator that records what it is given). */
export async function openEvalRuntime(config: AppConfig, overrides: Partial<Omit<Services, 'config' | 'workflows'>> = {}): Promise<EvalRuntime> {
  if (open) throw new Error('An evaluation runtime is already open in this process: its handlers share one set of services');
  open = true;
  try {
    const workflows = await LocalWorkflows.create();
    const services = await createServices(config, { ...overrides, workflows });
    useServices(services);
    return {
      services,
      workflows,
      runQuery: (input) => workflows.runQuery(input),
      close: async () => {
        try {
          await workflows.settle();
          await services.vectors.close?.();
        } finally {
          useServices(undefined);
          open = false;
        }
      },
    };
  } catch (error) {
    open = false;
    throw error;
  }
}
