/**
 * Deterministic synthetic text for benchmarks: a seeded PRNG and a Zipf-like vocabulary of pronounceable
 * pseudo-words, so every run indexes the same corpus and asks the same questions, and term statistics look
 * like natural language (a few very common words, a long tail of rare ones).
 */
export type Random = () => number;

/** mulberry32: tiny, fast, good enough to make benchmark inputs reproducible. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONSONANTS = 'bcdfghklmnprstvz';
const VOWELS = 'aeiou';

function pseudoWord(random: Random): string {
  const syllables = 1 + Math.floor(random() * 3);
  let word = '';
  for (let i = 0; i < syllables; i += 1) {
    word += CONSONANTS[Math.floor(random() * CONSONANTS.length)];
    word += VOWELS[Math.floor(random() * VOWELS.length)];
    if (random() < 0.3) word += CONSONANTS[Math.floor(random() * CONSONANTS.length)];
  }
  return word;
}

export class SyntheticText {
  private readonly words: string[];
  private readonly cumulative: number[];

  constructor(
    private readonly random: Random,
    vocabularySize = 3000,
  ) {
    const unique = new Set<string>();
    while (unique.size < vocabularySize) unique.add(pseudoWord(random));
    this.words = [...unique];
    // Zipf weights 1/rank, as cumulative sums for sampling by binary search.
    let total = 0;
    this.cumulative = this.words.map((_, rank) => {
      total += 1 / (rank + 1);
      return total;
    });
  }

  word(): string {
    const target = this.random() * (this.cumulative[this.cumulative.length - 1] as number);
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.cumulative[mid] as number) < target) low = mid + 1;
      else high = mid;
    }
    return this.words[low] as string;
  }

  sentence(minWords = 6, maxWords = 16): string {
    const length = minWords + Math.floor(this.random() * (maxWords - minWords + 1));
    const words = Array.from({ length }, () => this.word());
    const first = words[0] as string;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    return `${words.join(' ')}.`;
  }

  /** Roughly `chars` characters of sentences grouped into paragraphs. */
  passage(chars: number): string {
    const paragraphs: string[] = [];
    let length = 0;
    while (length < chars) {
      const sentences = Array.from({ length: 3 + Math.floor(this.random() * 4) }, () => this.sentence());
      const paragraph = sentences.join(' ');
      paragraphs.push(paragraph);
      length += paragraph.length + 2;
    }
    return paragraphs.join('\n\n');
  }

  /** A question made of words drawn from a passage: it has answers in the index, like a real user's. */
  questionAbout(passage: string, words = 6): string {
    const tokens = passage.toLowerCase().match(/[a-z]+/g) ?? [];
    const picked = Array.from({ length: words }, () => tokens[Math.floor(this.random() * tokens.length)] ?? this.word());
    return `What does the text say about ${picked.join(' ')}?`;
  }
}
