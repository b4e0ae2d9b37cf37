import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SMOKE_EXIT_CODES, SmokeEndpointError } from '../../../../scripts/smoke/errors';
import { httpApiUrlOf } from '../../../../scripts/smoke/stack-endpoint';

/**
 * The real CloudFormation client over HTTP to a loopback server that answers DescribeStacks in
 * the service's wire format (the Query protocol: form-encoded request, XML response).
 */
const ns = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

function describeStacksXml(status: string, outputs: Record<string, string>): string {
  const members = Object.entries(outputs)
    .map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue><Description>d</Description></member>`)
    .join('');
  return `<DescribeStacksResponse xmlns="${ns}"><DescribeStacksResult><Stacks><member>
<StackName>serverless-rag-dev</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/serverless-rag-dev/1</StackId>
<CreationTime>2026-11-30T10:00:00.000Z</CreationTime><StackStatus>${status}</StackStatus><Outputs>${members}</Outputs>
</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeStacksResponse>`;
}

const missingStackXml = `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>ValidationError</Code>
<Message>Stack with id serverless-rag-dev does not exist</Message></Error><RequestId>r2</RequestId></ErrorResponse>`;

describe('httpApiUrlOf', () => {
  let server: Server;
  let client: CloudFormationClient;
  let answer: { status: number; body: string };
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        requests.push(body);
        res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new CloudFormationClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the HttpApiUrl output of the named stack', async () => {
    answer = {
      status: 200,
      body: describeStacksXml('UPDATE_COMPLETE', { HttpApiId: 'abc123', HttpApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }),
    };

    const url = await httpApiUrlOf(client, 'serverless-rag-dev');

    expect(url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com');
    const form = new URLSearchParams(requests.at(-1));
    expect(form.get('Action')).toBe('DescribeStacks');
    expect(form.get('StackName')).toBe('serverless-rag-dev');
  });

  it('accepts a stack whose last update rolled back: the previous version still serves', async () => {
    answer = { status: 200, body: describeStacksXml('UPDATE_ROLLBACK_COMPLETE', { HttpApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/' }) };

    await expect(httpApiUrlOf(client, 'serverless-rag-dev')).resolves.toBe('https://abc123.execute-api.eu-west-1.amazonaws.com');
  });

  it.each([
    [
      'a missing stack',
      { status: 400, body: missingStackXml },
      /Cannot read stack serverless-rag-dev: ValidationError: Stack with id serverless-rag-dev does not exist/,
    ],
    ['a stack without the output', { status: 200, body: describeStacksXml('CREATE_COMPLETE', { Other: 'x' }) }, /has no HttpApiUrl output/],
    ['a stack whose creation rolled back', { status: 200, body: describeStacksXml('ROLLBACK_COMPLETE', { HttpApiUrl: 'https://x' }) }, /is ROLLBACK_COMPLETE/],
  ])('fails with exit 3 on %s', async (_case, response, reason) => {
    answer = response;

    const attempt = httpApiUrlOf(client, 'serverless-rag-dev');

    await expect(attempt).rejects.toThrow(SmokeEndpointError);
    await expect(attempt).rejects.toThrow(reason);
    await expect(attempt).rejects.toMatchObject({ exitCode: SMOKE_EXIT_CODES.endpoint, step: 'resolve' });
  });
});
