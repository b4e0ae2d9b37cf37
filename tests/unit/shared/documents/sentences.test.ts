import { sentenceKind, splitSentences, tableCells, tableHeaderOf, tableRowAsSentence } from '../../../../shared/documents/sentences';

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

describe('sentence kinds, for answers that read as sentences', () => {
  const policy = [
    'Travel and meals',
    '',
    'Item | Limit',
    'Meals while travelling | $75 per day',
    'Hotel, standard city | $180 per night',
    '',
    'Private car journeys are reimbursed at $0.67 per mile.',
    'How long does the battery last? It lasts 14 hours.',
    'Travel expense policy (2024 edition)',
  ].join('\n');
  const kinds = () => splitSentences(policy).map((span) => [policy.slice(span.start, span.end), sentenceKind(policy, span)]);

  it('tells headings, table rows, questions and prose apart', () => {
    expect(kinds()).toEqual([
      ['Travel and meals', 'heading'],
      ['Item | Limit', 'table-row'],
      ['Meals while travelling | $75 per day', 'table-row'],
      ['Hotel, standard city | $180 per night', 'table-row'],
      ['Private car journeys are reimbursed at $0.67 per mile.', 'prose'],
      ['How long does the battery last?', 'question'],
      ['It lasts 14 hours.', 'prose'],
      ['Travel expense policy (2024 edition)', 'heading'],
    ]);
  });

  it('does not take a long line without a full stop for a heading', () => {
    const text = 'The R2 docks itself when the battery drops below twenty percent and charges on the Northwind DockPad';
    expect(sentenceKind(text, { start: 0, end: text.length })).toBe('prose');
  });

  it('splits a row into cells and finds the header row of its table', () => {
    expect(tableCells('| Meals while travelling | $75 per day |')).toEqual(['Meals while travelling', '$75 per day']);
    expect(tableCells('Either this | or that')).toEqual(['Either this', 'or that']);
    expect(tableCells('No cells here')).toBeUndefined();
    const rowStart = policy.indexOf('Hotel');
    expect(tableHeaderOf(policy, rowStart)).toEqual(['Item', 'Limit']);
    expect(tableHeaderOf(policy, policy.indexOf('Item'))).toBeUndefined();
  });

  it('reads a row as a sentence, naming the values by their column when the header fits', () => {
    expect(tableRowAsSentence(['Meals while travelling', '$75 per day'])).toBe('Meals while travelling: $75 per day.');
    expect(tableRowAsSentence(['Meals while travelling', '$75 per day'], ['Item', 'Limit'])).toBe('Meals while travelling — Limit: $75 per day.');
    expect(tableRowAsSentence(['Hotel', '$180', ''], ['Item', 'Limit', 'Receipt'])).toBe('Hotel — Limit: $180.');
    expect(tableRowAsSentence(['Closed on Sundays.', ''])).toBe('Closed on Sundays.');
  });
});
