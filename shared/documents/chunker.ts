import { UnsupportedDocumentError } from '../errors';
import type { Chunk, ChunkLocation } from './chunk';
import type { ExtractedDocument } from './extract';
import { chunkIdFor } from './identity';
import { splitSentences } from './sentences';

export interface ChunkerOptions {
  /** Maximum chunk length in characters. */
  size: number;
  /** Characters of context carried over from the end of one chunk into the next (at most). */
  overlap: number;
}

/** Per-document bound (RAG_MAX_CHUNKS_PER_DOCUMENT): past it the document is refused, not indexed in part. */
export interface ChunkLimits {
  maxChunks: number;
}

/** Bump when the output for the same input changes: the config id is part of the index fingerprint. */
const ALGORITHM = 'recursive-v1';
const MIN_SIZE = 50;
/** A chunk may end at a weaker boundary only when a stronger one would leave it under half full. */
const MIN_FILL = 0.5;

/** How good a place to cut a boundary is: paragraph > line-start sentence > sentence > word > inside a huge word. */
const Strength = { HardCut: -1, Word: 0, Sentence: 1, LineSentence: 2, Paragraph: 3 } as const;
type Strength = (typeof Strength)[keyof typeof Strength];

/** Positions where a chunk may start (and the previous one end), sorted, with their strength. */
interface Boundaries {
  positions: number[];
  strengths: Strength[];
}

const WHITESPACE = /\s/;

function isSpace(text: string, index: number): boolean {
  return WHITESPACE.test(text[index] ?? '');
}

/** Offset just past the last non-whitespace character before `position` (not before `floor`). */
function trimEnd(text: string, position: number, floor: number): number {
  let end = position;
  while (end > floor && isSpace(text, end - 1)) end -= 1;
  return end;
}

function append(ranges: { start: number; end: number }[], range: { start: number; end: number }, maxChunks: number): void {
  ranges.push(range);
  if (ranges.length > maxChunks) {
    throw new UnsupportedDocumentError(`The document makes more chunks than the limit of ${maxChunks.toLocaleString('en-US')} (RAG_MAX_CHUNKS_PER_DOCUMENT)`);
  }
}

function lastIndexAtOrBefore(starts: number[], position: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] ?? 0) <= position) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Recursive character splitter in the LangChain tradition, over offsets instead of strings:
 * chunks end preferably at paragraph, then line, then sentence, then word boundaries, hold at most
 * `size` characters, and carry up to `overlap` characters of the previous chunk (starting at a
 * sentence when one fits, else at a word). A word is cut only when it alone exceeds `size`.
 *
 * Chunk text is exactly `doc.text.slice(start, end)` and never starts or ends with whitespace.
 * Chunks never cross a section start (a heading), so each chunk has one section; the page is the
 * page where the chunk starts.
 */
export class Chunker {
  readonly configId: string;
  private readonly size: number;
  private readonly overlap: number;

  constructor(options: ChunkerOptions) {
    const { size, overlap } = options;
    if (!Number.isInteger(size) || size < MIN_SIZE) throw new RangeError(`Chunk size must be an integer >= ${MIN_SIZE}, got ${size}`);
    if (!Number.isInteger(overlap) || overlap < 0) throw new RangeError(`Chunk overlap must be a non-negative integer, got ${overlap}`);
    if (overlap >= size) throw new RangeError(`Chunk overlap (${overlap}) must be smaller than chunk size (${size})`);
    this.size = size;
    this.overlap = overlap;
    this.configId = `${ALGORITHM}:${size}:${overlap}`;
  }

  /** Without `limits` there is no bound on the count (the evaluation and the bench chunk trusted corpora). */
  chunk(doc: ExtractedDocument, ids: { documentId: string; fingerprint: string }, limits?: ChunkLimits): Chunk[] {
    const { text } = doc;
    if (text.trim() === '') return [];
    const sentenceStarts = splitSentences(text).map((s) => s.start);
    const pageStarts = (doc.pages ?? []).map((p) => p.start);
    const sectionStarts = (doc.sections ?? []).map((s) => s.start);
    const segmentStarts = [0, ...sectionStarts.filter((s) => s > 0 && s < text.length)];
    const ranges: { start: number; end: number }[] = [];
    const maxChunks = limits?.maxChunks ?? Number.POSITIVE_INFINITY;
    segmentStarts.forEach((start, i) => {
      const end = segmentStarts[i + 1] ?? text.length;
      const boundaries = this.boundariesOf(text, start, end, sentenceStarts, pageStarts);
      this.pack(text, start, end, boundaries, ranges, maxChunks);
    });
    return ranges.map((range, index) => {
      const location: ChunkLocation = { start: range.start, end: range.end };
      if (pageStarts.length > 0) location.page = Math.max(lastIndexAtOrBefore(pageStarts, range.start), 0) + 1;
      const section = doc.sections?.[lastIndexAtOrBefore(sectionStarts, range.start)];
      if (section) location.section = section.path;
      return { id: chunkIdFor(ids.documentId, ids.fingerprint, index), index, text: text.slice(range.start, range.end), location };
    });
  }

