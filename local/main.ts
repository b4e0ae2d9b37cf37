/**
 * `npm start`: the service on the embedded default, on 127.0.0.1, with no AWS account.
 * Powertools settings are given before the telemetry singletons are created: locally, EMF
 * metrics would only clutter the console, so they are off unless asked for.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'rag-local';

async function main(): Promise<void> {
  const { loadConfig, DEV_API_TOKEN } = await import('../shared/config/config');
  const { ConfigurationError } = await import('../shared/errors');
  let config: import('../shared/config/config').AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= config.logLevel;
  const { startLocalRuntime } = await import('./runtime');
  const runtime = await startLocalRuntime(config);
  // The development token is printed so the first request works; configured tokens never are.
  const token = config.server.devToken ? DEV_API_TOKEN : '<your token>';
  process.stderr.write(
    `RAG service listening on ${runtime.url}  (documents: ${config.local.documentsDir}, data: ${config.local.dataDir})\n` +
      (config.server.devToken
        ? `Development token: ${DEV_API_TOKEN} (tenant ${config.tenancy.defaultTenant}; loopback only; set RAG_API_KEYS="token=tenant,..." for real tokens)\n`
        : `Bearer tokens: ${config.server.apiKeys.length} from RAG_API_KEYS\n`) +
      `Try: curl -s ${runtime.url}/query -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"question":"How many days do I have to submit an expense report?"}'\n`,
  );
  const shutdown = (signal: string) => {
    process.stderr.write(`${signal}: finishing running ingestions, then stopping\n`);
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
