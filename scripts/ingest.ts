/** `npm run ingest -- ...`: usage and exit codes in scripts/cli/ingest-command.ts (or `npm run ingest -- --help`). */
import { runMain } from './cli/command';
import { runIngestCli } from './cli/ingest-command';

runMain(runIngestCli);
