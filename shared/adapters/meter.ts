import type { AppConfig } from '../config/config';
import { ModelMeter } from '../usage/metered';

/**
 * The meter every model port of this configuration is wrapped in (shared/usage/metered.ts): each call one
 * invocation record, priced in the configured Region (`local` for the embedded runtime).
 */
export function meterFor(config: AppConfig): ModelMeter {
  return new ModelMeter(config.aws.region ?? 'local');
}
