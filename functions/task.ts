import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { type LambdaHandler, withObservability } from '../shared/observability/handler-stack';

/**
 * Builds a state machine Task handler: validate the task input with its schema, run one
 * use-case with the ports it declares (`deps`, its `Pick<Services, ...>`), return its output.
 * Errors keep their names so ASL Retry/Catch can match them: an input that breaks the schema is a
 * `ValidationError` with one issue per field, and the use-case never sees it.
 */
export function taskHandler<TSchema extends z.ZodType, TDeps, TResult>(
  schema: TSchema,
  run: (deps: TDeps, input: z.infer<TSchema>) => Promise<TResult>,
  labels: { correlationId?: (input: z.infer<TSchema>) => string | undefined; tenant?: (input: z.infer<TSchema>) => string | undefined } = {},
): (deps: () => Promise<TDeps>) => LambdaHandler<unknown, TResult> {
  const parse = (event: unknown): z.infer<TSchema> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(
        'Invalid task input',
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(input)', message: issue.message })),
      );
    }
    return parsed.data;
  };
  const pick = (event: unknown, label?: (input: z.infer<TSchema>) => string | undefined): string | undefined => {
    const parsed = schema.safeParse(event);
    return parsed.success && label ? label(parsed.data) : undefined;
  };
  return (deps) =>
    withObservability(
      async (event: unknown, _context: Context): Promise<TResult> => {
        const input = parse(event);
        return run(await deps(), input);
      },
      {
        correlationId: (event) => pick(event, labels.correlationId),
        tenant: (event) => pick(event, labels.tenant),
      },
    );
}

type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
/** A type without its string index signature: what a `.loose()` object schema declares. */
type Declared<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/** Fails to compile unless its argument is `true`. */
export type Assert<T extends true> = T;

/**
 * True when a schema describes exactly a use-case type, field for field and optional for
 * optional (a `.loose()` schema's index signature aside). `type _Check = Assert<SchemaMatches<typeof
 * schema, UseCaseType>>` stops compiling when the two drift apart.
 */
export type SchemaMatches<TSchema extends z.ZodType, T> = Same<Declared<z.output<TSchema>>, T>;
