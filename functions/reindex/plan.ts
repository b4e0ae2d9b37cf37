import { z } from 'zod';
import { getServices } from '../../shared/container';
import { planReindexPage } from '../../shared/pipeline/reindex';
import { taskHandler } from '../task';

const schema = z
  .object({
    trigger: z.enum(['schedule', 'manual']).default('schedule'),
    cursor: z.object({ phase: z.enum(['documents', 'manifests']), token: z.string().optional() }).optional(),
  })
  .loose();

/** Re-index Task "PlanPage": one page of new, changed or deleted documents, and the cursor of the next. */
export const makeHandler = taskHandler(schema, (services, input) => planReindexPage(services, input.cursor));
export const handler = makeHandler(getServices);
