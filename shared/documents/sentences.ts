/*
 * Sentence boundaries with exact offsets, for citations and extractive answers.
 * Rule-based and deterministic: a sentence ends at . ! ? … (plus closing quotes/brackets)
 * followed by whitespace, unless the word before is an abbreviation, an initial, or a list
 * number; a blank line always ends one; a single line break ends one unless it is a soft wrap.
 */

/** Never end a sentence: they are followed by what they introduce ("Dr. Smith", "e.g. this"). */
const NEVER_FINAL = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'gen',
  'col',
  'capt',
  'lt',
  'sgt',
  'rev',
  'hon',
  'e.g',
  'i.e',
  'cf',
  'viz',
  'vs',
  'v',
  'no',
  'nos',
  'fig',
  'figs',
  'vol',
  'pp',
  'p',
  'approx',
  'ca',
  'dept',
  'ext',
  'tel',
  'ref',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);
/** End a sentence only when a capitalised word follows ("…and so on, etc. The next"). */
const SOMETIMES_FINAL = new Set(['etc', 'inc', 'ltd', 'co', 'corp', 'llc', 'al', 'esp', 'min', 'max', 'est']);

const TERMINATOR = /[.!?…]+["'”’»)\]]*(?=\s|$)/g;
const LIST_MARKER_START = /^[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]/;

export interface SentenceSpan {
  start: number;
  end: number;
}

function wordBefore(text: string, dotIndex: number): string {
  let i = dotIndex;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1] ?? '')) i -= 1;
  return text.slice(i, dotIndex);
}

function nextVisible(text: string, from: number): string {
  const match = /\S/.exec(text.slice(from, from + 16));
  return match ? match[0] : '';
}

function isUpper(c: string): boolean {
  return c !== '' && c === c.toUpperCase() && c !== c.toLowerCase();
}

/** Decides whether the "." at dotIndex ends a sentence, given the word before it and what follows. */
function periodEndsSentence(text: string, dotIndex: number, after: number): boolean {
  const word = wordBefore(text, dotIndex);
  if (word === '') return true;
  const lower = word.toLowerCase();
  const next = nextVisible(text, after);
  if (NEVER_FINAL.has(lower)) return false;
  // A list number at the start of a line: "1. Submit the form".
  if (/^\d+$/.test(word)) {
    const lineStart = text.lastIndexOf('\n', dotIndex) + 1;
    if (text.slice(lineStart, dotIndex - word.length).trim() === '') return false;
  }
  // Initials and initialisms: "J. Smith", "U.S. government", "a.m."; final only before a capital.
  if (/^\p{L}$/u.test(word) || /^(?:\p{L}\.)+\p{L}$/u.test(word)) return isUpper(next) && word.length > 1;
  if (SOMETIMES_FINAL.has(lower)) return isUpper(next);
  return true;
}

