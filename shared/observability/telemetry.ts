import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

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

/** Runs one pipeline stage in its own X-Ray subsegment and records its latency metric. */
export async function traceStage<T>(stage: string, work: () => Promise<T>): Promise<T> {
  const parent = tracer.getSegment();
  const subsegment = parent?.addNewSubsegment(`## ${stage}`);
  if (subsegment) tracer.setSegment(subsegment);
  const started = performance.now();
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error) subsegment?.addError(error);
    throw error;
  } finally {
    metrics.addMetric(`${stage}LatencyMs`, MetricUnit.Milliseconds, performance.now() - started);
    subsegment?.close();
    if (parent) tracer.setSegment(parent);
  }
}
