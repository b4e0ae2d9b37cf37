import { splitSentences } from '../../../../shared/documents/sentences';

function sentencesOf(text: string): string[] {
  return splitSentences(text).map(({ start, end }) => text.slice(start, end));
}

describe('splitSentences', () => {
  test('splits on terminal punctuation and keeps closing quotes', () => {
    // Act
    const sentences = sentencesOf('It works. Does it? Yes! She said "done." Then left');
    // Assess
    expect(sentences).toEqual(['It works.', 'Does it?', 'Yes!', 'She said "done."', 'Then left']);
  });

  test('does not split after abbreviations, titles, initials or inside decimals', () => {
    // Act
    const sentences = sentencesOf(
      'Dr. Smith paid $3.5 million, e.g. for servers, i.e. hardware. The U.S. government and J. R. Tolkien agreed. Fig. 3 shows it.',
    );
    // Assess
    expect(sentences).toEqual([
      'Dr. Smith paid $3.5 million, e.g. for servers, i.e. hardware.',
      'The U.S. government and J. R. Tolkien agreed.',
      'Fig. 3 shows it.',
    ]);
  });

  test('"etc." and "Inc." end a sentence only before a capitalised word', () => {
    // Act
    const sentences = sentencesOf('Bring pens, paper, etc. and a laptop. Acme Inc. Was sold.');
    // Assess
    expect(sentences).toEqual(['Bring pens, paper, etc. and a laptop.', 'Acme Inc.', 'Was sold.']);
  });

  test('blank lines and list items are boundaries; soft-wrapped lines are not', () => {
    // Prepare
    const text = 'Heading\n\nSteps to follow\n1. Open the form\n2. Submit it\nThe report must be sent within\n30 days of purchase.';
    // Act
    const sentences = sentencesOf(text);
    // Assess
    expect(sentences).toEqual(['Heading', 'Steps to follow', '1. Open the form', '2. Submit it', 'The report must be sent within\n30 days of purchase.']);
  });

  test('offsets are exact, trimmed, ordered and cover every non-space character', () => {
    // Prepare
    const text = '  First one.   Second one!\n\n  Third: a list\n- item a\n- item b  ';
    // Act
    const spans = splitSentences(text);
    // Assess
    let covered = '';
    let previousEnd = 0;
    for (const { start, end } of spans) {
      expect(start).toBeGreaterThanOrEqual(previousEnd);
      expect(text.slice(start, end)).toBe(text.slice(start, end).trim());
      covered += text.slice(start, end);
      previousEnd = end;
    }
    expect(covered.replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });

  test('empty and whitespace-only text give no sentences', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n\t ')).toEqual([]);
  });
});
