import { sha256Hex } from '../documents/identity';
import type { IngestionRequest } from './workflows';

/**
 * Step Functions execution names must be unique per state machine for 90 days, at most 80
 * characters of [A-Za-z0-9-_]. Deriving the name from (action, tenant, key, object version)
 * makes duplicate events collide on purpose: the second start is rejected, no duplicate work.
 * A re-drive is a deliberate repeat of the same version, so it gets a time salt.
 */
export function ingestionExecutionName(request: IngestionRequest, now: () => number = Date.now): string {
  const salt = request.reason === 'redrive' ? String(now()) : '';
  const digest = sha256Hex(`${request.action}\n${request.tenant}\n${request.key}\n${request.etag ?? ''}\n${salt}`).slice(0, 40);
  return `${request.action}-${digest}`;
}
