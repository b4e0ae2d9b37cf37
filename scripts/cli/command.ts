import { CliError, CliUsageError, EXIT_CODES } from './errors';
import type { CliEnv } from './options';
import { processTerminal, type Terminal } from './terminal';

/** What a command touches outside itself; tests pass their own. */
export interface CliIo {
  stdout: Terminal;
  stderr: Terminal;
  fetch?: typeof fetch;
  /** Resolves relative file arguments (default: the process's working directory). */
  cwd?: string;
}

export type CliCommand = (argv: string[], env: CliEnv, io: CliIo) => Promise<number>;

/** Runs a command body and turns what it throws into a message on stderr and the exit code of its kind. */
export async function runCommand(name: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr.write(`${name}: ${error.message}\n(${name} --help shows the usage)\n`);
    } else if (error instanceof CliError) {
      io.stderr.write(`${name}: ${error.message}\n`);
    } else {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      io.stderr.write(`${name}: unexpected error: ${text}\n`);
      return EXIT_CODES.unexpected;
    }
    return error.exitCode;
  }
}

/** The thin scripts' whole body: the real argv, environment and streams; the exit code as the process's. */
export function runMain(command: CliCommand): void {
  // `... | head` closes stdout early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  command(process.argv.slice(2), process.env, { stdout: processTerminal(process.stdout), stderr: processTerminal(process.stderr) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`crashed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      process.exitCode = EXIT_CODES.unexpected;
    },
  );
}
