import type { FormatExtractor } from './document-types';
import { TextBuilder } from './text-builder';
import { decodeText } from './text-decoding';

/*
 * A small CommonMark-ish reader: enough structure for retrieval (headings become sections,
 * lists and table rows stay one per line, markup is dropped, code keeps its text). Not a renderer.
 */

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const ATX_HEADING = /^\s{0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^\s{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^\s*([-*+•]|\d{1,9}[.)])[ \t]+(.*)$/;
const TASK_BOX = /^\[[ xX]\][ \t]+/;
const BLOCK_QUOTE = /^\s{0,3}>[ \t]?/;
// No two adjacent spaces-runs the engine could split in many ways: `^\s*\|?\s*` backtracked quadratically on a line
// indented by thousands of spaces (a deeply nested list: 1 MB took 3 s).
const TABLE_DELIMITER = /^\s*(?:\|\s*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$/;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*\S+/;
const HTML_COMMENT = /<!--[\s\S]*?-->/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Escaped punctuation is parked on private-use characters so emphasis rules cannot see it. */
const ESCAPE_BASE = 0xe100;

function stripEmphasisAndLinks(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, '$1')
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(?<![\p{L}\p{N}*])\*(?=\S)([\s\S]*?\S)\*(?![\p{L}\p{N}*])/gu, '$1')
    .replace(/(?<![\p{L}\p{N}_])_(?=\S)([\s\S]*?\S)_(?![\p{L}\p{N}_])/gu, '$1')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1');
}

/** Drops inline markup and keeps the words: links keep their text, images their alt text, code its content. */
export function stripInlineMarkdown(raw: string): string {
  const escaped = raw.replace(/\\([!-/:-@[-`{-~])/g, (_m, c: string) => String.fromCharCode(ESCAPE_BASE + c.charCodeAt(0)));
  let out = '';
  let last = 0;
  for (const match of escaped.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) {
    out += stripEmphasisAndLinks(escaped.slice(last, match.index));
    out += (match[2] ?? '').trim();
    last = match.index + match[0].length;
  }
  out += stripEmphasisAndLinks(escaped.slice(last));
  return out
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_m, name: string) => ENTITIES[name] ?? '')
    .replace(/[\uE100-\uE17F]/g, (c) => String.fromCharCode(c.charCodeAt(0) - ESCAPE_BASE));
}

function splitTableRow(line: string): string {
  const cells = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => stripInlineMarkdown(cell.trim()));
  return cells.filter((cell) => cell !== '').join(' | ');
}

/** Front matter (`---` YAML at the very start) is metadata: dropped from the text, its title kept. */
function splitFrontMatter(source: string): { body: string; title?: string } {
  const match = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(source);
  if (!match) return { body: source };
  const titleLine = /^title:[ \t]*(.+)$/m.exec(match[1] ?? '');
  const title = titleLine?.[1]?.trim().replace(/^(['"])(.*)\1$/, '$2');
  return { body: source.slice(match[0].length), ...(title ? { title } : {}) };
}

interface PendingLine {
  text: string;
  /** Lines that must stay on their own line (list items, table rows, hard breaks). */
  hard: boolean;
}

export const extractMarkdown: FormatExtractor = async (input) => {
  const { bytes, contentType } = input;
  const decoded = decodeText(bytes, 'Markdown').replace(/\r\n?/g, '\n');
  const { body, title } = splitFrontMatter(decoded);
  const lines = body.replace(HTML_COMMENT, '').split('\n');
  const builder = new TextBuilder(input);
  let paragraph: PendingLine[] = [];

  const flush = (): void => {
    if (paragraph.length === 0) return;
    let text = paragraph[0]?.text ?? '';
    for (let i = 1; i < paragraph.length; i += 1) {
      const previous = paragraph[i - 1];
      const current = paragraph[i];
      if (!previous || !current) continue;
      // Soft-wrapped prose joins with a space; structural lines keep their break.
      text += (previous.hard || current.hard ? '\n' : ' ') + current.text;
    }
    builder.addBlock(text);
    paragraph = [];
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const next = lines[i + 1] ?? '';
    if (line.trim() === '') {
      flush();
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1] ?? '```';
      const code: string[] = [];
      for (i += 1; i < lines.length && !(lines[i] ?? '').trimStart().startsWith(marker); i += 1) code.push(lines[i] ?? '');
      builder.addBlock(code.join('\n'));
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      flush();
      builder.addHeading(atx[1]?.length ?? 1, stripInlineMarkdown(atx[2] ?? ''));
      continue;
    }
    const setext = SETEXT_UNDERLINE.exec(line);
    if (setext && paragraph.length > 0 && !paragraph.some((p) => p.hard)) {
      const heading = paragraph.map((p) => p.text).join(' ');
      paragraph = [];
      builder.addHeading(setext[1]?.startsWith('=') ? 1 : 2, heading);
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      flush();
      continue;
    }
    if (REFERENCE_DEFINITION.test(line) || TABLE_DELIMITER.test(line)) continue;
    const inTable = line.trimStart().startsWith('|') || TABLE_DELIMITER.test(next);
    if (inTable && line.includes('|')) {
      paragraph.push({ text: splitTableRow(line), hard: true });
      continue;
    }
    const content = line.replace(BLOCK_QUOTE, '');
    // Two trailing spaces or a backslash: endsWith, since / {2,}$/ retries from every space of a long indentation.
    const hardBreak = content.endsWith('  ') || content.endsWith('\\');
    const item = LIST_ITEM.exec(content);
    if (item) {
      const marker = item[1] ?? '';
      const itemText = stripInlineMarkdown((item[2] ?? '').replace(TASK_BOX, ''));
      // Ordered markers carry meaning ("step 2"), bullets do not.
      paragraph.push({ text: /\d/.test(marker) ? `${marker} ${itemText}` : itemText, hard: true });
      continue;
    }
    paragraph.push({ text: stripInlineMarkdown(content.replace(/\\$/, '').trim()), hard: hardBreak });
  }
  flush();
  return builder.build(contentType, title);
};
