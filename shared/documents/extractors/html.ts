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
