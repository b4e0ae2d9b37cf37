/** `npm run docs -- ...`: usage and exit codes in scripts/cli/docs-command.ts (or `npm run docs -- --help`). */
import { runMain } from './cli/command';
import { runDocsCli } from './cli/docs-command';

runMain(runDocsCli);
