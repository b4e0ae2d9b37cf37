import { z } from 'zod';
import type { QueryWorkflowInput } from '../../shared/pipeline/query-contract';
import type { QueryState } from '../../shared/pipeline/query';

/** The query state machine's input, as ValidateQuery receives it (its contents are checked by validateQuery). */
export const workflowInputSchema = z.custom<QueryWorkflowInput>(
  (value) => typeof value === 'object' && value !== null && 'tenant' in value && 'requestId' in value,
  'must carry tenant and requestId',
);

/** The state after ValidateQuery and GuardInput, as later Tasks receive it. */
export const queryStateSchema = z.custom<QueryState>(
  (value) => typeof value === 'object' && value !== null && 'query' in value && 'inputGuard' in value,
  'must carry query and inputGuard',
);

export const labels = {
  correlationId: (state: { requestId?: string }) => state.requestId,
  tenant: (state: { tenant?: string }) => state.tenant,
};
