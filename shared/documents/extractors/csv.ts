import { UnsupportedDocumentError } from '../../errors';
import type { FormatExtractor } from './document-types';
import { TextBuilder } from './text-builder';
import { decodeText } from './text-decoding';

/** RFC 4180 parsing: quoted fields may hold delimiters, doubled quotes and line breaks. */
export function parseDelimited(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new UnsupportedDocumentError('CSV could not be parsed: unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

/** Picks the delimiter that splits the header line into the most columns. */
function detectDelimiter(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/));
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = header.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

function clean(cell: string): string {
  return cell.replace(/\s+/g, ' ').trim();
}

/** Header-aware rows: "col: value; col: value", one line per row, empty cells left out. */
export const extractCsv: FormatExtractor = async (input) => {
  const { bytes, contentType } = input;
  const text = decodeText(bytes, 'CSV');
  const delimiter = contentType === 'text/tab-separated-values' ? '\t' : detectDelimiter(text);
  const [header, ...rows] = parseDelimited(text, delimiter);
  const columns = (header ?? []).map((name, index) => clean(name) || `column ${index + 1}`);
  const lines = rows.map((row) =>
    row
      .map((cell, index) => ({ name: columns[index] ?? `column ${index + 1}`, value: clean(cell) }))
      .filter(({ value }) => value !== '')
      .map(({ name, value }) => `${name}: ${value}`)
      .join('; '),
  );
  const builder = new TextBuilder(input);
  builder.addBlock(lines.filter((line) => line !== '').join('\n'));
  return builder.build(contentType);
};