/** A single line break is a soft wrap when prose obviously continues on the next line. */
function isSoftWrap(text: string, newline: number): boolean {
  const lineStart = text.lastIndexOf('\n', newline - 1) + 1;
  const previousLine = text.slice(lineStart, newline).trimEnd();
  const nextLineEnd = text.indexOf('\n', newline + 1);
  const nextLine = text.slice(newline + 1, nextLineEnd === -1 ? text.length : nextLineEnd);
  if (previousLine === '' || LIST_MARKER_START.test(nextLine) || LIST_MARKER_START.test(previousLine)) return false;
  const last = previousLine[previousLine.length - 1] ?? '';
  const first = nextLine.trimStart()[0] ?? '';
  if (/[.!?…:;"”)\]]/.test(last)) return false;
  return /[\p{Ll}\p{N}(]/u.test(first);
}

/**
 * Sentence spans over `text`: [start, end) offsets, trimmed of surrounding whitespace, in order,
 * covering every non-whitespace character exactly once.
 */
export function splitSentences(text: string): SentenceSpan[] {
  const cuts = new Set<number>();
  for (const match of text.matchAll(TERMINATOR)) {
    const end = match.index + match[0].length;
    const punctuation = match[0].replace(/["'”’»)\]]+$/, '');
    if (punctuation === '.' && !periodEndsSentence(text, match.index, end)) continue;
    cuts.add(end);
  }
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    const blankLineFollows = /^[ \t]*\n/.test(text.slice(i + 1, i + 64));
    if (blankLineFollows || !isSoftWrap(text, i)) cuts.add(i);
  }
  const ordered = [...cuts].sort((a, b) => a - b);
  ordered.push(text.length);
  const spans: SentenceSpan[] = [];
  let from = 0;
  for (const cut of ordered) {
    let start = from;
    let end = cut;
    while (start < end && /\s/.test(text[start] ?? '')) start += 1;
    while (end > start && /\s/.test(text[end - 1] ?? '')) end -= 1;
    if (end > start) spans.push({ start, end });
    from = Math.max(from, cut);
  }
  return spans;
}

/**
 * What a sentence span is, for answers that must read as sentences: a table row (cells separated by " | ",
 * as the extractors write tables), a heading (a short line on its own, with no closing punctuation), a
 * question (FAQ documents restate the question before answering it), or prose.
 */
export type SentenceKind = 'prose' | 'heading' | 'table-row' | 'question';

const CELL_SEPARATOR = /\s\|\s/;
const HEADING_MAX_WORDS = 12;

function lineAround(text: string, start: number, end: number): { lineStart: number; lineEnd: number } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const next = text.indexOf('\n', end);
  return { lineStart, lineEnd: next === -1 ? text.length : next };
}

/** The cells of a table row, trimmed, outer pipes dropped; undefined when the line is not a row of at least two cells. */
export function tableCells(line: string): string[] | undefined {
  if (!CELL_SEPARATOR.test(line)) return undefined;
  const cells = line
    .trim()
    .replace(/^\|\s*|\s*\|$/g, '')
    .split(/\s*\|\s*/)
    .map((cell) => cell.trim());
  return cells.length >= 2 && cells.some((cell) => cell !== '') ? cells : undefined;
}

/** Classifies the sentence at [start, end) of `text` (a span from splitSentences). */
export function sentenceKind(text: string, span: SentenceSpan): SentenceKind {
  const sentence = text.slice(span.start, span.end).trim();
  const { lineStart, lineEnd } = lineAround(text, span.start, span.end);
  const wholeLine = text.slice(lineStart, span.start).trim() === '' && text.slice(span.end, lineEnd).trim() === '';
  if (wholeLine && tableCells(sentence)) return 'table-row';
  if (/\?["'”’)\]]*$/.test(sentence)) return 'question';
  const words = sentence.split(/\s+/).filter((w) => w !== '');
  if (wholeLine && !/[.!?…:;,]["'”’)\]]*$/.test(sentence) && words.length <= HEADING_MAX_WORDS) return 'heading';
  return 'prose';
}

/**
 * The header row of the table that holds the row at `rowStart`: the first line of its block of consecutive
 * table rows, when that is not the row itself.
 */
export function tableHeaderOf(text: string, rowStart: number): string[] | undefined {
  let lineStart = text.lastIndexOf('\n', rowStart - 1) + 1;
  let header: string[] | undefined;
  while (lineStart > 0) {
    const previousStart = text.lastIndexOf('\n', lineStart - 2) + 1;
    const cells = tableCells(text.slice(previousStart, lineStart - 1));
    if (!cells) break;
    header = cells;
    lineStart = previousStart;
  }
  return header;
}

/**
 * A table row read as a sentence: "Meals while travelling: $75 per day." With a header of the same width, each
 * value is named by its column: "Meals while travelling — Limit: $75 per day." (the column name is often the
 * word the question used).
 */
export function tableRowAsSentence(cells: readonly string[], header?: readonly string[]): string {
  const [first, ...rest] = cells;
  const values = rest.filter((cell) => cell !== '');
  let body: string;
  if (header && header.length === cells.length) {
    const named = rest.flatMap((cell, i) => (cell === '' ? [] : [`${header[i + 1]}: ${cell}`]));
    body = `${first} — ${named.join('; ')}`;
  } else {
    body = values.length > 0 ? `${first}: ${values.join(', ')}` : `${first}`;
  }
  return /[.!?]$/.test(body) ? body : `${body}.`;
}
