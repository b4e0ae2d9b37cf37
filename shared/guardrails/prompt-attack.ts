/**
 * Prompt-attack patterns, pure and dependency-free: the local guardrail matches them against a question
 * (direct attacks, which it blocks) and against retrieved text (indirect injection, which it reports), and
 * the extractive generator never reads out a sentence that matches the document set.
 *
 * Two sets, because the cost of a false positive differs. A question is written to the assistant, so
 * jailbreak vocabulary ("DAN", "developer mode", a "System:" line) is an attack there; in a document it is
 * ordinary text (an Android guide's "developer mode", a spec sheet's "System: Linux"). The document set
 * keeps only phrasings aimed at a model reading the text: overriding its instructions, asking for its
 * prompt, addressing it as an AI, chat-template tokens. Each pattern has a name for the finding's detail;
 * findings never carry the matched text.
 */
export interface PromptAttackPattern {
  name: string;
  pattern: RegExp;
}

// "Do not ignore the previous instructions" warns, it does not attack.
const NOT_NEGATED = "(?<!\\b(?:not|never|no|n't|n’t)\\s{1,3})";
const OVERRIDE_VERB = '\\b(?:ignore|disregard|forget|override|bypass)\\b';
// "all", "previous", "your"...: whose instructions. Without one ("ignore the safety instructions") it is a manual's warning.
const WHOSE = '\\b(?:previous|prior|above|earlier|preceding|all|your|initial|original)\\b';
const RULES = '\\b(?:instructions?|rules|prompts?|directions|guidelines|directives|constraints|guardrails?)\\b';

const IGNORE_INSTRUCTIONS = new RegExp(
  `${NOT_NEGATED}${OVERRIDE_VERB}[^.?!\\n]{0,40}${WHOSE}[^.?!\\n]{0,25}${RULES}|${NOT_NEGATED}${OVERRIDE_VERB}[^.?!\\n]{0,30}\\b(?:system|developer)\\s+(?:prompts?|instructions?|messages?)\\b`,
  'i',
);
const CHAT_TEMPLATE_TOKEN = /<\|(?:im_start|im_end|system|user|assistant|endoftext)\|>|\[\/?INST\]|<<\/?SYS>>/i;

/** Matched against a question: what the guardrail blocks. */
export const PROMPT_ATTACK_PATTERNS: readonly PromptAttackPattern[] = [
  { name: 'IGNORE_INSTRUCTIONS', pattern: IGNORE_INSTRUCTIONS },
  {
    name: 'REVEAL_SYSTEM_PROMPT',
    pattern:
      /\b(?:reveal|show|print|repeat|output|display|leak|dump|tell me|give me|what (?:is|are|was|were))\b[^.?!\n]{0,40}\b(?:system|hidden|initial|original|secret|developer)\s+(?:prompts?|instructions?|messages?|rules)\b/i,
  },
  { name: 'JAILBREAK', pattern: /\bjail\s?break(?:ing|s)?\b|\bdo anything now\b/i },
  // Case-sensitive: "DAN" the persona, not "Dan" the colleague.
  { name: 'JAILBREAK', pattern: /\bDAN\b/ },
  { name: 'DEVELOPER_MODE', pattern: /\b(?:developer|god|sudo|admin|unrestricted|unfiltered|debug)\s+mode\b/i },
  {
    name: 'ROLE_PLAY_OVERRIDE',
    pattern:
      /\b(?:pretend|act as if|imagine|role-?play|from now on)\b[^.?!\n]{0,50}\b(?:no|without|free of|any)\s+(?:restrictions|rules|filters|limits|limitations|guidelines|censorship)\b|\byou are no longer\b|\bfrom now on,? you (?:are|will|must)\b|\bpretend (?:that )?you (?:are|have) no\b/i,
  },
  { name: 'INJECTED_ROLE_MARKER', pattern: CHAT_TEMPLATE_TOKEN },
  { name: 'INJECTED_ROLE_MARKER', pattern: /^\s*#{0,3}\s*(?:system|assistant)\s*:/im },
  { name: 'NEW_INSTRUCTIONS', pattern: /\b(?:new|updated|real)\s+(?:instructions|system prompt)\s*:/i },
];

const AI_READER = '(?:ai|a\\.i\\.|llms?|language models?|chat ?bots?|ai assistants?|ai models?|gpt|chatgpt|claude|copilot)';

/** Matched against retrieved text: instructions planted for a model that reads it (indirect prompt injection). */
export const DOCUMENT_INJECTION_PATTERNS: readonly PromptAttackPattern[] = [
  { name: 'IGNORE_INSTRUCTIONS', pattern: IGNORE_INSTRUCTIONS },
  {
    name: 'REVEAL_SYSTEM_PROMPT',
    pattern:
      /\b(?:reveal|print|repeat|output|leak|dump|disclose)\b[^.?!\n]{0,30}\b(?:your\s+(?:system|hidden|initial|original|secret)\s+(?:prompt|instructions)|(?:the|its)\s+system\s+prompt)\b/i,
  },
  {
    name: 'ADDRESSES_THE_MODEL',
    pattern: new RegExp(
      `\\b(?:note|message|instructions?) (?:to|for) (?:the |any |all )?${AI_READER}\\b|\\bif you are an? ${AI_READER}\\b|\\b${AI_READER}\\b[^.?!\\n]{0,40}\\b(?:must|should|shall)\\s+(?:now\\s+)?(?:ignore|disregard|reply|respond|answer|say|output|print|reveal)\\b`,
      'i',
    ),
  },
  {
    name: 'ROLE_OVERRIDE',
    pattern: new RegExp(
      `\\byou are (?:now|no longer) (?:an? |the )?(?:unrestricted |unfiltered |new )?${AI_READER}\\b|\\bfrom now on,? you (?:are|will act as) (?:an? |the )?(?:DAN|unrestricted|unfiltered)\\b|\\bdo anything now\\b`,
      'i',
    ),
  },
  {
    name: 'ANSWER_OVERRIDE',
    pattern:
      /\b(?:reply|respond|answer|say)\s+(?:only\s+)?(?:with\s+)?\S{1,40}\s+(?:to|for)\s+(?:every|all|any)\s+(?:questions?|quer(?:y|ies)|prompts?)\b|\b(?:always|only)\s+(?:reply|respond|answer)\s+with\b/i,
  },
  { name: 'INJECTED_ROLE_MARKER', pattern: CHAT_TEMPLATE_TOKEN },
  { name: 'NEW_INSTRUCTIONS', pattern: /\b(?:new|updated|real|actual)\s+system\s+prompt\b/i },
];

/** Undoes cheap obfuscation before matching: compatibility forms, zero-width characters, spaced-out runs of whitespace. */
export function normalizeForMatching(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/g, '')
    .replace(/[ \t\f\v]+/g, ' ');
}

function matchedNames(text: string, patterns: readonly PromptAttackPattern[]): string[] {
  const normalized = normalizeForMatching(text);
  return [...new Set(patterns.filter((p) => p.pattern.test(normalized)).map((p) => p.name))];
}

/** Names of the prompt-attack patterns a question matches, each once, in pattern order. */
export function promptAttacksIn(question: string): string[] {
  return matchedNames(question, PROMPT_ATTACK_PATTERNS);
}

/** Names of the injection patterns a piece of retrieved text matches, each once, in pattern order. */
export function injectedInstructionsIn(text: string): string[] {
  return matchedNames(text, DOCUMENT_INJECTION_PATTERNS);
}
