/**
 * A one-line progress bar on stderr, redrawn in place. Silent when stderr is not a terminal (CI logs, pipes)
 * or when the caller asked for quiet JSON output, so stdout stays machine-readable in every case.
 */
export interface Progress {
  start(label: string, total: number): void;
  tick(count?: number): void;
  /** Ends the current bar with its elapsed time. */
  done(): void;
}

export interface ProgressOptions {
  enabled: boolean;
  stream?: NodeJS.WriteStream;
  width?: number;
  now?: () => number;
}

const silent: Progress = {
  start: () => undefined,
  tick: () => undefined,
  done: () => undefined,
};

export function formatBar(label: string, done: number, total: number, elapsedMs: number, width: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const seconds = (elapsedMs / 1000).toFixed(1);
  return `${label.padEnd(10)} [${bar}] ${done}/${total} ${(ratio * 100).toFixed(0).padStart(3)}% ${seconds}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!options.enabled || !stream.isTTY) return silent;
  const width = options.width ?? 30;
  const now = options.now ?? Date.now;
  let label = '';
  let total = 0;
  let count = 0;
  let started = 0;
  let lastDraw = 0;
  const draw = (force: boolean): void => {
    const at = now();
    // Redraw at most ~10 times a second: a terminal write per query would cost more than the query.
    if (!force && at - lastDraw < 100) return;
    lastDraw = at;
    stream.write(`\r${formatBar(label, count, total, at - started, width)}`);
  };
  return {
    start(newLabel, newTotal) {
      label = newLabel;
      total = newTotal;
      count = 0;
      started = now();
      lastDraw = 0;
      draw(true);
    },
    tick(n = 1) {
      count += n;
      draw(count >= total);
    },
    done() {
      draw(true);
      stream.write('\n');
    },
  };
}
