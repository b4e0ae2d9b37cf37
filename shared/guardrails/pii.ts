/**
 * PII detection and redaction, pure and dependency-free: used by the local guardrail on questions
 * and answers, and by anything that must log or store text outside the index.
 *
 * Types are named like Bedrock Guardrails' PII entities so findings read the same with either
 * guardrail. Detectors favour precision: card numbers must pass Luhn, IBANs the ISO 13616 mod-97
 * check, phone numbers need 10-15 digits in a recognisable layout.
 */
export type PiiType = 'EMAIL' | 'PHONE' | 'CREDIT_DEBIT_CARD_NUMBER' | 'INTERNATIONAL_BANK_ACCOUNT_NUMBER' | 'US_SOCIAL_SECURITY_NUMBER' | 'AWS_ACCESS_KEY';

export const PII_PLACEHOLDERS: Readonly<Record<PiiType, string>> = {
  EMAIL: '[EMAIL]',
  PHONE: '[PHONE]',
  CREDIT_DEBIT_CARD_NUMBER: '[CARD]',
  INTERNATIONAL_BANK_ACCOUNT_NUMBER: '[IBAN]',
  US_SOCIAL_SECURITY_NUMBER: '[SSN]',
  AWS_ACCESS_KEY: '[AWS_ACCESS_KEY]',
};

export interface PiiMatch {
  type: PiiType;
  /** Span in the input, [start, end). */
  start: number;
  end: number;
}

interface Detector {
  type: PiiType;
  pattern: RegExp;
  valid?: (match: string) => boolean;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

/** Luhn (mod 10) check used by every payment card scheme. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 IBAN check: move the first 4 characters to the end, letters to numbers, mod 97 must be 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

// Order is priority when matches overlap: the more specific, validated types first.
const DETECTORS: readonly Detector[] = [
  { type: 'EMAIL', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { type: 'AWS_ACCESS_KEY', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g },
  { type: 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, valid: ibanValid },
  {
    type: 'CREDIT_DEBIT_CARD_NUMBER',
    pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
    valid: (m) => {
      const digits = digitsOf(m);
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
    },
  },
  // 000, 666 and 9xx areas, 00 groups and 0000 serials are never issued.
  { type: 'US_SOCIAL_SECURITY_NUMBER', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  // International: "+" country code then groups; 8-15 digits in total (E.164 allows at most 15).
  {
    type: 'PHONE',
    pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\w)/g,
    valid: (m) => {
      const n = digitsOf(m).length;
      return n >= 8 && n <= 15;
    },
  },
  // North American: (206) 555-0100, 206-555-0100, 206.555.0100, 1-206-555-0100.
  { type: 'PHONE', pattern: /(?<![\w+])(?:1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)/g },
];

/** Every PII span in `text`, sorted by position; overlapping matches keep the higher-priority type. */
export function detectPii(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  const taken: boolean[] = [];
  for (const detector of DETECTORS) {
    for (const match of text.matchAll(detector.pattern)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (detector.valid && !detector.valid(match[0])) continue;
      let overlaps = false;
      for (let i = start; i < end && !overlaps; i += 1) overlaps = taken[i] === true;
      if (overlaps) continue;
      for (let i = start; i < end; i += 1) taken[i] = true;
      found.push({ type: detector.type, start, end });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Replaces each PII span with its typed placeholder ("[EMAIL]", "[PHONE]", "[CARD]", ...). */
export function redactPii(text: string): { text: string; matches: PiiMatch[] } {
  const matches = detectPii(text);
  if (matches.length === 0) return { text, matches };
  let out = '';
  let cursor = 0;
  for (const m of matches) {
    out += text.slice(cursor, m.start) + PII_PLACEHOLDERS[m.type];
    cursor = m.end;
  }
  return { text: out + text.slice(cursor), matches };
}
