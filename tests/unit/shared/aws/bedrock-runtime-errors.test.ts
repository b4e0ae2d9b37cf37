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
});
