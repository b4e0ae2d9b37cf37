import { CliUsageError } from '../../../../scripts/cli/errors';
import { parseCommandLine, positiveNumber, serviceTarget } from '../../../../scripts/cli/options';

describe('parseCommandLine', () => {
  it('takes the common flags and the command ones, --name=value too, and keeps the positionals', () => {
    const parsed = parseCommandLine(['list', '--json', '--status=FAILED', '--url', 'http://h:1'], { status: { type: 'string' } });

    expect(parsed).toEqual({ values: { json: true, status: 'FAILED', url: 'http://h:1' }, positionals: ['list'] });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--url'], "Option '--url <value>' argument missing"],
    [['--url', '--json'], "Option '--url' argument is ambiguous"],
    [['--json=yes'], "Option '--json' does not take an argument"],
  ])('turns %j into a usage error: %s', (argv, message) => {
    const thrown = (() => {
      try {
        parseCommandLine(argv, {});
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(CliUsageError);
    expect((thrown as Error).message).toBe(message);
  });
});

describe('serviceTarget', () => {
  it('defaults to 127.0.0.1 on PORT (else 3000), takes the token from RAG_TOKEN unless --token is given', () => {
    // A local service with no RAG_API_KEYS takes the development token; a remote one is never sent it.
    expect(serviceTarget({}, {})).toEqual({ baseUrl: 'http://127.0.0.1:3000', token: 'dev' });
    expect(serviceTarget({ url: 'https://api.example.com/prod' }, {})).toEqual({ baseUrl: 'https://api.example.com/prod' });
    expect(serviceTarget({}, { PORT: '8080', RAG_TOKEN: 'env' })).toEqual({ baseUrl: 'http://127.0.0.1:8080', token: 'env' });
    expect(serviceTarget({ url: 'https://api.example.com/prod/', token: 'flag' }, { RAG_TOKEN: 'env' })).toEqual({
      baseUrl: 'https://api.example.com/prod',
      token: 'flag',
    });
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => serviceTarget({ url: 'localhost:3000' }, {})).toThrow(CliUsageError);
    expect(() => serviceTarget({ url: 'not a url' }, {})).toThrow('--url is not a URL: not a url');
  });
});

describe('positiveNumber', () => {
  it('accepts positive numbers only', () => {
    expect(positiveNumber('0.5', '--poll')).toBe(0.5);
    for (const text of ['0', '-1', '', 'soon']) expect(() => positiveNumber(text, '--poll')).toThrow(CliUsageError);
  });
});
