import * as z from 'zod';
import type { ReindexCursor } from '../../shared/pipeline/reindex';
import type { Workflows } from '../../shared/workflows/workflows';
import { ingestionRequestSchema } from '../ingest/state';
import type { Assert, SchemaMatches } from '../task';

/** Input of each re-index Task, in full (statemachines/reindex.asl.json). */

/** Where the sweep resumes, at `$.plan.nextCursor`. */
export const reindexCursorSchema = z.object({ phase: z.enum(['documents', 'manifests']), token: z.string().min(1).optional() });
type _ReindexCursor = Assert<SchemaMatches<typeof reindexCursorSchema, ReindexCursor>>;

/**
 * Task "PlanPage" takes the whole state: the execution input ({"trigger"} from the schedule rule
 * or startReindex; whoever starts an execution owns its input, so other fields pass), then
 * NextPage's {trigger, cursor}. NextPage reads `$.trigger`, so the first page already needs it.
 */
export const planSchema = z.object({ trigger: z.enum(['schedule', 'manual']), cursor: reindexCursorSchema.optional() }).loose();
type _Trigger = Assert<SchemaMatches<typeof planSchema.shape.trigger, Parameters<Workflows['startReindex']>[0]>>;

/** Map Task "StartIngestion": one item of `$.plan.items`, as planReindexPage builds it, nothing else. */
export const startIngestionSchema = ingestionRequestSchema.strict();
