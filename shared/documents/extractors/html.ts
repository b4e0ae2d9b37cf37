import { type DomNode, type FormatCallback, type SelectorDefinition, htmlToText } from 'html-to-text';
import { UnsupportedDocumentError } from '../../errors';
import type { TextLimits } from '../text-limits';
import type { ExtractedDocument, FormatExtractor } from './document-types';
import { TextBuilder } from './text-builder';
import { decodeText } from './text-decoding';

/*
 * html-to-text renders the text; headings are wrapped in private-use marker characters so
 * their positions survive rendering, then the output is rebuilt block by block with exact
 * section offsets.
 */
const HEADING_OPEN = '\uE000';
const HEADING_LEVEL_END = '\uE001';
const HEADING_CLOSE = '\uE002';
const MARKERS = /[\uE000-\uE002]/g;
const HEADING = /\uE000([1-6])\uE001([^\uE002]*)\uE002/g;

const formatMarkedHeading: FormatCallback = (elem, walk, builder) => {
  const level = Number((elem.name ?? 'h1').slice(1)) || 1;
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${HEADING_OPEN}${level}${HEADING_LEVEL_END}`);
  walk(elem.children, builder);
  builder.addLiteral(HEADING_CLOSE);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

function isElement(node: DomNode | undefined): boolean {
  return node !== undefined && node.type === 'tag';
}

/** Table cells become "a | b | c" lines instead of padded columns: better for embeddings and excerpts. */
const formatCell: FormatCallback = (elem, walk, builder) => {
  let previous = (elem as DomNode & { prev?: DomNode | null }).prev ?? undefined;
  while (previous && !isElement(previous)) previous = (previous as DomNode & { prev?: DomNode | null }).prev ?? undefined;
  if (previous) builder.addInline(' | ', { noWordTransform: true });
  walk(elem.children, builder);
};

const SKIPPED = ['script', 'style', 'nav', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object', 'head', 'button', 'select'];

const SELECTORS: SelectorDefinition[] = [
  ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, format: 'markedHeading' })),
  { selector: 'a', options: { ignoreHref: true } },
  { selector: 'img', format: 'skip' },
  { selector: 'table', format: 'block' },
  { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
  { selector: 'td', format: 'tableCell' },
  { selector: 'th', format: 'tableCell' },
  { selector: 'ul', options: { itemPrefix: '- ' } },
];

/**
 * html-to-text's own default bound on its input (limits.maxInputLength): past it, it truncates with a
 * console warning and renders the rest as if it were not there. We refuse instead of indexing part of a
 * document silently; the bound also keeps its DOM (many times the input's size) within memory.
 */
export const MAX_HTML_CHARS = 1 << 24;

/**
 * Deepest element nesting the HTML reader takes. html-to-text renders by recursion, a few stack frames per
 * level: 1,000 nested <div> rendered in 70 ms and 2,000 overflowed the stack (measured 2026-12-01, Node 22,
 * default stack), and 200,000 took 90 s to fail. Deeper documents are refused before they are parsed.
 */
export const MAX_HTML_DEPTH = 512;

/** Elements that never hold children, and elements whose end tag may be left out (a parser closes them itself). */
const NOT_NESTING = new Set(
  'area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option optgroup thead tbody tfoot colgroup caption rb rt rp'.split(
    ' ',
  ),
);
/** Elements whose content is text to a parser, not markup (a "<div>" inside a script opens nothing). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);
const TAG_NAME = /[a-z][a-z0-9-]*/y;

/**
 * Whether the elements nest deeper than `max`, as a parser would nest them: an end tag closes its element and
 * every element left open inside it; one with no open element of its name is ignored; comments and the text of
 * scripts and styles hold no elements. One pass of indexOf, no regular expression that could backtrack, and it
 * stops at the first level past `max` (its stack never holds more than max + 1 names): linear in the text.
 */
export function nestsDeeperThan(html: string, max: number): boolean {
  const lower = html.toLowerCase();
  const open: string[] = [];
  // How many of each name are open: an end tag with none open is skipped without a search of the stack.
  const openCount = new Map<string, number>();
  let at = lower.indexOf('<');
  while (at >= 0) {
    let next = at + 1;
    if (lower.startsWith('<!--', at)) {
      const end = lower.indexOf('-->', at + 4);
      if (end < 0) return false;
      next = end + 3;
    } else {
      const closing = lower[at + 1] === '/';
      TAG_NAME.lastIndex = at + (closing ? 2 : 1);
      const name = TAG_NAME.exec(lower)?.[0];
      const end = name ? lower.indexOf('>', TAG_NAME.lastIndex) : -1;
      if (name && end < 0) return false;
      if (name && closing) {
        if (openCount.get(name)) {
          // Each name popped here was pushed once: linear over the whole pass.
          for (let popped = open.pop(); popped !== undefined; popped = open.pop()) {
            openCount.set(popped, (openCount.get(popped) ?? 1) - 1);
            if (popped === name) break;
          }
        }
        next = end + 1;
      } else if (name) {
        next = end + 1;
        if (RAW_TEXT.has(name)) {
          const close = lower.indexOf(`</${name}`, next);
          if (close < 0) return false;
          next = close + 2;
        } else if (lower[end - 1] !== '/' && !NOT_NESTING.has(name)) {
          open.push(name);
          openCount.set(name, (openCount.get(name) ?? 0) + 1);
          if (open.length > max) return true;
        }
      }
    }
    at = lower.indexOf('<', next);
  }
  return false;
}

function renderHtml(html: string): string {
  return htmlToText(html.replace(MARKERS, ''), {
    limits: { maxInputLength: MAX_HTML_CHARS },
    wordwrap: false,
    selectors: SELECTORS,
    formatters: { markedHeading: formatMarkedHeading, tableCell: formatCell },
  });
}

function titleOf(html: string): string | undefined {
  const match = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  if (!match?.[1]) return undefined;
  return htmlToText(match[1], { wordwrap: false }).trim() || undefined;
}

/** Rebuilds rendered text (with heading markers) into a document with exact section offsets. */
export function buildFromHtml(html: string, contentType: string, limits: TextLimits, title?: string): ExtractedDocument {
  if (html.length > MAX_HTML_CHARS) {
    throw new UnsupportedDocumentError(
      `The HTML is ${html.length.toLocaleString('en-US')} characters, above the ${MAX_HTML_CHARS.toLocaleString('en-US')} the HTML reader takes`,
    );
  }
  if (nestsDeeperThan(html, MAX_HTML_DEPTH)) {
    throw new UnsupportedDocumentError(
      `The HTML nests its elements more than ${MAX_HTML_DEPTH} deep, more than the HTML reader takes (a page built to crash readers, or a damaged one)`,
    );
  }
  const rendered = renderHtml(html);
  const builder = new TextBuilder(limits);
  let last = 0;
  for (const match of rendered.matchAll(HEADING)) {
    builder.addBlock(rendered.slice(last, match.index));
    builder.addHeading(Number(match[1]), match[2] ?? '');
    last = match.index + match[0].length;
  }
  builder.addBlock(rendered.slice(last));
  return builder.build(contentType, title);
}

export const extractHtml: FormatExtractor = async (input) => {
  const html = decodeText(input.bytes, 'HTML');
  return buildFromHtml(html, input.contentType, input, titleOf(html));
};
