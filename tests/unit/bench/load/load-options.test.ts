import { assertLoopbackUrl, LOAD_LIMITS, parseLoadOptions } from '../../../../bench/load/load-options';

describe('parseLoadOptions', () => {
  it('runs 50 clients for 60 s by default, with the issue’s fault rates, into the given folder', () => {
    expect(parseLoadOptions([], '/out')).toMatchObject({
      seconds: 60,
      clients: 50,
      host: '127.0.0.1',
      outDir: '/out',
      short: false,
      throttleRate: 0.2,
      serverErrorRate: 0.05,
    });
  });

  it('has a short CI form, whose figures explicit options still override', () => {
    expect(parseLoadOptions(['--short'], '/out')).toMatchObject({ short: true, seconds: 10, clients: 20 });
    expect(parseLoadOptions(['--clients', '7', '--short', '--seconds', '3'], '/out')).toMatchObject({ short: true, seconds: 3, clients: 7 });
  });

  it('runs the ingestion unless told not to (a diagnostic)', () => {
    expect(parseLoadOptions([], '/out').ingestion).toBe(true);
    expect(parseLoadOptions(['--no-ingestion'], '/out').ingestion).toBe(false);
  });

  it('is bounded in time and count', () => {
    expect(() => parseLoadOptions(['--seconds', String(LOAD_LIMITS.maxSeconds + 1)], '/out')).toThrow(/--seconds must be a whole number from 1 to 600/);
    expect(() => parseLoadOptions(['--clients', String(LOAD_LIMITS.maxClients + 1)], '/out')).toThrow(/--clients/);
    for (const bad of ['0', '2.5', 'many']) expect(() => parseLoadOptions(['--clients', bad], '/out')).toThrow(/--clients/);
    expect(() => parseLoadOptions(['--seconds'], '/out')).toThrow(/got nothing/);
    expect(() => parseLoadOptions(['--fast'], '/out')).toThrow(/unknown option --fast/);
  });

  it('takes loopback hosts and refuses any other', () => {
    expect(parseLoadOptions(['--host', '127.0.0.2'], '/out').host).toBe('127.0.0.2');
    expect(parseLoadOptions(['--host', 'localhost'], '/out').host).toBe('localhost');
    for (const host of ['0.0.0.0', '10.0.0.5', 'example.com', '::1']) expect(() => parseLoadOptions(['--host', host], '/out')).toThrow(/loopback/);
  });
});

describe('assertLoopbackUrl', () => {
  it('lets loopback URLs through and refuses others', () => {
    expect(() => assertLoopbackUrl('http://127.0.0.1:3000')).not.toThrow();
    expect(() => assertLoopbackUrl('http://[::1]:3000/query')).not.toThrow();
    expect(() => assertLoopbackUrl('http://192.168.1.4:3000')).toThrow(/refusing to send load to http:\/\/192.168.1.4:3000/);
    expect(() => assertLoopbackUrl('https://api.example.com')).toThrow(/not a loopback address/);
  });
});