  private boundariesOf(text: string, start: number, end: number, sentenceStarts: number[], pageStarts: number[]): Boundaries {
    const strengthAt = new Map<number, Strength>();
    const raise = (position: number, strength: Strength): void => {
      if (position <= start || position >= end) return;
      const current = strengthAt.get(position);
      if (current === undefined || current < strength) strengthAt.set(position, strength);
    };
    // Word starts, and hard cuts inside words longer than a chunk.
    for (const match of text.slice(start, end).matchAll(/\S+/g)) {
      const wordStart = start + match.index;
      raise(wordStart, Strength.Word);
      for (let cut = wordStart + this.size; cut < wordStart + match[0].length; cut += this.size) {
        // Never split a surrogate pair.
        raise(/[\uDC00-\uDFFF]/.test(text[cut] ?? '') ? cut - 1 : cut, Strength.HardCut);
      }
    }
    for (let i = lastIndexAtOrBefore(sentenceStarts, start) + 1; i < sentenceStarts.length; i += 1) {
      const position = sentenceStarts[i] ?? end;
      if (position >= end) break;
      let before = position;
      while (before > start && (text[before - 1] === ' ' || text[before - 1] === '\t')) before -= 1;
      const atLineStart = text[before - 1] === '\n';
      const afterBlankLine = atLineStart && /\n[ \t]*$/.test(text.slice(Math.max(start, before - 64), before - 1));
      raise(position, afterBlankLine ? Strength.Paragraph : atLineStart ? Strength.LineSentence : Strength.Sentence);
    }
    for (let i = Math.max(lastIndexAtOrBefore(pageStarts, start), 0); i < pageStarts.length; i += 1) {
      let position = pageStarts[i] ?? end;
      if (position >= end) break;
      while (position < end && isSpace(text, position)) position += 1;
      raise(position, Strength.Paragraph);
    }
    const positions = [...strengthAt.keys()].sort((a, b) => a - b);
    return { positions, strengths: positions.map((p) => strengthAt.get(p) ?? Strength.Word) };
  }

  /**
   * Greedy packing over boundaries; appends trimmed [start, end) ranges of one segment to `ranges`, and
   * stops at the first range past `maxChunks`, before any chunk (id, text) is built.
   */
  private pack(
    text: string,
    segmentStart: number,
    segmentEnd: number,
    boundaries: Boundaries,
    ranges: { start: number; end: number }[],
    maxChunks: number,
  ): void {
    const { positions, strengths } = boundaries;
    const lastEnd = trimEnd(text, segmentEnd, segmentStart);
    let start = segmentStart;
    while (start < lastEnd && isSpace(text, start)) start += 1;
    // Index of the first boundary after `start`.
    let next = 0;
    while (start < lastEnd) {
      while (next < positions.length && (positions[next] ?? 0) <= start) next += 1;
      if (lastEnd - start <= this.size) {
        append(ranges, { start, end: lastEnd }, maxChunks);
        break;
      }
      // Candidate ends: boundaries whose trimmed end keeps the chunk within size.
      let chosen = -1;
      let chosenStrength: number = Strength.HardCut - 1;
      let longest = -1;
      const minLength = this.size * MIN_FILL;
      for (let i = next; i < positions.length; i += 1) {
        const length = trimEnd(text, positions[i] ?? 0, start) - start;
        if (length > this.size) break;
        if (length <= 0) continue;
        longest = i;
        const strength = strengths[i] ?? Strength.Word;
        if (length >= minLength && strength >= chosenStrength) {
          chosen = i;
          chosenStrength = strength;
        }
      }
      if (chosen === -1) chosen = longest;
      if (chosen === -1) {
        // Unreachable with hard cuts in place; kept so a bug can never loop forever.
        const end = Math.min(start + this.size, lastEnd);
        append(ranges, { start, end }, maxChunks);
        start = end;
        continue;
      }
      const boundary = positions[chosen] ?? lastEnd;
      const end = trimEnd(text, boundary, start);
      append(ranges, { start, end }, maxChunks);
      start = this.nextStart(text, positions, strengths, next, chosen, end, lastEnd);
    }
  }

  /**
   * Where the next chunk starts: the earliest sentence start within `overlap` characters of the
   * previous end, else the earliest word start, else the boundary itself (no overlap). The next
   * chunk must still be able to reach past the previous end without exceeding `size`.
   */
  private nextStart(text: string, positions: number[], strengths: Strength[], first: number, chosen: number, end: number, lastEnd: number): number {
    const boundary = positions[chosen] ?? lastEnd;
    if (this.overlap === 0) return boundary;
    const following = positions[chosen + 1];
    const mustReach = following === undefined ? lastEnd : trimEnd(text, following, boundary);
    let sentence = -1;
    let word = -1;
    for (let i = first; i < chosen; i += 1) {
      const position = positions[i] ?? 0;
      if (end - position > this.overlap || mustReach - position > this.size) continue;
      const strength = strengths[i] ?? Strength.Word;
      if (strength >= Strength.Sentence && sentence === -1) sentence = position;
      if (strength >= Strength.Word && word === -1) word = position;
    }
    if (sentence !== -1) return sentence;
    if (word !== -1) return word;
    return boundary;
  }
}
