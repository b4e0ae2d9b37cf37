import { getServices } from '../../shared/container';
import { planReindexPage } from '../../shared/pipeline/reindex';
import { taskHandler } from '../task';
import { planSchema } from './state';

/** Re-index Task "PlanPage": one page of new, changed or deleted documents, and the cursor of the next. */
export const makeHandler = taskHandler(planSchema, (services, input) => planReindexPage(services, input.cursor));
export const handler = makeHandler(getServices);
