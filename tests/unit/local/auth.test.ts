import { bearerToken, LocalAuth } from '../../../local/auth';

describe('local bearer tokens', () => {
  const auth = new LocalAuth([
    { token: 'acme-token', tenant: 'acme', admin: false },
    { token: 'globex-token', tenant: 'globex', admin: false },
    { token: 'operator-token', admin: true },
  ]);

  it('maps each configured token to its tenant, whatever its position in the list', () => {
    expect(auth.authenticate('Bearer acme-token')).toEqual({ ok: true, tenant: 'acme', admin: false });
    expect(auth.authenticate('Bearer globex-token')).toEqual({ ok: true, tenant: 'globex', admin: false });
    expect(auth.authenticate('bearer   globex-token ')).toEqual({ ok: true, tenant: 'globex', admin: false });
    expect(auth.authenticate('Bearer operator-token')).toEqual({ ok: true, admin: true });
  });

  it('refuses a token that is not configured, a prefix or an extension of one, and a different case', () => {
    for (const token of ['acme', 'acme-token2', 'ACME-TOKEN', 'globex-token\u0000', 'dev']) {
      expect(auth.authenticate(`Bearer ${token}`)).toEqual({ ok: false, reason: 'refused' });
    }
  });

  it('finds no token without the Bearer scheme or with more than one word', () => {
    for (const header of [undefined, '', 'acme-token', 'Basic YWNtZTp4', 'Bearer', 'Bearer ', 'Bearer acme-token extra', 'Bearer\tacme-token']) {
      expect(auth.authenticate(header)).toEqual({ ok: false, reason: 'missing' });
    }
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
  });

  it('needs at least one token', () => {
    expect(() => new LocalAuth([])).toThrow(RangeError);
  });
});
