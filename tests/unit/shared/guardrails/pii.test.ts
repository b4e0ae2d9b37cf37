import { detectPii, ibanValid, luhnValid, redactPii } from '../../../../shared/guardrails/pii';

function types(text: string): string[] {
  return detectPii(text).map((m) => m.type);
}

describe('detectPii / redactPii', () => {
  it('redacts emails', () => {
    expect(redactPii('Write to jane.doe+hr@mail.example.co.uk today').text).toBe('Write to [EMAIL] today');
  });

  it('redacts international and US phone numbers', () => {
    const text = 'Call +44 20 7946 0958, +1 206 555 0100, (206) 555-0100, 206-555-0100 or 1-206-555-0100.';

    expect(redactPii(text).text).toBe('Call [PHONE], [PHONE], [PHONE], [PHONE] or [PHONE].');
  });

  it('redacts card numbers only when they pass Luhn', () => {
    expect(redactPii('Card 4111 1111 1111 1111 or 5500-0000-0000-0004.').text).toBe('Card [CARD] or [CARD].');
    expect(types('Order 4111 1111 1111 1112 shipped')).toEqual([]);
  });

  it('redacts valid IBANs, with or without spaces, and ignores invalid ones', () => {
    expect(redactPii('IBAN DE89 3704 0044 0532 0130 00 and GB82WEST12345698765432.').text).toBe('IBAN [IBAN] and [IBAN].');
    expect(types('IBAN DE89 3704 0044 0532 0130 01')).not.toContain('INTERNATIONAL_BANK_ACCOUNT_NUMBER');
  });

  it('redacts US social security numbers but not impossible ones', () => {
    expect(redactPii('SSN 123-45-6789.').text).toBe('SSN [SSN].');
    expect(types('Ref 000-12-3456 and 666-12-3456')).toEqual([]);
  });

  it('redacts AWS access key ids', () => {
    expect(redactPii('key AKIAIOSFODNN7EXAMPLE leaked').text).toBe('key [AWS_ACCESS_KEY] leaked');
  });

  it('leaves dates, versions, prices and short numbers alone', () => {
    const text = 'On 2024-01-15 version 3.12.1 cost $1,299.00; room 4021, ticket 12345, port 8080.';

    expect(detectPii(text)).toEqual([]);
    expect(redactPii(text).text).toBe(text);
  });

  it('reports spans in order with their types', () => {
    const text = 'a@b.io then 123-45-6789';

    expect(detectPii(text)).toEqual([
      { type: 'EMAIL', start: 0, end: 6 },
      { type: 'US_SOCIAL_SECURITY_NUMBER', start: 12, end: 23 },
    ]);
  });
});

describe('checksums', () => {
  it('luhnValid', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41x1')).toBe(false);
  });

  it('ibanValid', () => {
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('FR1420041010050500013M02606')).toBe(true);
    expect(ibanValid('FR1420041010050500013M02607')).toBe(false);
  });
});
