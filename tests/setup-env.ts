// Quiet, deterministic telemetry in tests: no EMF on stdout, logs only on errors.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_SERVICE_NAME = 'rag-test';
