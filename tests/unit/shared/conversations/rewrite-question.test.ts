import { isFollowUp, keyTerms, rewriteFollowUp } from '../../../../shared/conversations/rewrite-question';

const PREVIOUS = 'How many days do I have to submit an expense report?';

describe('rewriteFollowUp', () => {
  it('turns the reimbursement follow-up into a standalone question about expense reports', () => {
    // Act
    const rewritten = rewriteFollowUp('and how long does it take to be reimbursed?', PREVIOUS);
    // Assess
    expect(rewritten).toBe('days submit expense report: how long does it take to be reimbursed?');
    expect(rewritten).toContain('expense report');
    expect(rewritten).toContain('reimbursed');
  });

  it.each([
    ['a continuation cue', 'But what if I lose the receipt?', 'days submit expense report: what if I lose the receipt?'],
    ['"what about"', 'What about contractors?', 'days submit expense report: What about contractors?'],
    ['a pronoun and few own words', 'Who approves it?', 'days submit expense report: Who approves it?'],
    ['a bare demonstrative', 'Is this mandatory?', 'days submit expense report: Is this mandatory?'],
    ['a demonstrative with a short noun phrase', 'Does this policy apply abroad?', 'days submit expense report: Does this policy apply abroad?'],
    ['no content words', 'Why?', 'days submit expense report: Why?'],
    ['a short prepositional phrase', 'for contractors?', 'days submit expense report: for contractors?'],
  ])('rewrites a follow-up with %s', (_rule, question, expected) => {
    expect(rewriteFollowUp(question, PREVIOUS)).toBe(expected);
  });

  it.each([
    ['a standalone question', 'What is the travel allowance for trips abroad?'],
    ['a demonstrative in a question with its own topic', 'Does this travel policy cover hotel bookings abroad?'],
    ['a relative "that"', 'Where is the claim form that I must sign?'],
    ['a pronoun in a question that names its subject', 'When I book a flight for a conference, who must approve it before payment?'],
    ['a long prepositional question', 'for how many nights can a hotel be booked on business trips?'],
  ])('leaves %s alone', (_case, question) => {
    expect(rewriteFollowUp(question, PREVIOUS)).toBeUndefined();
  });

  it('adds only terms the follow-up lacks, compared by stem', () => {
    expect(rewriteFollowUp('and are expenses reported monthly?', PREVIOUS)).toBe('days submit: are expenses reported monthly?');
  });

  it('returns undefined without a previous question or without terms to add', () => {
    expect(rewriteFollowUp('and how long does it take?', undefined)).toBeUndefined();
    expect(rewriteFollowUp('and how long does it take?', '')).toBeUndefined();
    expect(rewriteFollowUp('and how long does it take?', 'Why?')).toBeUndefined();
    expect(rewriteFollowUp('and when is the expense report due?', 'Expense report?')).toBeUndefined();
  });

  it('keeps the topic through a chain when given the previous rewritten question', () => {
    // Prepare
    const first = rewriteFollowUp('and how long does it take to be reimbursed?', PREVIOUS);
    // Act
    const second = rewriteFollowUp('what about contractors?', first);
    // Assess
    expect(second).toBe('days submit expense report long take reimbursed: what about contractors?');
  });

  it('is deterministic', () => {
    expect(rewriteFollowUp('and then?', PREVIOUS)).toBe(rewriteFollowUp('and then?', PREVIOUS));
  });
});

describe('isFollowUp', () => {
  it('needs a question', () => {
    expect(isFollowUp('')).toBe(false);
    expect(isFollowUp('   ?  ')).toBe(false);
  });
});

describe('keyTerms', () => {
  it('keeps content words in order, once each, at most eight', () => {
    expect(keyTerms('Report the report: one two three four five six seven eight nine ten')).toEqual([
      'report',
      'two',
      'three',
      'four',
      'five',
      'six',
      'seven',
      'eight',
    ]);
  });

  it('drops the word a follow-up swaps after the same preposition, and only that word', () => {
    expect(keyTerms('Until what time is the library open on Thursdays?', 'And on Saturdays?')).toEqual(['time', 'library', 'open']);
    expect(rewriteFollowUp('And on Saturdays?', 'Until what time is the library open on Thursdays?')).toBe('time library open: on Saturdays?');
    // Another preposition swaps nothing.
    expect(keyTerms('Until what time is the library open on Thursdays?', 'And for children?')).toEqual(['time', 'library', 'open', 'thursdays']);
  });
});
