import { QueryAdmission } from '../../../local/query-admission';

describe('QueryAdmission (local/query-admission.ts)', () => {
  it('admits up to maxInFlight queries, refuses the next, and admits again once one is released', () => {
    // Prepare
    const admission = new QueryAdmission({ maxInFlight: 2, retryAfterSeconds: 1 });

    // Act
    const first = admission.tryAdmit();
    const second = admission.tryAdmit();
    const third = admission.tryAdmit();
    first?.();
    const fourth = admission.tryAdmit();

    // Assess
    expect([first, second, fourth].every((release) => typeof release === 'function')).toBe(true);
    expect(third).toBeUndefined();
    expect(admission.inFlight).toBe(2);
    expect(admission.refused).toBe(1);
  });

  it('releases a slot once, however often the release is called', () => {
    const admission = new QueryAdmission({ maxInFlight: 1, retryAfterSeconds: 1 });

    const release = admission.tryAdmit();
    release?.();
    release?.();

    expect(admission.inFlight).toBe(0);
    expect(admission.tryAdmit()).toBeDefined();
    expect(admission.tryAdmit()).toBeUndefined();
  });

  it.each([
    [{ maxInFlight: 0, retryAfterSeconds: 1 }, /maxInFlight/],
    [{ maxInFlight: 1.5, retryAfterSeconds: 1 }, /maxInFlight/],
    [{ maxInFlight: 4, retryAfterSeconds: 0 }, /retryAfterSeconds/],
  ])('rejects %j at construction', (options, message) => {
    expect(() => new QueryAdmission(options)).toThrow(message);
  });
});
