import { formatCitationMarker, parseCitationMarkers, stripCitationMarkers } from '../../../../shared/prompts/citation-markers';

const ids = ['c1', 'c2', 'c3'];

function claims(text: string): { chunkId: string; marker?: number; claim: string }[] {
  return parseCitationMarkers(text, ids).map((c) => ({
    chunkId: c.chunkId,
    ...(c.marker !== undefined ? { marker: c.marker } : {}),
    claim: c.answerSpan ? text.slice(c.answerSpan.start, c.answerSpan.end) : '',
  }));
}

describe('parseCitationMarkers', () => {
  it('maps each marker to its chunk and the sentence it closes', () => {
    const text = 'Paris is the capital. [1] It has 2 million people. [2]';

    expect(claims(text)).toEqual([
      { chunkId: 'c1', marker: 1, claim: 'Paris is the capital.' },
      { chunkId: 'c2', marker: 2, claim: 'It has 2 million people.' },
    ]);
  });

  it('handles markers before the full stop, grouped and adjacent markers', () => {
    const text = 'The VPN needs a client [1]. Sign in with your account [2][3]. Support answers on weekdays [1, 3].';

    expect(claims(text)).toEqual([
      { chunkId: 'c1', marker: 1, claim: 'The VPN needs a client' },
      { chunkId: 'c2', marker: 2, claim: 'Sign in with your account' },
      { chunkId: 'c3', marker: 3, claim: 'Sign in with your account' },
      { chunkId: 'c1', marker: 1, claim: 'Support answers on weekdays' },
      { chunkId: 'c3', marker: 3, claim: 'Support answers on weekdays' },
    ]);
  });

  it('treats line breaks as claim boundaries (lists)', () => {
    const text = 'Steps:\n- install the client [1]\n- sign in [2]';

    expect(claims(text).map((c) => c.claim)).toEqual(['- install the client', '- sign in']);
  });

  it('drops markers that name no given chunk', () => {
    expect(parseCitationMarkers('Invented source. [7] Zero. [0]', ids)).toEqual([]);
  });

  it('returns nothing for text without markers', () => {
    expect(parseCitationMarkers('I could not find an answer in the documents.', ids)).toEqual([]);
  });
});

describe('stripCitationMarkers', () => {
  it('removes markers and the spaces they leave', () => {
    expect(stripCitationMarkers('The VPN needs a client [1]. Sign in [2][3], then go. [1, 2]')).toBe('The VPN needs a client. Sign in, then go.');
  });

  it('formats markers as [n]', () => {
    expect(formatCitationMarker(3)).toBe('[3]');
  });
});
