import { formatJson, parseBenchArgs } from '../../../bench/cli';

describe('bench command line', () => {
  it('runs every bench by default and the named ones otherwise', () => {
    expect(parseBenchArgs([]).benches).toEqual(['query', 'ingest', 'cold-start']);
    expect(parseBenchArgs(['ingest', '--quick'])).toMatchObject({ benches: ['ingest'], quick: true });
    expect(parseBenchArgs(['query', '--duration', '20']).durationSeconds).toBe(20);
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
