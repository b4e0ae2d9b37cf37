import { checkExtractedChars, checkTokenLength, type TextLimits } from '../text-limits';
import type { ExtractedDocument } from './document-types';

/** Characters that carry no text: C0/C1 controls except tab and newline, zero-width marks, byte-order marks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const INVISIBLE = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F\u200B\u2060\uFEFF]/g;
/** Spaces that look like a space but break word splitting downstream. */
const ODD_SPACES = /[\u00A0\u2007\u202F\u3000]/g;

/**
 * Normalises one block of text: `\n` line breaks, no control characters, no trailing spaces,
 * at most one blank line in a row, trimmed. Every format goes through this, so offsets computed
 * on the result (pages, sections, chunks) are exact.
 */
export function normalizeBlock(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\r\n?|\u2028|\u2029|\f|\v/g, '\n')
    .replace(INVISIBLE, '')
    .replace(ODD_SPACES, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const BLOCK_SEPARATOR = '\n\n';

/**
 * Accumulates normalised blocks separated by one blank line and records where headings
 * (sections) and pages start, so offsets are correct by construction. Enforces the text limits
 * block by block, so a format that adds blocks as it reads (pages, paragraphs) stops at the first
 * block past a limit instead of building all of the text first.
 */
export class TextBuilder {
  private readonly limits: TextLimits;
  private readonly parts: string[] = [];
  private length = 0;
  private readonly sections: { start: number; path: string }[] = [];
  private readonly headingStack: { level: number; text: string }[] = [];
  private readonly pages: { start: number; end: number }[] = [];
  private firstHeading: string | undefined;
  private firstTopHeading: string | undefined;

  constructor(limits: TextLimits) {
    // Only the two numbers: callers pass their whole format input, bytes included.
    this.limits = { maxExtractedChars: limits.maxExtractedChars, maxTokenChars: limits.maxTokenChars };
  }

  /** Appends a block; returns its range, or undefined when it normalises to nothing. */
  addBlock(raw: string): { start: number; end: number } | undefined {
    const text = normalizeBlock(raw);
    if (text === '') return undefined;
    const separator = this.parts.length > 0 ? BLOCK_SEPARATOR.length : 0;
    checkExtractedChars(this.length + separator + text.length, this.limits);
    // Blocks are joined by a blank line, so no run of non-space characters crosses two blocks.
    checkTokenLength(text, this.limits);
    if (this.parts.length > 0) {
      this.parts.push(BLOCK_SEPARATOR);
      this.length += BLOCK_SEPARATOR.length;
    }
    const start = this.length;
    this.parts.push(text);
    this.length += text.length;
    return { start, end: this.length };
  }

  /** Appends a heading block and opens a section whose path is the chain of enclosing headings. */
  addHeading(level: number, raw: string): void {
    const heading = normalizeBlock(raw).replace(/\s+/g, ' ');
    if (heading === '') return;
    const range = this.addBlock(heading);
    if (!range) return;
    while (this.headingStack.length > 0 && (this.headingStack[this.headingStack.length - 1]?.level ?? 0) >= level) {
      this.headingStack.pop();
    }
    this.headingStack.push({ level, text: heading });
    this.firstHeading ??= heading;
    if (level === 1) this.firstTopHeading ??= heading;
    this.sections.push({ start: range.start, path: this.headingStack.map((h) => h.text).join(' > ') });
  }

  /** Appends the whole text of one page and records its range (empty pages get an empty range). */
  addPage(raw: string): void {
    const range = this.addBlock(raw);
    this.pages.push(range ?? { start: this.length, end: this.length });
  }

  /** The first level-1 heading, else the first heading of any level. */
  get title(): string | undefined {
    return this.firstTopHeading ?? this.firstHeading;
  }

  build(contentType: string, title?: string): ExtractedDocument {
    const document: ExtractedDocument = { text: this.parts.join(''), contentType };
    const finalTitle = normalizeTitle(title) ?? this.title;
    if (finalTitle) document.title = finalTitle;
    if (this.pages.length > 0) document.pages = this.pages;
    if (this.sections.length > 0) document.sections = this.sections;
    return document;
  }
}

/** Titles are one line, trimmed and bounded: they travel in vector metadata. */
export function normalizeTitle(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const title = normalizeBlock(raw).replace(/\s+/g, ' ').slice(0, 300).trim();
  return title === '' ? undefined : title;
}
