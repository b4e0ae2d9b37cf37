import { formatJson, parseBenchArgs } from '../../../bench/cli';

describe('bench command line', () => {
  it('runs every bench by default and the named ones otherwise', () => {
    expect(parseBenchArgs([]).benches).toEqual(['query', 'ingest', 'cold-start']);
    expect(parseBenchArgs(['ingest', '--quick'])).toMatchObject({ benches: ['ingest'], quick: true });
    expect(parseBenchArgs(['query', '--duration', '20']).durationSeconds).toBe(20);
  });

  it('counts the AWS query path on its own, optionally beside an older checkout', () => {
    expect(parseBenchArgs(['query-cost'])).toMatchObject({ benches: ['query-cost'] });
    expect(parseBenchArgs(['query-cost', '--baseline-tree', '/tmp/before']).baselineTree).toBe('/tmp/before');
    expect(() => parseBenchArgs(['query-cost', '--baseline-tree'])).toThrow(/--baseline-tree/);
  });

  it('takes an ingest burst size and rejects one that is not a positive integer', () => {
    expect(parseBenchArgs(['ingest', '--burst', '10000'])).toMatchObject({ benches: ['ingest'], burst: 10000 });
    expect(parseBenchArgs(['ingest']).burst).toBeUndefined();
    for (const bad of ['0', '2.5', 'many']) expect(() => parseBenchArgs(['ingest', '--burst', bad])).toThrow(/--burst/);
    expect(() => parseBenchArgs(['ingest', '--burst'])).toThrow(/--burst/);
  });

  it('rejects unknown arguments and bad durations', () => {
    expect(() => parseBenchArgs(['fast'])).toThrow(/unknown argument fast/);
    expect(() => parseBenchArgs(['--duration', '0'])).toThrow(/--duration/);
  });
});

describe('formatJson', () => {
  it('keeps short arrays of primitives on one line and everything else expanded', () => {
    const text = formatJson({ a: [1, 2.5, -3], b: ['x', 'y"z'], c: [{ d: 1 }] });
    expect(text).toBe('{\n  "a": [1, 2.5, -3],\n  "b": ["x", "y\\"z"],\n  "c": [\n    {\n      "d": 1\n    }\n  ]\n}\n');
    expect(JSON.parse(text)).toEqual({ a: [1, 2.5, -3], b: ['x', 'y"z'], c: [{ d: 1 }] });
  });
});
