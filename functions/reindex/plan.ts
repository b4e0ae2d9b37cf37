import { documentsPort } from '../../shared/adapters/blob-store';
import { chunkerPort } from '../../shared/adapters/chunker';
import { embedderPort } from '../../shared/adapters/embedder';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type PlanReindexPageDeps, planReindexPage } from '../../shared/pipeline/reindex';
import { taskHandler } from '../task';
import { planSchema } from './state';

/** Re-index Task "PlanPage": one page of new, changed or deleted documents, and the cursor of the next. */
export const makeHandler = taskHandler(planSchema, (services: PlanReindexPageDeps, input) => planReindexPage(services, input.cursor));
export const handler = makeHandler(servicesFor(documentsPort, manifestsPort, chunkerPort, embedderPort));
