import { seededRandom } from '../../bench/synthetic';

/**
 * The emulated Bedrock endpoint's faults during the load run: each model call independently fails with
 * ThrottlingException at `throttleRate`, or with a 5xx (ServiceUnavailableException 503 or
 * InternalServerException 500, half each) at `serverErrorRate`. Drawn from a seeded generator, so a run's
 * sequence of faults is the same every time (which request meets which fault still depends on timing).
 */
export interface FaultRates {
  throttleRate: number;
  serverErrorRate: number;
  seed: number;
}

export interface ScheduledFault {
  status: number;
  code: string;
  message: string;
}

const THROTTLED: ScheduledFault = { status: 429, code: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' };
const UNAVAILABLE: ScheduledFault = { status: 503, code: 'ServiceUnavailableException', message: 'Service unavailable' };
const INTERNAL: ScheduledFault = { status: 500, code: 'InternalServerException', message: 'Internal server error' };

/** One decision per call: undefined lets the call through. */
export function faultSchedule(rates: FaultRates): () => ScheduledFault | undefined {
  if (rates.throttleRate < 0 || rates.serverErrorRate < 0 || rates.throttleRate + rates.serverErrorRate > 1) {
    throw new RangeError('fault rates must be >= 0 and add up to at most 1');
  }
  const random = seededRandom(rates.seed);
  return () => {
    const draw = random();
    if (draw < rates.throttleRate) return THROTTLED;
    if (draw < rates.throttleRate + rates.serverErrorRate) return random() < 0.5 ? UNAVAILABLE : INTERNAL;
    return undefined;
  };
}
