import { STOPWORDS, stem, tokenize } from '../embeddings/tokenizer';

/**
 * The deterministic follow-up rewrite of the embedded runtime: a follow-up gets the previous
 * question's key terms in front, so retrieval (which sees one question, not the conversation) finds
 * the same topic again.
 *
 * A question is a follow-up when any of these holds (words are the shared tokenizer's; content words
 * are words not in its STOPWORDS list):
 *   1. it opens with a continuation cue: "and", "but", "also", "plus", "so", "then", "what about",
 *      "how about", "what else", "same for";
 *   2. it refers back and says little itself: it has a reference word (it, its, they, them, their,
 *      he, him, his, she, her, this, that, these, those; "that" not right after a content word, where
 *      it opens a relative clause: "the form that I need") and at most three content words of its own
 *      ("Is this mandatory?", "Does this policy apply abroad?" refer back; a question with four or more
 *      content words carries its own topic and is left alone);
 *   3. it has no content word at all ("why?", "how much?"), or it is at most three words opening with
 *      a preposition ("for contractors?", "in Germany?").
 *
 * The rewrite is "<key terms>: <question>", the key terms being the previous question's content words
 * in their order, without those the follow-up already has (compared by stem) or replaces (the word after a
 * preposition the follow-up repeats: "on Thursdays" then "and on Saturdays?"), at most eight; a leading
 * conjunction ("and", "but", ...) is dropped from the question. Pass the previous turn's rewritten
 * question when it has one, so a chain of follow-ups keeps its topic.
 *
 *   previous "How many days do I have to submit an expense report?"
 *   question "and how long does it take to be reimbursed?"
 *   rewrite  "days submit expense report: how long does it take to be reimbursed?"
 *
 * Returns undefined when the question is not a follow-up or there are no terms to add.
 */
const LEADING_CONJUNCTIONS = new Set(['and', 'but', 'also', 'plus', 'so', 'then']);
const LEADING_PHRASES = ['what about', 'how about', 'what else', 'same for'];
const REFERENCE_WORDS = new Set(['it', 'its', 'they', 'them', 'their', 'he', 'him', 'his', 'she', 'her', 'this', 'that', 'these', 'those']);
const PREPOSITIONS = new Set(['for', 'in', 'on', 'at', 'with', 'without', 'from', 'to', 'by', 'about', 'during', 'after', 'before', 'under', 'over', 'via']);
const MAX_OWN_CONTENT_WORDS = 3;
const MAX_PREPOSITIONAL_WORDS = 3;
const MAX_KEY_TERMS = 8;

const isContentWord = (token: string): boolean => !STOPWORDS.has(token) && (token.length > 1 || /\d/.test(token));

export function isFollowUp(question: string): boolean {
  const tokens = tokenize(question);
  const first = tokens[0];
  if (first === undefined) return false;
  const opening = tokens.slice(0, 2).join(' ');
  if (LEADING_CONJUNCTIONS.has(first) || LEADING_PHRASES.includes(opening)) return true;

  const contentWords = tokens.filter(isContentWord).length;
  const refersBack = tokens.some((token, index) => REFERENCE_WORDS.has(token) && !(token === 'that' && isContentWord(tokens[index - 1] ?? '')));
  if (refersBack && contentWords <= MAX_OWN_CONTENT_WORDS) return true;

  return contentWords === 0 || (tokens.length <= MAX_PREPOSITIONAL_WORDS && PREPOSITIONS.has(first));
}

/**
 * The previous question's content words in order, once each, minus those (by stem) already in `question`, and
 * minus the word a follow-up replaces: when the follow-up has "<preposition> <word>" and the previous question
 * has the same preposition, the previous word after it is the one being swapped ("...open on Thursdays?" then
 * "And on Saturdays?" asks about Saturdays, not Thursdays and Saturdays).
 */
export function keyTerms(previousQuestion: string, question = ''): string[] {
  const questionTokens = tokenize(question);
  const present = new Set(questionTokens.map(stem));
  const replacedAfter = new Set(questionTokens.filter((token, i) => PREPOSITIONS.has(token) && isContentWord(questionTokens[i + 1] ?? '')));
  const previousTokens = tokenize(previousQuestion);
  const terms: string[] = [];
  for (const [i, token] of previousTokens.entries()) {
    if (!isContentWord(token) || present.has(stem(token))) continue;
    if (replacedAfter.has(previousTokens[i - 1] ?? '')) continue;
    present.add(stem(token));
    terms.push(token);
    if (terms.length === MAX_KEY_TERMS) break;
  }
  return terms;
}

export function rewriteFollowUp(question: string, previousQuestion: string | undefined): string | undefined {
  if (!previousQuestion || !isFollowUp(question)) return undefined;
  const terms = keyTerms(previousQuestion, question);
  if (terms.length === 0) return undefined;
  const trimmed = question.trim();
  const firstWord = /^([\p{L}]+)[\s,]+/u.exec(trimmed);
  const rest = firstWord?.[1] && LEADING_CONJUNCTIONS.has(firstWord[1].toLowerCase()) ? trimmed.slice(firstWord[0].length) : trimmed;
  return `${terms.join(' ')}: ${rest}`;
}
