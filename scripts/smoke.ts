/**
 * Post-deploy smoke test: `npm run smoke -- --stage <stage> [--region <r>]` (token in RAG_SMOKE_TOKEN)
 * or `npm run smoke -- --url http://127.0.0.1:3000`. Usage and exit codes: scripts/smoke/options.ts.
 */
import { runSmokeCli } from './smoke/cli';

runSmokeCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Smoke test crashed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  },
);
