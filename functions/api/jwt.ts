import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { DependencyUnavailableError, UnauthorizedError } from '../../shared/errors';
import type { HttpEvent } from './http';

/**
 * Verifies the bearer token of a request that no API Gateway authorizer checked: the streaming route is
 * a Lambda function URL (HTTP APIs cannot stream), so it checks the same JWT as the HTTP API's JWT
 * authorizer — same issuer, same audience, signature against the issuer's published keys (OIDC
 * discovery: `<issuer>/.well-known/openid-configuration` → `jwks_uri`) — and hands the claims on
 * exactly where the authorizer would put them (`requestContext.authorizer.jwt.claims`).
 */
export interface JwtSettings {
  issuer: string;
  audience: readonly string[];
}

/**
 * A key set that cannot be fetched or read is our outage, not the caller's bad token: jose raises
 * JWKSTimeout, JWKSInvalid, or its bare JOSEError for a non-200 key set response (jose 5.10.0,
 * dist/node/cjs/runtime/fetch_jwks.js); network errors are not JOSEErrors at all.
 */
function issuerFault(error: InstanceType<typeof errors.JOSEError>): boolean {
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.constructor === errors.JOSEError;
}

/** `aud` (a string or a list) names one of ours; without `aud`, `client_id` must. */
function audienceMatches(payload: JWTPayload, audience: readonly string[]): boolean {
  if (payload.aud !== undefined) return (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).some((a) => audience.includes(a));
  const clientId = (payload as { client_id?: unknown }).client_id;
  return typeof clientId === 'string' && audience.includes(clientId);
}

export function jwtAuthenticator(settings: JwtSettings, fetchImpl: typeof fetch = fetch): (event: HttpEvent) => Promise<HttpEvent> {
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = () => {
    keys ??= (async () => {
      // The issuer being down is our outage (503, retry), not the caller's bad token (401).
      const discovery = await fetchImpl(`${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`).catch((error: unknown) => {
        throw new DependencyUnavailableError('The token issuer cannot be reached', { cause: error });
      });
      if (!discovery.ok) throw new DependencyUnavailableError('The token issuer cannot be reached');
      const { jwks_uri: jwksUri } = (await discovery.json()) as { jwks_uri?: string };
      if (!jwksUri) throw new DependencyUnavailableError('The token issuer publishes no keys');
      return createRemoteJWKSet(new URL(jwksUri));
    })().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    return keys;
  };
  return async (event) => {
    const header = event.headers?.authorization ?? event.headers?.Authorization;
    const token = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!token) throw new UnauthorizedError('Authentication required');
    let payload: JWTPayload;
    try {
      // As the HTTP API's JWT authorizer: exp must be present, and the audience is `aud`, or `client_id`
      // when there is no `aud` (Cognito access tokens), checked below.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html and
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html (read 2026-11-30).
      ({ payload } = await jwtVerify(token, await keySet(), { issuer: settings.issuer, requiredClaims: ['exp'] }));
    } catch (error) {
      if (error instanceof DependencyUnavailableError) throw error;
      if (error instanceof errors.JOSEError && !issuerFault(error)) throw new UnauthorizedError('The token is not valid');
      throw new DependencyUnavailableError('The token issuer cannot be reached', { cause: error });
    }
    if (!audienceMatches(payload, settings.audience)) throw new UnauthorizedError('The token is not valid');
    const claims = Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v)]),
    );
    return {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } } },
    } as HttpEvent;
  };
}
