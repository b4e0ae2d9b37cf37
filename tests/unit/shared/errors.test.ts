import { ConfigurationError, DependencyUnavailableError, describeError, exposedErrorDescription, ThrottlingError } from '../../../shared/errors';

describe('exposedErrorDescription (what a stream error event may tell the caller)', () => {
  it('passes the message of an exposed error class on as it is', () => {
    const throttled = describeError(new ThrottlingError('Every model is throttling requests'));
    const down = describeError(new DependencyUnavailableError('The model stream broke'));

    expect(exposedErrorDescription(throttled)).toEqual({ name: 'ThrottlingError', message: 'Every model is throttling requests' });
    expect(exposedErrorDescription(down)).toEqual(down);
  });

  it('keeps the name but not the message of anything else: configuration, ARNs and AWS texts stay inside', () => {
    const secret = describeError(new ConfigurationError('RAG_GUARDRAIL_ID gr-123 of arn:aws:iam::123456789012:role/x is invalid'));
    const aws = { name: 'ModelStreamErrorException', message: 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized' };

    expect(exposedErrorDescription(secret)).toEqual({ name: 'ConfigurationError', message: 'The answer could not be completed' });
    expect(exposedErrorDescription(aws).message).not.toMatch(/arn:|123456789012/);
    expect(exposedErrorDescription(aws).name).toBe('ModelStreamErrorException');
  });
});
