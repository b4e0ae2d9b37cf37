import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { DatasetFormatError } from './errors';

/**
 * Loader for datasets in BEIR layout:
 *   corpus.jsonl        {"_id", "title"?, "text"}
 *   queries.jsonl       {"_id", "text"}
 *   qrels/<split>.tsv   query-id <TAB> corpus-id <TAB> score   (header line optional)
 * and for QA files (questions.jsonl: {"question", "answers": [...], "doc_ids"?: [...], "wrong_answers"?: [...]}), where
 * each answer is a string or, for an answer that needs several facts (two passages, two documents), an array of
 * strings all required, and a wrong answer is a string that makes an answer wrong whatever else it says (the
 * figure of a superseded version, say).
 * Every format problem is reported with the file and line, never as a bare JSON.parse error.
 */
export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

export type Qrels = Map<string, Map<string, number>>;

export interface BeirDataset {
  dir: string;
  name: string;
  split: string;
  corpus: BeirDocument[];
  /** Queries that have at least one relevant judgement in the split: the ones evaluated. */
  queries: BeirQuery[];
  qrels: Qrels;
  stats: {
    documents: number;
    queriesInFile: number;
    judgedQueries: number;
    /** Judged queries without any relevant (grade > 0) document: trec_eval cannot score them, so they are left out. */
    queriesWithoutRelevant: number;
    /** Queries in the qrels but missing from queries.jsonl. */
    judgedQueriesMissingText: number;
    judgements: number;
    /** Judgements naming a document that is not in the corpus (they still count as relevant, as in trec_eval). */
    judgementsOutsideCorpus: number;
  };
}

/** One acceptable answer: a string, or several strings that must all appear. */
export type ExpectedAnswer = string | string[];

export interface QaItem {
  id: string;
  question: string;
  /** Alternatives: the answer is right when it contains one of them. */
  answers: ExpectedAnswer[];
  /** Dataset document ids that support the answer, when known (citation precision needs them). */
  docIds?: string[];
  /** Statements that make an answer wrong even when it also contains an expected answer. */
  wrongAnswers?: string[];
}

function lines(content: string): { text: string; line: number }[] {
  return content
    .split(/\r?\n/)
    .map((text, i) => ({ text, line: i + 1 }))
    .filter((entry) => entry.text.trim() !== '');
}

async function readRequired(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new DatasetFormatError(`missing ${what}`, file);
    throw new DatasetFormatError(`cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`, file);
  }
}

function parseObject(text: string, file: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DatasetFormatError('not valid JSON', file, line);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetFormatError('expected a JSON object', file, line);
  return value as Record<string, unknown>;
}

function idField(row: Record<string, unknown>, name: string, file: string, line: number): string {
  const value = row[name];
  // Some exports write numeric ids; they are the same id as their decimal string in the qrels.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '') throw new DatasetFormatError(`"${name}" must be a non-empty string`, file, line);
  return value;
}

function textField(row: Record<string, unknown>, name: string, file: string, line: number, required: boolean): string {
  const value = row[name];
  if (value === undefined || value === null) {
    if (required) throw new DatasetFormatError(`"${name}" is missing`, file, line);
    return '';
  }
  if (typeof value !== 'string') throw new DatasetFormatError(`"${name}" must be a string`, file, line);
  return value;
}

export function parseCorpus(content: string, file = 'corpus.jsonl'): BeirDocument[] {
  const seen = new Set<string>();
  return lines(content).map(({ text, line }) => {
    const row = parseObject(text, file, line);
    const id = idField(row, '_id', file, line);
    if (seen.has(id)) throw new DatasetFormatError(`duplicate document _id "${id}"`, file, line);
    seen.add(id);
    return { id, title: textField(row, 'title', file, line, false), text: textField(row, 'text', file, line, true) };
  });
}

export function parseQueries(content: string, file = 'queries.jsonl'): BeirQuery[] {
  const seen = new Set<string>();
  return lines(content).map(({ text, line }) => {
    const row = parseObject(text, file, line);
    const id = idField(row, '_id', file, line);
    if (seen.has(id)) throw new DatasetFormatError(`duplicate query _id "${id}"`, file, line);
    seen.add(id);
    const query = textField(row, 'text', file, line, true);
    if (query.trim() === '') throw new DatasetFormatError(`query "${id}" has empty text`, file, line);
    return { id, text: query };
  });
}

/** Tab-separated query-id, corpus-id, score; a first line whose score column is not a number is a header. */
export function parseQrels(content: string, file = 'qrels/test.tsv'): Qrels {
  const qrels: Qrels = new Map();
  for (const { text, line } of lines(content)) {
    const columns = text.split('\t').map((column) => column.trim());
    if (line === 1 && columns.length >= 3 && !/^-?\d+$/.test(columns[2] ?? '')) continue;
    if (columns.length !== 3) {
      throw new DatasetFormatError(`expected 3 tab-separated columns (query-id, corpus-id, score), found ${columns.length}`, file, line);
    }
    const [queryId, docId, score] = columns as [string, string, string];
    if (queryId === '' || docId === '') throw new DatasetFormatError('empty query-id or corpus-id', file, line);
    if (!/^-?\d+$/.test(score)) throw new DatasetFormatError(`score must be an integer, found "${score}"`, file, line);
    const grades = qrels.get(queryId) ?? new Map<string, number>();
    if (grades.has(docId)) throw new DatasetFormatError(`duplicate judgement for query "${queryId}" and document "${docId}"`, file, line);
    grades.set(docId, Number(score));
    qrels.set(queryId, grades);
  }
  if (qrels.size === 0) throw new DatasetFormatError('no judgements', file);
  return qrels;
}

