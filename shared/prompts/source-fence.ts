/**
 * Retrieved text fenced as data in a model prompt: each source inside `<source id="n">` … `</source>`,
 * the tags the answer prompts (v2 on) name as the boundary of untrusted text. A document cannot close its
 * own fence or open a forged one: every "<source" / "</source" it contains (any case, spaces or a slash
 * inside the angle bracket) is written `&lt;source`, which a model reads as the text it is and no
 * template treats as a tag. The rest of the text is left exactly as it is ("x < 5" stays).
 */

// "<source", "</source", "< / SOURCE", "<sources": anything a reader could take for our tag.
const FENCE_TAG = /<(\s*\/?\s*)(source)/gi;

/** The text with every look-alike of the fence tag neutralised. */
export function escapeSourceFence(text: string): string {
  return text.replace(FENCE_TAG, '&lt;$1$2');
}

/** One source, numbered from 1 as the citation markers are: `<source id="1">\n…\n</source>`. */
export function fenceSource(marker: number, text: string): string {
  return `<source id="${marker}">\n${escapeSourceFence(text)}\n</source>`;
}

/** The sources in rank order, fenced and numbered 1..n. */
export function fenceSources(texts: readonly string[]): string[] {
  return texts.map((text, i) => fenceSource(i + 1, text));
}
