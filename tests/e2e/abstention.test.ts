import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { tempConfig } from '../helpers/temp-config';
import { type DocumentListing, eventually, parseQuestionTable, postJson, type QueryBody, request } from '../helpers/http';

/**
 * Issue 14 item 6 over HTTP, on the sample corpus `npm start` seeds: questions the samples do not answer get
 * the not-found reply with no citations (the relevance floor), the ones they answer still get an answer that
 * reads as sentences (no heading first, no raw table row) and cites each chunk once.
 */
type Body = Omit<QueryBody, 'citations' | 'guardrail'> & {
  citations: (QueryBody['citations'][number] & { chunkId?: string })[];
  guardrail: QueryBody['guardrail'] & { groundingScore?: number };
};

describe('the sample corpus knows when it does not know', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const ask = (question: string) => postJson<Body>(`${runtime.url}/query`, { question });

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_SAMPLES: 'on', RAG_WATCH: 'on' });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0 });
    await eventually(
      async () => {
        const docs = (await request<DocumentListing>(`${runtime.url}/documents`)).body.documents;
        return docs.length === 5 && docs.every((d) => d.status === 'INDEXED') ? docs : undefined;
      },
      'the five samples to be indexed',
      90_000,
    );
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
  });

  it.each(['Who is the CEO of Northwind Robotics?', 'What is the parental leave policy?'])(
    'answers "%s" with the not-found reply and no citations',
    async (question) => {
      const res = await ask(question);

      expect(res.status).toBe(200);
      expect(res.body.answer).toMatch(/could not find an answer in the documents/i);
      expect(res.body.citations).toEqual([]);
    },
  );

  it('still answers every sample question, as sentences, citing each chunk once', async () => {
    const questions = parseQuestionTable(await readFile(path.resolve(__dirname, '../../local/samples/QUESTIONS.md'), 'utf8'));
    expect(questions.length).toBeGreaterThanOrEqual(8);

    for (const { question, file, phrase } of questions) {
      const res = await ask(question);

      expect({ question, answer: res.body.answer }).toEqual({ question, answer: expect.stringContaining(phrase) });
      expect(res.body.citations.map((c) => c.key.split('/').pop())).toContain(file);
      const pairs = res.body.citations.map((c) => `${c.marker}:${c.chunkId ?? c.key}`);
      expect(new Set(pairs).size).toBe(pairs.length);
      expect(res.body.answer).not.toContain(' | ');
      // A heading has no closing punctuation: the first sentence of the answer must have one.
      expect(res.body.answer).toMatch(/^[^.!?]{0,200}[.!?:]/);
      expect(res.body.guardrail.groundingScore).toBeGreaterThan(0.35);
    }
  });

  it('reads a table row as a sentence', async () => {
    const res = await ask('What is the daily limit for meals while travelling?');

    expect(res.body.answer).toContain('Meals while travelling — Limit: $75 per day.');
    expect(res.body.answer).not.toMatch(/^Travel and meals/);
  });
});