export function parseQa(content: string, file = 'questions.jsonl'): QaItem[] {
  return lines(content).map(({ text, line }, index) => {
    const row = parseObject(text, file, line);
    const question = textField(row, 'question', file, line, true);
    if (question.trim() === '') throw new DatasetFormatError('"question" is empty', file, line);
    const answers = row.answers;
    const nonEmpty = (a: unknown): a is string => typeof a === 'string' && a.trim() !== '';
    if (
      !Array.isArray(answers) ||
      answers.length === 0 ||
      !answers.every((a): a is ExpectedAnswer => nonEmpty(a) || (Array.isArray(a) && a.length > 0 && a.every(nonEmpty)))
    ) {
      throw new DatasetFormatError('"answers" must be a non-empty array of non-empty strings (or of non-empty arrays of them)', file, line);
    }
    const docIds = row.doc_ids;
    if (docIds !== undefined && (!Array.isArray(docIds) || !docIds.every((d): d is string => typeof d === 'string' && d !== ''))) {
      throw new DatasetFormatError('"doc_ids" must be an array of document ids', file, line);
    }
    const wrongAnswers = row.wrong_answers;
    if (wrongAnswers !== undefined && (!Array.isArray(wrongAnswers) || !wrongAnswers.every(nonEmpty))) {
      throw new DatasetFormatError('"wrong_answers" must be an array of non-empty strings', file, line);
    }
    const id = row._id !== undefined || row.id !== undefined ? idField(row, row._id !== undefined ? '_id' : 'id', file, line) : `q${index + 1}`;
    return { id, question, answers, ...(docIds ? { docIds } : {}), ...(wrongAnswers ? { wrongAnswers } : {}) };
  });
}

async function availableSplits(dir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(dir, 'qrels'))).filter((name) => name.endsWith('.tsv')).map((name) => name.slice(0, -4));
  } catch {
    return [];
  }
}

export async function loadBeirDataset(dir: string, split = 'test'): Promise<BeirDataset> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new DatasetFormatError(`dataset folder not found: ${root}`);
  if (!/^[\w.-]+$/.test(split)) throw new DatasetFormatError(`invalid split name "${split}"`);
  const qrelsFile = path.join(root, 'qrels', `${split}.tsv`);
  if (!(await stat(qrelsFile).catch(() => undefined))) {
    const splits = await availableSplits(root);
    throw new DatasetFormatError(
      `no qrels for split "${split}"${splits.length > 0 ? ` (available: ${splits.join(', ')})` : ' (the qrels/ folder is missing or empty)'}`,
      qrelsFile,
    );
  }
  const corpusFile = path.join(root, 'corpus.jsonl');
  const queriesFile = path.join(root, 'queries.jsonl');
  const corpus = parseCorpus(await readRequired(corpusFile, 'corpus'), corpusFile);
  if (corpus.length === 0) throw new DatasetFormatError('the corpus is empty', corpusFile);
  const allQueries = parseQueries(await readRequired(queriesFile, 'queries'), queriesFile);
  const qrels = parseQrels(await readRequired(qrelsFile, 'qrels'), qrelsFile);

  const documentIds = new Set(corpus.map((doc) => doc.id));
  const queryIds = new Set(allQueries.map((query) => query.id));
  let judgements = 0;
  let outside = 0;
  let withoutRelevant = 0;
  for (const grades of qrels.values()) {
    judgements += grades.size;
    for (const docId of grades.keys()) if (!documentIds.has(docId)) outside += 1;
    if (![...grades.values()].some((grade) => grade > 0)) withoutRelevant += 1;
  }
  const queries = allQueries.filter((query) => {
    const grades = qrels.get(query.id);
    return grades !== undefined && [...grades.values()].some((grade) => grade > 0);
  });
  if (queries.length === 0) throw new DatasetFormatError(`no query of queries.jsonl has a relevant judgement in split "${split}"`, qrelsFile);
  return {
    dir: root,
    name: path.basename(root),
    split,
    corpus,
    queries,
    qrels,
    stats: {
      documents: corpus.length,
      queriesInFile: allQueries.length,
      judgedQueries: qrels.size,
      queriesWithoutRelevant: withoutRelevant,
      judgedQueriesMissingText: [...qrels.keys()].filter((id) => !queryIds.has(id)).length,
      judgements,
      judgementsOutsideCorpus: outside,
    },
  };
}

export async function loadQaFile(file: string): Promise<QaItem[]> {
  const items = parseQa(await readRequired(file, 'QA file'), file);
  if (items.length === 0) throw new DatasetFormatError('the QA file has no questions', file);
  return items;
}
