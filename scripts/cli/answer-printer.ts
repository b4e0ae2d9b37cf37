import type { Terminal } from './terminal';

const ESC = '\u001b[';

/**
 * Prints an answer as its deltas arrive and, when the guardrail replaces it mid-stream, takes back
 * what was shown. On a terminal the shown text is erased (its rows counted from the width; wide
 * characters may make that an underestimate, never more than the text shown); when the text has
 * scrolled out of the window, or off a terminal, the replacement follows a marker line instead.
 */
export class AnswerPrinter {
  private shown = '';

  constructor(private readonly terminal: Terminal) {}

  write(text: string): void {
    this.shown += text;
    this.terminal.write(text);
  }

  replace(text: string): void {
    const up = this.rowsShown() - 1;
    if (this.terminal.isTTY && up < (this.terminal.rows ?? 24)) {
      this.terminal.write(`\r${up > 0 ? `${ESC}${up}A` : ''}${ESC}J${text}`);
    } else {
      this.terminal.write(`${this.shown && !this.shown.endsWith('\n') ? '\n' : ''}[replaced by the guardrail]\n${text}`);
    }
    this.shown = text;
  }

  /** Ends the answer's last line. */
  end(): void {
    if (this.shown && !this.shown.endsWith('\n')) this.terminal.write('\n');
    this.shown = '';
  }

  private rowsShown(): number {
    const columns = this.terminal.columns ?? 80;
    return this.shown.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / columns)), 0);
  }
}
