import { parseArgs } from '../../../eval/cli';
import { UsageError } from '../../../eval/errors';
import type { EvalReport } from '../../../eval/evaluate';
import { validateKs } from '../../../eval/evaluate';
import { checkGate, toJson, toTrecRun } from '../../../eval/report';

describe('eval command line', () => {
  it('parses every option, with --flag value and --flag=value forms', () => {
    const options = parseArgs([
      '--dataset',
      'data/x',
      '--split=dev',
      '--k',
      '1,10,100',
      '--out',
      'r.json',
      '--json',
      '--min-ndcg',
      '0.3',
      '--no-qa',
      '--per-query',
      '--run=run.trec',
      '--baseline',
      'bm25',
    ]);
    expect(options).toEqual({
      dataset: 'data/x',
      split: 'dev',
      ks: [1, 10, 100],
      out: 'r.json',
      json: true,
      minNdcg: 0.3,
      qa: null,
      perQuery: true,
      run: 'run.trec',
      baseline: 'bm25',
      help: false,
    });
  });

  it('takes an unanswerable-questions file, or none', () => {
    expect(parseArgs(['--dataset', 'x', '--unanswerable', '../nfcorpus/queries.jsonl']).unanswerable).toBe('../nfcorpus/queries.jsonl');
    expect(parseArgs(['--dataset', 'x', '--no-unanswerable']).unanswerable).toBeNull();
    expect(parseArgs(['--dataset', 'x']).unanswerable).toBeUndefined();
    expect(() => parseArgs(['--dataset', 'x', '--unanswerable'])).toThrow(/--unanswerable needs a value/);
  });

  it('rejects missing values, unknown flags and a missing dataset', () => {
    expect(() => parseArgs(['--dataset'])).toThrow(UsageError);
    expect(() => parseArgs(['--dataset', 'x', '--baseline', 'tfidf'])).toThrow(/--baseline knows only bm25/);
    expect(() => parseArgs(['--dataset', 'x', '--min-ndcg', 'high'])).toThrow(/expects a number/);
    expect(() => parseArgs(['--dataset', 'x', '--min-ndcg', '2'])).toThrow(/within 0\.\.1/);
    expect(() => parseArgs(['--dataset', 'x', '--frobnicate'])).toThrow(/unknown option --frobnicate/);
    expect(() => parseArgs([])).toThrow(/--dataset <dir> is required/);
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it('accepts cut-offs from 1 to 100 only, sorted and deduplicated', () => {
    expect(validateKs([10, 1, 10, 5])).toEqual([1, 5, 10]);
    expect(() => validateKs([0])).toThrow(UsageError);
    expect(() => validateKs([101])).toThrow(/1 to 100/);
    expect(() => validateKs([])).toThrow(UsageError);
  });
});

describe('eval report', () => {
  const report = {
    retrieval: { ndcgAt10: 0.42 },
    perQuery: [
      {
        queryId: 'q1',
        ranking: [
          { id: 'd2', score: 0.9 },
          { id: 'd1', score: 0.5 },
        ],
      },
    ],
    perQuestion: [],
    dataset: { name: 'x' },
  } as unknown as EvalReport;

  it('passes the gate at or above the threshold and fails below it', () => {
    expect(checkGate(report, 0.42)?.passed).toBe(true);
    expect(checkGate(report, 0.43)).toEqual({ minNdcg: 0.43, ndcgAt10: 0.42, passed: false });
    expect(checkGate(report, undefined)).toBeUndefined();
  });

  it('leaves per-query details out of the JSON unless asked', () => {
    expect(toJson(report, undefined)).not.toHaveProperty('perQuery');
    expect(toJson(report, undefined, { perQuery: true })).toHaveProperty('perQuery');
  });

  it('keeps the abstention figures in the JSON and its per-question outcomes only on request', () => {
    const abstention = {
      answerableSource: 'queries',
      answerable: 2,
      answeredWhenAnswerable: 1,
      unanswerable: 1,
      abstainedWhenNot: 1,
      failedQuestions: 0,
      totalMs: 1,
    };
    const withAbstention = { ...report, abstention, perAbstention: [{ id: 'u1', answerable: false, abstained: true, latencyMs: 1 }] } as unknown as EvalReport;
    expect(toJson(withAbstention, undefined)).toMatchObject({ abstention });
    expect(toJson(withAbstention, undefined)).not.toHaveProperty('perAbstention');
    expect(toJson(withAbstention, undefined, { perQuery: true })).toHaveProperty('perAbstention');
  });

  it('writes a TREC run', () => {
    expect(toTrecRun(report, 'tag')).toBe('q1 Q0 d2 1 0.9 tag\nq1 Q0 d1 2 0.5 tag\n');
  });
});
