import { MOTO_CREDENTIALS, MOTO_REGION, motoEndpoint } from './moto-env';

/**
 * A minimal AWS JSON-protocol caller for the services the moto suites only drive as scaffolding (SQS
 * as an EventBridge target, EventBridge itself): the project has no adapter for them and their SDK
 * clients are not among its dependencies. moto routes a request by the service named in the
 * Authorization header's credential scope and verifies no signature, so the header carries just that.
 * Timestamps go on the wire as epoch seconds, as the awsJson protocols serialise them.
 */
const PROTOCOLS = {
  sqs: { targetPrefix: 'AmazonSQS', contentType: 'application/x-amz-json-1.0' },
  events: { targetPrefix: 'AWSEvents', contentType: 'application/x-amz-json-1.1' },
} as const;

export type JsonService = keyof typeof PROTOCOLS;

export async function callMotoJson<T>(service: JsonService, operation: string, body: Record<string, unknown>): Promise<T> {
  const { targetPrefix, contentType } = PROTOCOLS[service];
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const response = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-amz-target': `${targetPrefix}.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/${date}/${MOTO_REGION}/${service}/aws4_request, SignedHeaders=host, Signature=unsigned`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} ${operation} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}
