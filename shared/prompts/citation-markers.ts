/**
 * "[n]" citation markers in answer text: the format the answer prompts ask for, read back by every
 * generator that numbers its sources and ignored by the grounding check.
 *
 * A marker group is one or more adjacent markers ("[1]", "[1][3]", "[2, 4]"); it cites the claim that
 * precedes it: the text from the previous sentence end, line break or marker group up to the marker,
 * trailing whitespace excluded. Markers outside 1..n (a model inventing sources) are dropped.
 */

/** One marker group: "[1]", "[1, 2]" or several adjacent ones like "[1][2]" or "[1] [2]". */
const MARKER_GROUP = /\[\d+(?:\s*,\s*\d+)*\](?:[ \t]*\[\d+(?:\s*,\s*\d+)*\])*/g;
const NUMBERS = /\d+/g;
const CLAIM_BOUNDARY = /[.!?]["')\]]*\s+|\n+/g;

export function formatCitationMarker(marker: number): string {
  return `[${marker}]`;
}

/** The answer with every marker removed (for grounding checks and plain-text display). */
export function stripCitationMarkers(text: string): string {
  return text
    .replace(MARKER_GROUP, '')
    .replace(/[ \t]+([.,;:!?])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** One source a marker cites, and the span of the answer it supports, [start, end). */
export interface MarkedCitation {
  chunkId: string;
  marker: number;
  answerSpan: { start: number; end: number };
}

/**
 * Maps markers in `text` to the given chunk ids (marker n -> chunkIds[n - 1]), one citation per
 * (marker group, chunk), in order of appearance, with `answerSpan` covering the claim.
 */
export function parseCitationMarkers(text: string, chunkIds: readonly string[]): MarkedCitation[] {
  const citations: MarkedCitation[] = [];
  let previousGroupEnd = 0;
  for (const group of text.matchAll(MARKER_GROUP)) {
    const at = group.index ?? 0;
    const span = claimSpan(text, previousGroupEnd, at);
    previousGroupEnd = at + group[0].length;
    const seen = new Set<number>();
    for (const match of group[0].matchAll(NUMBERS)) {
      const marker = Number(match[0]);
      const chunkId = chunkIds[marker - 1];
      if (chunkId === undefined || seen.has(marker)) continue;
      seen.add(marker);
      citations.push({ chunkId, marker, answerSpan: span });
    }
  }
  return citations;
}

/** The claim a marker at `markerAt` closes: after the last boundary that precedes the claim's own end. */
function claimSpan(text: string, floor: number, markerAt: number): { start: number; end: number } {
  let end = markerAt;
  while (end > floor && /\s/.test(text[end - 1] ?? '')) end -= 1;
  // A marker may follow the sentence's own terminator ("Paris is big. [1]"): that one is not a boundary.
  let searchEnd = end;
  while (searchEnd > floor && /[.!?"')\]\s]/.test(text[searchEnd - 1] ?? '')) searchEnd -= 1;
  let start = floor;
  const region = text.slice(floor, searchEnd);
  for (const boundary of region.matchAll(CLAIM_BOUNDARY)) start = floor + (boundary.index ?? 0) + boundary[0].length;
  // Punctuation left over from a previous marker group (e.g. "[1]. Next") is not part of the claim.
  while (start < end && /[\s.,;:!?]/.test(text[start] ?? '')) start += 1;
  return { start, end: Math.max(start, end) };
}
