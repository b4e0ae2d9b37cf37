import { DependencyUnavailableError, type RagError } from '../errors';
import { toRagError } from './bedrock-runtime-errors';

/**
 * A DynamoDB failure as our error contract, for every DynamoDB adapter (conversations, usage). Throttling and
 * 5xx after the SDK's retries map as for every AWS client (toRagError). A ValidationException here means our
 * request does not fit the table (wrong key schema, an oversized item): a deployment fault, never the
 * caller's, so it is 503 rather than toRagError's 400.
 */
export function toDynamoDbError(error: unknown, operation: string): RagError {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'ValidationException') return new DependencyUnavailableError(`${operation} rejected by DynamoDB (ValidationException)`, { cause: error });
  return toRagError(error, operation);
}
