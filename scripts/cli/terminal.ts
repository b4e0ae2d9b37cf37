/**
 * Where a command writes. On a terminal (isTTY) lines may be redrawn in place; anywhere else (a pipe,
 * a file, CI logs) every change is a plain new line, so the output stays readable and greppable.
 */
export interface Terminal {
  write(text: string): void;
  isTTY: boolean;
  /** Terminal width and height, when known. */
  columns?: number;
  rows?: number;
}

/** The process's own streams, as the thin scripts pass them in. */
export function processTerminal(stream: NodeJS.WriteStream): Terminal {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTTY() {
      return Boolean(stream.isTTY);
    },
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
  };
}

/** Space-aligned columns under a header; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const ESC = '\u001b[';

/**
 * One line per item (a document), updated as its state changes. On a terminal the item's line is
 * rewritten in place while it is still on screen (lines are cut to the width, so none wraps and the
 * cursor arithmetic holds); once it has scrolled away, or off a terminal, the new state is a new line.
 */
export class ProgressBoard {
  private readonly lines: { id: string; text: string }[] = [];

  constructor(private readonly terminal: Terminal) {}

  set(id: string, text: string): void {
    const index = this.lines.findIndex((line) => line.id === id);
    const existing = index >= 0 ? this.lines[index] : undefined;
    if (existing?.text === text) return;
    const up = this.lines.length - index;
    if (existing && this.terminal.isTTY && up < (this.terminal.rows ?? 24)) {
      existing.text = text;
      this.terminal.write(`${ESC}${up}A\r${ESC}2K${this.fit(text)}${ESC}${up}B\r`);
      return;
    }
    if (existing) this.lines.splice(index, 1);
    this.lines.push({ id, text });
    this.terminal.write(`${this.fit(text)}\n`);
  }

  private fit(text: string): string {
    const width = this.terminal.isTTY ? this.terminal.columns : undefined;
    return width && text.length >= width ? `${text.slice(0, Math.max(0, width - 2))}…` : text;
  }
}
