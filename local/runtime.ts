import { cp, mkdir, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FSWatcher } from 'chokidar';
import type { Context } from 'aws-lambda';
import type { AppConfig } from '../shared/config/config';
import { createServices, useServices } from '../shared/container';
import { enableConcurrentInvocations } from '../shared/observability/invocation-context';
import { logger } from '../shared/observability/telemetry';
import type { Services } from '../shared/pipeline/services';
import type { Workflows } from '../shared/workflows/workflows';
import { LocalWorkflows } from './asl-workflows';
import { lambdaContext } from './lambda-context';
import { QueryAdmission } from './query-admission';
import { LocalAuth } from './auth';
import { createLocalServer } from './server';
import { watchDocuments } from './watcher';

/**
 * The embedded runtime: the HTTP API, the folder watcher standing in for S3 + EventBridge,
 * the re-index timer standing in for the EventBridge schedule, and the ASL interpreter standing
 * in for Step Functions — all calling the same handler functions as on AWS.
 */
export interface LocalRuntime {
  url: string;
  config: AppConfig;
  services: Services;
  workflows: LocalWorkflows;
  /** The bound on queries in flight (RAG_MAX_INFLIGHT_QUERIES). */
  admission: QueryAdmission;
  /** Waits until the running re-index sweep and every queued ingestion have finished. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalRuntimeOptions {
  /** Tests retry ASL Tasks at once instead of waiting out the backoff. */
  retryDelayScale?: number;
  /**
   * The Workflows port the handlers use instead of the in-process interpreter, e.g. the Step Functions
   * adapter over the wire to an emulator that hands executions back to `LocalRuntime.workflows`.
   */
  workflows?: Workflows;
  /** Ports supplied instead of built from configuration (tests: a generator whose stream breaks). */
  services?: Partial<Services>;
}

const samplesDir = path.resolve(__dirname, 'samples');
const notSamples = new Set(['LICENSE.md', 'QUESTIONS.md']);

async function hasFiles(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.some((e) => e.isFile() && !e.name.startsWith('.'));
  } catch {
    return false;
  }
}

/** Copies the bundled sample corpus into the documents folder when there is nothing to search yet. */
async function seedSamples(config: AppConfig, services: Services): Promise<boolean> {
  if (!config.local.samples) return false;
  if ((await services.vectors.count()) > 0 || (await hasFiles(config.local.documentsDir))) return false;
  const target = path.join(config.local.documentsDir, config.tenancy.defaultTenant, 'samples');
  await mkdir(target, { recursive: true });
  await cp(samplesDir, target, { recursive: true, filter: (source) => !notSamples.has(path.basename(source)) });
  logger.info('Seeded the sample corpus', { tenant: config.tenancy.defaultTenant });
  return true;
}

type TriggerHandler = (event: unknown, context: Context) => Promise<unknown>;

export async function startLocalRuntime(config: AppConfig, options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  // One process serves every function's invocations at once, as a Lambda Managed Instance does: Powertools
  // state (log keys, metrics) per invocation, so no line is logged under another invocation's name or id.
  await enableConcurrentInvocations(config.server.queryAdmission.maxInFlight + config.local.ingestConcurrency);
  await mkdir(config.local.documentsDir, { recursive: true });
  await mkdir(config.local.stateDir, { recursive: true });
  const workflows = await LocalWorkflows.create({
    retryDelayScale: options.retryDelayScale ?? 1,
    ingestConcurrency: config.local.ingestConcurrency,
    ingestQueueMax: config.local.ingestQueueMax,
  });
  const services = await createServices(config, { ...options.services, workflows: options.workflows ?? workflows });
  useServices(services);

  let ready = false;
  const admission = new QueryAdmission(config.server.queryAdmission);
  const server: FastifyInstance = await createLocalServer({
    admission,
    host: config.server.host,
    port: config.server.port,
    tenantClaim: config.tenancy.tenantClaim,
    auth: new LocalAuth(config.server.apiKeys),
    isReady: () => ready,
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;

  await seedSamples(config, services);

  let watcher: FSWatcher | undefined;
  if (config.local.watch) {
    const { handler: trigger } = (await import('../functions/ingest/trigger')) as { handler: TriggerHandler };
    watcher = watchDocuments(config.local.documentsDir, services.documents, (event) => {
      trigger(event, lambdaContext('ingest-trigger')).catch((error: unknown) => {
        logger.error('Trigger failed', { error: error instanceof Error ? error.name : 'UnknownError' });
      });
    });
    await new Promise<void>((resolve) => watcher?.once('ready', () => resolve()));
  }

  // Catch up with whatever changed while the service was stopped, then keep sweeping on a timer.
  await workflows.startReindex('manual');
  const timer =
    config.local.reindexIntervalSeconds > 0
      ? setInterval(() => void workflows.startReindex('schedule'), config.local.reindexIntervalSeconds * 1000)
      : undefined;
  timer?.unref();
  ready = true;

  return {
    url: `http://${config.server.host}:${port}`,
    config,
    services,
    workflows,
    admission,
    settle: () => workflows.settle(),
    stop: async () => {
      if (timer) clearInterval(timer);
      await watcher?.close();
      await server.close();
      await workflows.settle();
      await services.vectors.close?.();
      await services.conversations.close?.();
      useServices(undefined);
    },
  };
}
