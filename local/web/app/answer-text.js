/**
 * Pure helpers for the answer text: where the `[n]` citation markers are, and which part of an excerpt
 * the answer cites. No DOM here, so the rules are easy to read and to test.
 */

/**
 * @typedef {{ kind: 'text', text: string } | { kind: 'marker', marker: number, text: string }} AnswerSegment
 */

/**
 * Splits an answer into text and `[n]` markers. A marker cut in half by a delta (`[1` … `2]`) stays text
 * until the rest arrives.
 * @param {string} answer
 * @returns {AnswerSegment[]}
 */
export function splitAnswer(answer) {
  /** @type {AnswerSegment[]} */
  const segments = [];
  let last = 0;
  for (const match of answer.matchAll(/\[(\d{1,3})\]/g)) {
    const at = match.index ?? 0;
    if (at > last) segments.push({ kind: 'text', text: answer.slice(last, at) });
    segments.push({ kind: 'marker', marker: Number(match[1]), text: match[0] });
    last = at + match[0].length;
  }
  if (last < answer.length) segments.push({ kind: 'text', text: answer.slice(last) });
  return segments;
}

/**
 * The answer's sentence that a marker closes: the last sentence of the nearest non-blank text before it.
 * @param {AnswerSegment[]} segments
 * @param {number} index the marker's index in `segments`
 */
export function sentenceBefore(segments, index) {
  for (let i = index - 1; i >= 0; i -= 1) {
    const segment = segments[i];
    if (segment?.kind !== 'text' || segment.text.trim() === '') continue;
    const sentences = segment.text.trim().split(/(?<=[.!?])\s+/);
    return sentences[sentences.length - 1] ?? '';
  }
  return '';
}

/** @param {string} text */
const normalizeSpace = (text) => text.replace(/\s+/g, ' ').trim();

/**
 * Which citation each marker of the answer stands for. Citations carry their marker number, and several can share
 * one (an extractive answer cites each sentence it takes from a document with that document's `[1]`). A marker then
 * stands for the citation of its number whose excerpt holds the sentence the marker closes; failing that, for the
 * citations of its number in turn.
 * @param {AnswerSegment[]} segments
 * @param {{ marker?: number, excerpt: string }[]} citations
 * @returns {Map<number, number>} the index of each marker segment → the index of its citation
 */
export function resolveMarkers(segments, citations) {
  /** @type {Map<number, number[]>} */
  const byMarker = new Map();
  citations.forEach((citation, i) => {
    const marker = citation.marker ?? i + 1;
    byMarker.set(marker, [...(byMarker.get(marker) ?? []), i]);
  });
  /** @type {Map<number, number>} */
  const occurrences = new Map();
  /** @type {Map<number, number>} */
  const resolved = new Map();
  segments.forEach((segment, index) => {
    if (segment.kind !== 'marker') return;
    const candidates = byMarker.get(segment.marker);
    if (!candidates) return;
    const occurrence = occurrences.get(segment.marker) ?? 0;
    occurrences.set(segment.marker, occurrence + 1);
    const sentence = normalizeSpace(sentenceBefore(segments, index));
    const holder = sentence.length >= 8 ? candidates.find((i) => normalizeSpace(citations[i]?.excerpt ?? '').includes(sentence)) : undefined;
    resolved.set(index, holder ?? candidates[occurrence % candidates.length] ?? 0);
  });
  return resolved;
}

/**
 * The range of the excerpt to highlight as the cited span. The excerpt is the span itself when its length
 * matches the citation's offsets (sentence-level citations); when the excerpt is a longer passage, the span is
 * where the answer's sentence appears in it verbatim; failing both, the whole excerpt.
 * @param {string} excerpt
 * @param {{ start: number, end: number }} location
 * @param {string} answerSentence
 * @returns {{ start: number, end: number }}
 */
export function citedSpan(excerpt, location, answerSentence) {
  const whole = { start: 0, end: excerpt.length };
  const spanLength = location.end - location.start;
  if (spanLength <= 0 || spanLength >= excerpt.trim().length) return whole;
  for (const probe of [answerSentence.trim(), answerSentence.trim().replace(/[.!?]+$/, '')]) {
    if (probe.length < 8) continue;
    const at = excerpt.indexOf(probe);
    if (at !== -1) return { start: at, end: at + probe.length };
  }
  return whole;
}

/**
 * Where a citation points, in words: page, section, character offsets.
 * @param {{ start: number, end: number, page?: number, section?: string }} location
 */
export function describeLocation(location) {
  const parts = [];
  if (location.page !== undefined) parts.push(`page ${location.page}`);
  if (location.section) parts.push(`section “${location.section}”`);
  parts.push(`characters ${location.start.toLocaleString('en-US')}–${location.end.toLocaleString('en-US')}`);
  return parts.join(' · ');
}
