import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { type LambdaHandler, withObservability } from '../shared/observability/handler-stack';
import type { Services } from '../shared/pipeline/services';

/**
 * Builds a state machine Task handler: validate the task input with its schema, run one
 * use-case, return its output. Errors keep their names so ASL Retry/Catch can match them.
 */
export function taskHandler<TSchema extends z.ZodType, TResult>(
  schema: TSchema,
  run: (services: Services, input: z.infer<TSchema>) => Promise<TResult>,
  labels: { correlationId?: (input: z.infer<TSchema>) => string | undefined; tenant?: (input: z.infer<TSchema>) => string | undefined } = {},
): (services: () => Promise<Services>) => LambdaHandler<unknown, TResult> {
  const parse = (event: unknown): z.infer<TSchema> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(
        'Invalid task input',
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
    }
    return parsed.data;
  };
  const pick = (event: unknown, label?: (input: z.infer<TSchema>) => string | undefined): string | undefined => {
    const parsed = schema.safeParse(event);
    return parsed.success && label ? label(parsed.data) : undefined;
  };
  return (services) =>
    withObservability(async (event: unknown, _context: Context): Promise<TResult> => run(await services(), parse(event)), {
      correlationId: (event) => pick(event, labels.correlationId),
      tenant: (event) => pick(event, labels.tenant),
    });
}
