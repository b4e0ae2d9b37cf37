import { BEDROCK_MODEL_UNAVAILABLE } from '../../shared/aws/bedrock-runtime-errors';
import { checkModelAvailability, findModel } from '../../shared/models/catalog';
import type { EmulatorRequest, EmulatorResponse } from './http-emulator';

/**
 * Bedrock's answer when a model cannot serve a request, from the model catalogue
 * (shared/models/catalog.ts), for emulators of the APIs that name a model (Rerank,
 * RetrieveAndGenerate): past its end-of-life day on the emulator's clock → 404
 * ResourceNotFoundException; not offered in the Region the request was signed for → 400
 * ValidationException; access withheld → 403 AccessDeniedException; each with the message Bedrock
 * sends (BEDROCK_MODEL_UNAVAILABLE). Models the catalogue does not know are served anywhere.
 */
export interface ModelGateOptions {
  now: Date;
  /** End-of-life days (ISO) the catalogue does not know yet, by foundation model or profile id. */
  endOfLife?: ReadonlyMap<string, string>;
  /** Model ids the account has no access to. */
  deniedModels?: ReadonlySet<string>;
}

/**
 * The Region the request was signed for: SigV4's credential scope is
 * "Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request" in the Authorization header.
 */
export function signedRegion(req: EmulatorRequest): string | undefined {
  const authorization = req.headers.authorization;
  return typeof authorization === 'string' ? /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[^/]+\/aws4_request/.exec(authorization)?.[1] : undefined;
}

function refuse(kind: { name: string; status: number }, message: string): EmulatorResponse {
  return { status: kind.status, headers: { 'x-amzn-errortype': kind.name }, body: { message } };
}

/** Undefined when the model may serve this request; else the error response Bedrock would send. */
export function modelGate(modelIdOrArn: string, req: EmulatorRequest, options: ModelGateOptions): EmulatorResponse | undefined {
  const { endOfLife, invalidIdentifier, profileRequired, noAccess } = BEDROCK_MODEL_UNAVAILABLE;
  const catalogued = findModel(modelIdOrArn)?.model;
  const ids = catalogued ? [modelIdOrArn, catalogued.id] : [modelIdOrArn];
  const retiredOn = ids.map((id) => options.endOfLife?.get(id)).find((d) => d !== undefined) ?? catalogued?.lifecycle.endOfLifeDate;
  // End of life is the same answer in every Region, signed or not.
  if (retiredOn !== undefined && options.now.toISOString().slice(0, 10) >= retiredOn) return refuse(endOfLife, endOfLife.message);
  const region = signedRegion(req);
  const availability = region ? checkModelAvailability(modelIdOrArn, region, options.now) : undefined;
  if (availability?.status === 'not-offered') {
    return availability.reason === 'profile-required'
      ? refuse(profileRequired, profileRequired.message(modelIdOrArn))
      : refuse(invalidIdentifier, invalidIdentifier.message);
  }
  if (ids.some((id) => options.deniedModels?.has(id))) return refuse(noAccess, noAccess.message);
  return undefined;
}
