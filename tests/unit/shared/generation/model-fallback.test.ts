import { DependencyUnavailableError, ThrottlingError, ValidationError } from '../../../../shared/errors';
import { type FallbackEvent, ModelFallbackChain } from '../../../../shared/generation/model-fallback';

const LABELS = { call: 'Converse', stream: 'ConverseStream', models: 'generation model' };
const PRIMARY = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FALLBACK = 'us.amazon.nova-2-lite-v1:0';

function sdkError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/** A chain whose models fail with the given errors (or answer with their own id) and remember each call. */
function chainOf(failures: Record<string, Error | undefined>) {
  const calls: string[] = [];
  const events: FallbackEvent[] = [];
  const chain = new ModelFallbackChain(Object.keys(failures), LABELS, (e) => events.push(e));
  const call = async (modelId: string) => {
    calls.push(modelId);
    const error = failures[modelId];
    if (error) throw error;
    return `answer from ${modelId}`;
  };
  return { chain, call, calls, events };
}

describe('ModelFallbackChain', () => {
  it.each([
    [
      'end of life',
      sdkError('ResourceNotFoundException', 404, 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.'),
      'end-of-life',
    ],
    ['not offered in the Region', sdkError('ValidationException', 400, 'The provided model identifier is invalid.'), 'not-offered'],
    [
      'profile required',
      sdkError(
        'ValidationException',
        400,
        `Invocation of model ID ${PRIMARY} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
      ),
      'not-offered',
    ],
    ['no access', sdkError('AccessDeniedException', 403, "You don't have access to the model with the specified model ID."), 'no-access'],
    ['throttled', sdkError('ThrottlingException', 429, 'Too many requests, please wait before trying again.'), 'throttled'],
    ['5xx', sdkError('ServiceUnavailableException', 503, 'Service unavailable'), 'unavailable'],
  ])('moves on when the primary is %s, and says which model answered and why', async (_label, error, reason) => {
    // Prepare
    const { chain, call, calls, events } = chainOf({ [PRIMARY]: error, [FALLBACK]: undefined });
    // Act
    const result = await chain.run(call);
    // Assess
    expect(result).toEqual({ value: `answer from ${FALLBACK}`, modelId: FALLBACK, fallbackUsed: true });
    expect(calls).toEqual([PRIMARY, FALLBACK]);
    expect(events).toEqual([{ from: PRIMARY, to: FALLBACK, reason }]);
  });

  it('answers from the primary without fallback when it works', async () => {
    // Prepare
    const { chain, call, events } = chainOf({ [PRIMARY]: undefined, [FALLBACK]: undefined });
    // Act
    const result = await chain.run(call);
    // Assess
    expect(result).toEqual({ value: `answer from ${PRIMARY}`, modelId: PRIMARY, fallbackUsed: false });
    expect(events).toEqual([]);
  });

  it('fails at once on a request validation error: the fallback is never called', async () => {
    // Prepare
    const invalid = sdkError('ValidationException', 400, 'Malformed input request: #/messages: expected minItems: 1');
    const { chain, call, calls, events } = chainOf({ [PRIMARY]: invalid, [FALLBACK]: undefined });
    // Act
    const error = await chain.run(call).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(calls).toEqual([PRIMARY]);
    expect(events).toEqual([]);
  });

  it('answers 503 naming every model and why when none can serve', async () => {
    // Prepare
    const { chain, call } = chainOf({
      [PRIMARY]: sdkError(
        'ResourceNotFoundException',
        404,
        'This model version has reached the end of its life. Please refer to the AWS documentation for more details.',
      ),
      [FALLBACK]: sdkError('AccessDeniedException', 403, "You don't have access to the model with the specified model ID."),
    });
    // Act
    const error = await chain.run(call).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).message).toBe(`No generation model is available (${PRIMARY}: end-of-life, ${FALLBACK}: no-access)`);
  });

  it('answers 429 when the last model is throttled after an earlier one was retired', async () => {
    // Prepare
    const { chain, call } = chainOf({
      [PRIMARY]: sdkError('ValidationException', 400, 'The provided model identifier is invalid.'),
      [FALLBACK]: sdkError('ThrottlingException', 429, 'Too many requests'),
    });
    // Act
    const error = await chain.run(call).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ThrottlingError);
  });
});
