import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { jwtAuthenticator } from '../../../../functions/api/jwt';
import type { HttpEvent } from '../../../../functions/api/http';
import { DependencyUnavailableError, UnauthorizedError } from '../../../../shared/errors';

/**
 * The streaming function URL has no authorizer in front of it: this authenticator is the only thing
 * between the internet and a tenant's answers. A real issuer over HTTP (OIDC discovery, then the JWKS),
 * tokens signed by its key and by a stranger's.
 */
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

const AUDIENCE = 'rag-api-client';
let server: Server;
let issuer: string;
let issuerKey: KeyPair;
let strangerKey: KeyPair;
let publicJwk: JWK;
let jwksStatus = 200;

const eventWith = (authorization?: string): HttpEvent =>
  ({
    headers: authorization ? { authorization } : {},
    requestContext: { requestId: 'req-1' },
  }) as unknown as HttpEvent;

const sign = (
  claims: Record<string, unknown>,
  key: KeyPair = issuerKey,
  options: { issuer?: string; audience?: string | null; expiresIn?: string | null } = {},
) => {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.issuer ?? issuer)
    .setIssuedAt();
  if (options.audience !== null) jwt.setAudience(options.audience ?? AUDIENCE);
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(key.privateKey);
};

beforeAll(async () => {
  issuerKey = await generateKeyPair('RS256');
  strangerKey = await generateKeyPair('RS256');
  publicJwk = { ...(await exportJWK(issuerKey.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    } else if (req.url === '/jwks.json') {
      res.writeHead(jwksStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  jwksStatus = 200;
});

describe('jwtAuthenticator (the streaming function URL checks the JWT itself)', () => {
  it('hands on the claims of a token the issuer signed for our audience, where the HTTP API authorizer puts them', async () => {
    // Prepare
    const authenticate = jwtAuthenticator({ issuer, audience: [AUDIENCE] });
    const token = await sign({ 'custom:tenant': 'acme', sub: 'user-1' });

    // Act
    const event = await authenticate(eventWith(`Bearer ${token}`));

    // Assess
    expect(event.requestContext.authorizer?.jwt?.claims).toMatchObject({ 'custom:tenant': 'acme', sub: 'user-1', iss: issuer, aud: AUDIENCE });
  });

  it('takes an access token that names our client in client_id and has no aud, as the HTTP API authorizer does', async () => {
    // Prepare
    const authenticate = jwtAuthenticator({ issuer, audience: [AUDIENCE] });
    const token = await sign({ client_id: AUDIENCE, token_use: 'access', 'custom:tenant': 'acme' }, issuerKey, { audience: null });

    // Act
    const event = await authenticate(eventWith(`Bearer ${token}`));

    // Assess
    expect(event.requestContext.authorizer?.jwt?.claims).toMatchObject({ client_id: AUDIENCE, 'custom:tenant': 'acme' });
  });

  it.each([
    ['no Authorization header', async () => undefined],
    ['a header that is not a bearer token', async () => 'Basic dXNlcjpwYXNz'],
    ['a token signed by another key', async () => `Bearer ${await sign({ 'custom:tenant': 'acme' }, strangerKey)}`],
    ['a token from another issuer', async () => `Bearer ${await sign({ 'custom:tenant': 'acme' }, issuerKey, { issuer: 'https://evil.example.com' })}`],
    ['a token for another audience', async () => `Bearer ${await sign({ 'custom:tenant': 'acme' }, issuerKey, { audience: 'another-client' })}`],
    [
      'a token that never expires (no exp: the HTTP API authorizer refuses it too)',
      async () => `Bearer ${await sign({ 'custom:tenant': 'acme' }, issuerKey, { expiresIn: null })}`,
    ],
    ['a token with neither aud nor client_id', async () => `Bearer ${await sign({ 'custom:tenant': 'acme' }, issuerKey, { audience: null })}`],
    ['a token whose client_id is another client', async () => `Bearer ${await sign({ client_id: 'another-client' }, issuerKey, { audience: null })}`],
    ['an expired token', async () => `Bearer ${await sign({ 'custom:tenant': 'acme' }, issuerKey, { expiresIn: '-1m' })}`],
    [
      'a token with its payload swapped',
      async () => {
        const [header, , signature] = (await sign({ 'custom:tenant': 'acme' })).split('.');
        const forged = Buffer.from(JSON.stringify({ 'custom:tenant': 'other', iss: issuer, aud: AUDIENCE, exp: 9_999_999_999 })).toString('base64url');
        return `Bearer ${header}.${forged}.${signature}`;
      },
    ],
    ['something that is not a JWT', async () => 'Bearer not-a-jwt'],
  ])('refuses %s with 401', async (_what, header) => {
    // Prepare
    const authenticate = jwtAuthenticator({ issuer, audience: [AUDIENCE] });

    // Act
    const outcome = authenticate(eventWith(await header()));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('answers 503, not 401, when the issuer cannot be reached, and tries again on the next request', async () => {
    // Prepare: the first discovery fails, the next reaches the real issuer.
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls === 1) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const authenticate = jwtAuthenticator({ issuer, audience: [AUDIENCE] }, flaky);
    const token = await sign({ 'custom:tenant': 'acme' });

    // Act
    const first = authenticate(eventWith(`Bearer ${token}`));
    await expect(first).rejects.toBeInstanceOf(DependencyUnavailableError);
    const second = await authenticate(eventWith(`Bearer ${token}`));

    // Assess
    expect(second.requestContext.authorizer?.jwt?.claims['custom:tenant']).toBe('acme');
    expect(calls).toBe(2);
  });

  it('answers 503 when the key set answers an error', async () => {
    // Prepare
    jwksStatus = 500;
    const authenticate = jwtAuthenticator({ issuer, audience: [AUDIENCE] });

    // Act
    const outcome = authenticate(eventWith(`Bearer ${await sign({ 'custom:tenant': 'acme' })}`));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
