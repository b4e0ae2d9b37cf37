import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type NpmStart, startNpmStart } from '../helpers/npm-start';
import { tempConfig } from '../helpers/temp-config';
import { type DocumentListing, eventually, parseQuestionTable, postJson, type QueryBody, request } from '../helpers/http';

/**
 * The front door: the real `npm start` entry point (tsx local/main.ts under the repo's Node 22)
 * in a fresh data folder seeds the sample corpus, indexes it, answers a sample question citing
 * the right document, and stops cleanly on SIGTERM.
 */
const repoRoot = path.resolve(__dirname, '../..');

describe('npm start on a fresh data folder', () => {
  let started: NpmStart;
  let url: string;
  let child: NpmStart['child'];
  const stderr = () => started.output.stderr;
  const stdout = () => started.output.stdout;

  beforeAll(async () => {
    started = await startNpmStart();
    ({ url, child } = started);
  }, 120_000);

  afterAll(async () => {
    await started?.stop();
  });

  it('prints the development token, and asks every other route for it', async () => {
    expect(stderr()).toContain('Development token: dev (tenant default; loopback only;');
    expect(stderr()).toContain("-H 'authorization: Bearer dev'");
    expect((await request(`${url}/health`, { headers: { authorization: '' } })).status).toBe(200);
    expect((await request(`${url}/documents`, { headers: { authorization: '' } })).status).toBe(401);
  });

  it('serves /health, indexes the samples and answers from the right one', async () => {
    expect((await request(`${url}/health`)).status).toBe(200);
    const docs = await eventually(
      async () => {
        const res = await request<DocumentListing>(`${url}/documents`);
        return res.body.documents.length === 5 && res.body.documents.every((d) => d.status === 'INDEXED') ? res.body.documents : undefined;
      },
      'the five samples to be indexed',
      90_000,
    );
    expect(docs.map((d) => d.key.split('/').pop()).sort()).toEqual([
      'expense-policy.md',
      'oncall-runbook.html',
      'product-faq.pdf',
      'release-notes.txt',
      'security-policy.docx',
    ]);

    const questions = parseQuestionTable(await readFile(path.join(repoRoot, 'local/samples/QUESTIONS.md'), 'utf8'));
    expect(questions.length).toBe(8);
    for (const { question, file, phrase } of questions) {
      const res = await postJson<QueryBody>(`${url}/query`, { question });
      expect(res.status).toBe(200);
      expect({ question, cited: res.body.citations[0]?.key }).toEqual({ question, cited: `default/samples/${file}` });
      expect(res.body.answer.replace(/\s+/g, ' ')).toContain(phrase);
    }
  }, 120_000);

  it('logs JSON with hashes, sizes and token counts, never questions, answers or document text', async () => {
    const lines = stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const answered = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.message === 'Query answered');
    expect(answered.length).toBe(8);
    for (const entry of answered) {
      expect(entry).toMatchObject({ promptVersion: 'v2', model: 'local-extractive-v1', correlationId: expect.any(String) });
      expect(entry.questionSha256).toMatch(/^[0-9a-f]{16}$/);
      expect(entry.inputTokens).toEqual(expect.any(Number));
    }
    // Words that occur only in the questions, answers and documents, never in log vocabulary.
    for (const secret of ['expense report', 'SEV1', 'battery', 'password length', 'REST API v1', '180 kg', 'Northwind']) {
      expect(stdout()).not.toContain(secret);
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('npm start on an address other machines can reach', () => {
  it.each([
    ['no RAG_API_KEYS', {}],
    ['the development token', { RAG_API_KEYS: 'dev=default' }],
  ])(
    'refuses to start with %s, naming the variable',
    async (_what, extra: Record<string, string>) => {
      const temp = await tempConfig();
      try {
        const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['local/main.ts'], {
          cwd: repoRoot,
          env: { ...process.env, HOST: '0.0.0.0', PORT: '0', RAG_DATA_DIR: temp.dir, ...extra },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr?.on('data', (data: Buffer) => {
          stderr += data.toString();
        });
        const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
        expect(code).toBe(2);
        expect(stderr).toMatch(/RAG_API_KEYS: (must be set|holds the development token).*HOST \(0\.0\.0\.0\) is not a loopback address/);
        expect(stderr).not.toContain('listening');
      } finally {
        await temp.cleanup();
      }
    },
    60_000,
  );
});
