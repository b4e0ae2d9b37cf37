import { classifyBedrockFailure, modelUnavailableReason, toRagError } from '../../../../shared/aws/bedrock-runtime-errors';
import { DependencyUnavailableError, ThrottlingError, ValidationError } from '../../../../shared/errors';

/** An error shaped as the AWS SDK v3 throws them (name, message, $fault, $metadata). */
function sdkError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

// Messages as Bedrock sent them, quoted in public issue threads (read 2026-11-30); literal here on
// purpose, so a change to the emulator's strings cannot make this test pass by itself.
const END_OF_LIFE = sdkError(
  'ResourceNotFoundException',
  404,
  'This model version has reached the end of its life. Please refer to the AWS documentation for more details.',
);
const LEGACY_INACTIVE = sdkError(
  'ResourceNotFoundException',
  404,
  'Access denied. This Model is marked by provider as Legacy and you have not been actively using the model in the last 30 days. Please upgrade to an active model on Amazon Bedrock',
);
const INVALID_IDENTIFIER = sdkError('ValidationException', 400, 'The provided model identifier is invalid.');
const PROFILE_REQUIRED = sdkError(
  'ValidationException',
  400,
  'Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.',
);
const NO_ACCESS = sdkError('AccessDeniedException', 403, "You don't have access to the model with the specified model ID.");
// ministryofjustice/modernisation-platform-environments#18323 quotes this message but not its
// exception name; Bedrock's access errors are AccessDeniedException, which is what is asserted.
const MARKETPLACE = sdkError(
  'AccessDeniedException',
  403,
  'Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model.',
);
const BAD_INPUT = sdkError('ValidationException', 400, '400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: 9000');

describe('classifyBedrockFailure', () => {
  it.each([
    ['end of life', END_OF_LIFE, 'end-of-life'],
    ['Legacy model, account inactive', LEGACY_INACTIVE, 'no-access'],
    ['model id unknown in the Region', INVALID_IDENTIFIER, 'not-offered'],
    ['bare id that needs an inference profile', PROFILE_REQUIRED, 'not-offered'],
    ['model access not granted', NO_ACCESS, 'no-access'],
    ['marketplace subscription not allowed', MARKETPLACE, 'no-access'],
  ])('calls "%s" model-unavailable (%s)', (_label, error, reason) => {
    // Act / Assess
    expect(classifyBedrockFailure(error)).toBe('model-unavailable');
    expect(modelUnavailableReason(error)).toBe(reason);
  });

  it('keeps a request validation error rejected: no model would accept it', () => {
    // Act / Assess
    expect(classifyBedrockFailure(BAD_INPUT)).toBe('rejected');
    expect(modelUnavailableReason(BAD_INPUT)).toBeUndefined();
  });

  it('keeps throttling and 5xx as before', () => {
    // Act / Assess
    expect(classifyBedrockFailure(sdkError('ThrottlingException', 429, 'Too many requests'))).toBe('throttled');
    expect(classifyBedrockFailure(sdkError('ServiceUnavailableException', 503, 'down'))).toBe('unavailable');
    expect(classifyBedrockFailure(sdkError('ModelNotReadyException', 429, 'not ready'))).toBe('throttled');
    expect(classifyBedrockFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('unavailable');
  });
});

describe('classifyBedrockFailure: Smithy decides what it knows', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it.each([
    // SlowDown and the wrapped reset are what this module's own name lists got wrong before Smithy.
    { label: 'S3 SlowDown (503, a throttle in Smithy)', kind: 'throttled', error: sdkError('SlowDown', 503, 'Please reduce your request rate.') },
    { label: 'a throttling name without a status', kind: 'throttled', error: Object.assign(new Error('slow'), { name: 'TooManyRequestsException' }) },
    { label: '502 Bad Gateway', kind: 'unavailable', error: sdkError('BadGatewayException', 502, 'bad gateway') },
    {
      label: '501 without a fault trait, a 5xx outside the transient list',
      kind: 'unavailable',
      error: Object.assign(new Error('no'), { name: 'NotImplemented', $metadata: { httpStatusCode: 501 } }),
    },
    { label: 'a DNS failure', kind: 'unavailable', error: withCode('ENOTFOUND') },
    { label: "the HTTP handler's timeout", kind: 'unavailable', error: Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }) },
    { label: 'an error caused by a reset socket', kind: 'unavailable', error: Object.assign(new Error('wrapped'), { cause: withCode('ECONNRESET') }) },
  ])('$label is $kind', ({ error, kind }) => {
    // Act / Assess
    expect(classifyBedrockFailure(error)).toBe(kind);
  });

  it('calls an aborted call rejected, as Smithy does: the caller cancelled, no other model should be tried', () => {
    // Prepare
    const aborted = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    // Act / Assess
    expect(classifyBedrockFailure(aborted)).toBe('rejected');
  });

  it('judges anything thrown that is not an object without reading its properties', () => {
    // Act / Assess
    for (const thrown of ['boom', null, undefined, 42]) expect(classifyBedrockFailure(thrown)).toBe('rejected');
  });
});

describe('classifyBedrockFailure: what only Bedrock says', () => {
  it.each([
    {
      label: 'a service quota exceeded (400, not 429)',
      kind: 'throttled',
      error: sdkError('ServiceQuotaExceededException', 400, 'Your request exceeds the service quota for your account.'),
    },
    { label: 'a model timeout (408)', kind: 'unavailable', error: sdkError('ModelTimeoutException', 408, 'Model has timed out in processing the request.') },
    { label: 'a model stream error (424)', kind: 'unavailable', error: sdkError('ModelStreamErrorException', 424, 'Model stream error') },
    {
      // As ConverseStream surfaces it after a 200: the modelled class, $fault server, no $metadata (SDK 3.1164).
      label: 'a server exception event mid-stream',
      kind: 'unavailable',
      error: Object.assign(new Error('Stream failed'), { name: 'InternalServerException', $fault: 'server', $metadata: undefined }),
    },
    { label: 'a response body closed early', kind: 'unavailable', error: Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }) },
  ])('$label is $kind', ({ error, kind }) => {
    // Act / Assess
    expect(classifyBedrockFailure(error)).toBe(kind);
  });
});

describe('toRagError', () => {
  it('maps an unavailable model to 503 with its reason, not to a 400 blaming the input', () => {
    // Act
    const eol = toRagError(END_OF_LIFE, 'Converse x');
    const offered = toRagError(INVALID_IDENTIFIER, 'InvokeModel y');
    // Assess
    expect(eol).toBeInstanceOf(DependencyUnavailableError);
    expect(eol.message).toBe('Converse x failed: ResourceNotFoundException (end-of-life)');
    expect(offered).toBeInstanceOf(DependencyUnavailableError);
    expect(offered.message).toContain('(not-offered)');
  });

  it('still maps input validation to ValidationError and throttling to ThrottlingError', () => {
    // Act / Assess
    expect(toRagError(BAD_INPUT, 'InvokeModel titan')).toBeInstanceOf(ValidationError);
    expect(toRagError(sdkError('ThrottlingException', 429, 'slow'), 'Converse x')).toBeInstanceOf(ThrottlingError);
  });

  it('maps S3 SlowDown to ThrottlingError (429 with Retry-After), not to an outage', () => {
    // Act
    const mapped = toRagError(sdkError('SlowDown', 503, 'Please reduce your request rate.'), 'S3 PutObject k');
    // Assess
    expect(mapped).toBeInstanceOf(ThrottlingError);
    expect(mapped.message).toBe('S3 PutObject k throttled after retries (SlowDown)');
  });
});
