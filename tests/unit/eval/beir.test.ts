import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadBeirDataset, loadQaFile, parseCorpus, parseQa, parseQrels, parseQueries } from '../../../eval/beir';
import { DatasetFormatError } from '../../../eval/errors';

const corpus = ['{"_id": "d1", "title": "One", "text": "first"}', '{"_id": "d2", "text": "second"}', '{"_id": "d3", "title": "", "text": "third"}'].join('\n');
const queries = ['{"_id": "q1", "text": "about one"}', '{"_id": "q2", "text": "about nothing"}', '{"_id": "q3", "text": "not judged"}'].join('\n');
const qrels = ['query-id\tcorpus-id\tscore', 'q1\td1\t2', 'q1\td9\t1', 'q2\td2\t0', 'q4\td3\t1'].join('\n');

async function writeDataset(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}

describe('loadBeirDataset', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'beir-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the corpus and keeps only queries with a relevant judgement', async () => {
    // Prepare
    await writeDataset(dir, { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels });
    // Act
    const dataset = await loadBeirDataset(dir);
    // Assess
    expect(dataset.corpus).toEqual([
      { id: 'd1', title: 'One', text: 'first' },
      { id: 'd2', title: '', text: 'second' },
      { id: 'd3', title: '', text: 'third' },
    ]);
    expect(dataset.queries).toEqual([{ id: 'q1', text: 'about one' }]);
    expect(dataset.qrels.get('q1')).toEqual(
      new Map([
        ['d1', 2],
        ['d9', 1],
      ]),
    );
    expect(dataset.stats).toEqual({
      documents: 3,
      queriesInFile: 3,
      judgedQueries: 3,
      queriesWithoutRelevant: 1,
      judgedQueriesMissingText: 1,
      judgements: 4,
      judgementsOutsideCorpus: 1,
    });
    expect(dataset.name).toBe(path.basename(dir));
  });

  it('names the missing split and lists the available ones', async () => {
    await writeDataset(dir, { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/dev.tsv': qrels });
    await expect(loadBeirDataset(dir, 'test')).rejects.toThrow(/no qrels for split "test" \(available: dev\)/);
  });

  it('reports a missing folder or corpus file', async () => {
    await expect(loadBeirDataset(path.join(dir, 'nope'))).rejects.toThrow(/dataset folder not found/);
    await writeDataset(dir, { 'queries.jsonl': queries, 'qrels/test.tsv': qrels });
    await expect(loadBeirDataset(dir)).rejects.toThrow(/corpus\.jsonl: missing corpus/);
  });

  it('rejects a dataset where no query has a relevant document', async () => {
    await writeDataset(dir, { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': 'q2\td2\t0\n' });
    await expect(loadBeirDataset(dir)).rejects.toThrow(DatasetFormatError);
  });
});

describe('BEIR line parsers', () => {
  it('names the file and line of invalid JSON', () => {
    expect(() => parseCorpus('{"_id": "a", "text": "x"}\n{broken', 'corpus.jsonl')).toThrow('corpus.jsonl:2: not valid JSON');
  });

  it('requires a string _id and text, and unique ids', () => {
    expect(() => parseCorpus('{"text": "x"}')).toThrow(/:1: "_id" must be a non-empty string/);
    expect(() => parseCorpus('{"_id": "a"}')).toThrow(/"text" is missing/);
    expect(() => parseCorpus('{"_id": "a", "text": 5}')).toThrow(/"text" must be a string/);
    expect(() => parseCorpus('{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}')).toThrow(/:2: duplicate document _id "a"/);
    expect(() => parseCorpus('[1, 2]')).toThrow(/expected a JSON object/);
  });

  it('accepts numeric ids as their decimal string', () => {
    expect(parseCorpus('{"_id": 12, "text": "x"}')[0]?.id).toBe('12');
  });

  it('rejects empty query text', () => {
    expect(() => parseQueries('{"_id": "q", "text": "  "}')).toThrow(/query "q" has empty text/);
  });

  it('skips a header, and rejects wrong column counts, non-integer scores and duplicates', () => {
    expect(parseQrels('query-id\tcorpus-id\tscore\nq\td\t1\n').get('q')?.get('d')).toBe(1);
    expect(() => parseQrels('q d 1', 'qrels/test.tsv')).toThrow('qrels/test.tsv:1: expected 3 tab-separated columns (query-id, corpus-id, score), found 1');
    expect(() => parseQrels('q\td\t1\nq\te\thigh')).toThrow(/:2: score must be an integer, found "high"/);
    expect(() => parseQrels('q\td\t1\nq\td\t2')).toThrow(/:2: duplicate judgement/);
    expect(() => parseQrels('')).toThrow(/no judgements/);
  });
});

describe('QA files', () => {
  it('parses questions, answers and optional doc_ids', () => {
    const items = parseQa(['{"question": "Q1?", "answers": ["a"], "doc_ids": ["d1"]}', '{"_id": "x", "question": "Q2?", "answers": ["b", "c"]}'].join('\n'));
    expect(items).toEqual([
      { id: 'q1', question: 'Q1?', answers: ['a'], docIds: ['d1'] },
      { id: 'x', question: 'Q2?', answers: ['b', 'c'] },
    ]);
  });

  it('parses multi-part answers (all parts required) and wrong answers', () => {
    const items = parseQa('{"_id": "m", "question": "Q?", "answers": [["first part", "second part"], "alone"], "wrong_answers": ["old figure"]}');
    expect(items).toEqual([{ id: 'm', question: 'Q?', answers: [['first part', 'second part'], 'alone'], wrongAnswers: ['old figure'] }]);
  });

  it('rejects empty multi-part answers and malformed wrong answers', () => {
    expect(() => parseQa('{"question": "Q?", "answers": [[]]}')).toThrow(/"answers" must be a non-empty array/);
    expect(() => parseQa('{"question": "Q?", "answers": [["a", ""]]}')).toThrow(/"answers" must be a non-empty array/);
    expect(() => parseQa('{"question": "Q?", "answers": [[["a"]]]}')).toThrow(/"answers" must be a non-empty array/);
    expect(() => parseQa('{"question": "Q?", "answers": ["a"], "wrong_answers": "b"}', 'qa.jsonl')).toThrow(
      'qa.jsonl:1: "wrong_answers" must be an array of non-empty strings',
    );
    expect(() => parseQa('{"question": "Q?", "answers": ["a"], "wrong_answers": [""]}')).toThrow(/"wrong_answers"/);
  });

  it('rejects missing answers or malformed doc_ids with the line', () => {
    expect(() => parseQa('{"question": "Q?", "answers": []}', 'qa.jsonl')).toThrow(
      'qa.jsonl:1: "answers" must be a non-empty array of non-empty strings (or of non-empty arrays of them)',
    );
    expect(() => parseQa('{"question": "Q?", "answers": ["a"], "doc_ids": "d1"}')).toThrow(/"doc_ids" must be an array/);
    expect(() => parseQa('{"answers": ["a"]}')).toThrow(/"question" is missing/);
  });

  it('reports a missing QA file', async () => {
    await expect(loadQaFile(path.join(tmpdir(), 'no-such-questions.jsonl'))).rejects.toThrow(/missing QA file/);
  });
});
