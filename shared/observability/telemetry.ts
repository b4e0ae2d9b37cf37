import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { type MetricName, type Stage, stageLatencyMetric } from './metric-names';
import { observeCount, observeLatency } from './metrics-window';

/**
 * Process-wide Powertools singletons: one logger, one metrics buffer, one tracer. Powertools
 * reads its own POWERTOOLS_* variables (service name, namespace, log level, metrics disabled);
 * the tracer is inert outside Lambda, so the local runtime needs no X-Ray daemon.
 */
const serviceName = 'rag';

export const logger = new Logger({ serviceName });
/**
 * Powertools warns "No application metrics to publish" whenever an invocation records none (health,
 * most Task steps): expected here, so that one message goes to debug; everything else keeps its level
 * (the maintainers' advice: aws-powertools/powertools-lambda-typescript#2036).
 */
const EMPTY_FLUSH = 'No application metrics to publish';
export const metrics = new Metrics({
  serviceName,
  namespace: 'ServerlessRag',
  logger: {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    error: (message: string) => logger.error(message),
    warn: (message: string) => (message.startsWith(EMPTY_FLUSH) ? logger.debug(message) : logger.warn(message)),
  },
});
export const tracer = new Tracer({ serviceName });

export { MetricUnit };

/**
 * Records one data point: an EMF metric (Powertools flushes it with the invocation) and the local window
 * GET /metrics reads (shared/observability/metrics-window.ts). Names come from metric-names.ts.
 */
export function recordMetric(name: MetricName, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
  metrics.addMetric(name, unit, value);
  if (unit === MetricUnit.Milliseconds) observeLatency(name, value);
  else observeCount(name, value);
}

/**
 * Runs one pipeline stage in its own X-Ray subsegment, annotated with `annotations` (tenant, model, prompt
 * version: searchable in X-Ray), and records its latency metric.
 */
export async function traceStage<T>(stage: Stage, work: () => Promise<T>, annotations: Record<string, string | undefined> = {}): Promise<T> {
  const parent = tracer.getSegment();
  const subsegment = parent?.addNewSubsegment(`## ${stage}`);
  if (subsegment) {
    tracer.setSegment(subsegment);
    for (const [key, value] of Object.entries(annotations)) if (value !== undefined) subsegment.addAnnotation(key, value);
  }
  const started = performance.now();
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error) subsegment?.addError(error);
    throw error;
  } finally {
    recordMetric(stageLatencyMetric(stage), MetricUnit.Milliseconds, performance.now() - started);
    subsegment?.close();
    if (parent) tracer.setSegment(parent);
  }
}
