import { AnswerPrinter } from '../../../../scripts/cli/answer-printer';
import { formatTable, ProgressBoard, type Terminal } from '../../../../scripts/cli/terminal';

function terminal(tty?: { columns: number; rows: number }): Terminal & { text: string } {
  const out = {
    text: '',
    write(text: string) {
      out.text += text;
    },
    isTTY: tty !== undefined,
    ...(tty ?? {}),
  };
  return out;
}

describe('formatTable', () => {
  it('aligns columns under the header and leaves the last one unpadded', () => {
    expect(
      formatTable(
        ['a', 'bb', 'c'],
        [
          ['long value', 'x', ''],
          ['y', 'wider', 'tail'],
        ],
      ),
    ).toBe(['a           bb     c', 'long value  x', 'y           wider  tail'].join('\n'));
  });
});

describe('ProgressBoard', () => {
  it('off a terminal, writes every change as a new line and skips repeats', () => {
    const out = terminal();
    const board = new ProgressBoard(out);

    board.set('a', 'PENDING a');
    board.set('b', 'PENDING b');
    board.set('a', 'PENDING a');
    board.set('a', 'INDEXED a');

    expect(out.text).toBe('PENDING a\nPENDING b\nINDEXED a\n');
  });

  it('on a terminal, rewrites a line in place while it is on screen, cut to the width', () => {
    const out = terminal({ columns: 12, rows: 10 });
    const board = new ProgressBoard(out);

    board.set('a', 'PENDING a');
    board.set('b', 'PENDING b-with-a-long-name');
    board.set('a', 'INDEXED a');

    expect(out.text).toBe('PENDING a\nPENDING b-…\n\u001b[2A\r\u001b[2KINDEXED a\u001b[2B\r');
  });

  it('on a terminal, appends the new state when the line has scrolled off the screen', () => {
    const out = terminal({ columns: 80, rows: 3 });
    const board = new ProgressBoard(out);
    for (const id of ['a', 'b', 'c', 'd']) board.set(id, `PENDING ${id}`);

    board.set('a', 'INDEXED a');
    board.set('a', 'INDEXED a, 3 chunks');

    expect(out.text).toBe('PENDING a\nPENDING b\nPENDING c\nPENDING d\nINDEXED a\n\u001b[1A\r\u001b[2KINDEXED a, 3 chunks\u001b[1B\r');
  });
});

describe('AnswerPrinter', () => {
  it('on a terminal, erases every row the answer took (wrapped lines included) before the replacement', () => {
    const out = terminal({ columns: 10, rows: 24 });
    const printer = new AnswerPrinter(out);

    printer.write('0123456789abc\nxy');
    printer.replace('Blocked.');
    printer.end();

    // "0123456789abc" wraps to two rows, "xy" is the third: the cursor goes up two rows.
    expect(out.text).toBe('0123456789abc\nxy\r\u001b[2A\u001b[JBlocked.\n');
  });

  it('off a terminal, or when the answer has scrolled away, prints a marker line and the replacement', () => {
    const pipe = terminal();
    const printer = new AnswerPrinter(pipe);
    printer.write('secret');
    printer.replace('Blocked.');
    printer.end();
    expect(pipe.text).toBe('secret\n[replaced by the guardrail]\nBlocked.\n');

    const small = terminal({ columns: 10, rows: 2 });
    const scrolled = new AnswerPrinter(small);
    scrolled.write('a\nb\nc\n');
    scrolled.replace('Blocked.');
    expect(small.text).toBe('a\nb\nc\n[replaced by the guardrail]\nBlocked.');
  });
});
