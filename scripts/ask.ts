/** `npm run ask -- ...`: usage and exit codes in scripts/cli/ask-command.ts (or `npm run ask -- --help`). */
import { runMain } from './cli/command';
import { runAskCli } from './cli/ask-command';

runMain(runAskCli);
