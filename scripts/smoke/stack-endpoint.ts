import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SmokeEndpointError } from './errors';

/**
 * Where a deployed stage serves its HTTP API: the `HttpApiUrl` output that Serverless Framework v3
 * adds to the stack of every service with `httpApi` events
 * (node_modules/serverless/lib/plugins/aws/package/compile/events/http-api.js).
 */
export const HTTP_API_URL_OUTPUT = 'HttpApiUrl';

/** Stack states in which no version of the API is deployed (an update in progress or rolled back still serves the old one). */
const NOT_SERVING = new Set([
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS',
  'DELETE_FAILED',
  'DELETE_COMPLETE',
  'REVIEW_IN_PROGRESS',
]);

/** Reads the stack's outputs through an injected CloudFormation client (region and credentials are the client's). */
export async function httpApiUrlOf(cloudFormation: Pick<CloudFormationClient, 'send'>, stackName: string): Promise<string> {
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const result = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = result.Stacks?.[0];
    if (!stack) throw new SmokeEndpointError(`Stack ${stackName} not found`, 'resolve');
    if (NOT_SERVING.has(stack.StackStatus ?? '')) {
      throw new SmokeEndpointError(`Stack ${stackName} is ${stack.StackStatus}: nothing deployed to test`, 'resolve');
    }
    outputs = stack.Outputs ?? [];
  } catch (error) {
    if (error instanceof SmokeEndpointError) throw error;
    // CloudFormation answers a missing stack with a 400 ValidationError "Stack with id X does not exist".
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new SmokeEndpointError(`Cannot read stack ${stackName}: ${message}`, 'resolve', { cause: error });
  }
  const url = outputs.find((output) => output.OutputKey === HTTP_API_URL_OUTPUT)?.OutputValue;
  if (!url) throw new SmokeEndpointError(`Stack ${stackName} has no ${HTTP_API_URL_OUTPUT} output`, 'resolve');
  return url.replace(/\/+$/, '');
}

/** The CLI's wiring: a client for the stack's region with explicit timeouts and a bounded retry budget. */
export function resolveHttpApiUrl(target: { stackName: string; region: string }): Promise<string> {
  const client = new CloudFormationClient({
    region: target.region,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 15_000 }),
  });
  return httpApiUrlOf(client, target.stackName).finally(() => client.destroy());
}
