import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect } from '@lancedb/lancedb';
import { type BeirDocument, loadBeirDataset } from '../../../eval/beir';
import { type BulkIngestResult, bulkIngest, documentFile, documentKey } from '../../../eval/bulk-ingest';
import { openEvalRuntime } from '../../../eval/eval-runtime';
import { EVAL_TENANT, evalConfig, MAX_DEPTH } from '../../../eval/evaluate';
import type { AppConfig } from '../../../shared/config/config';

/**
 * The evaluation indexes a corpus through eval/bulk-ingest.ts, not one ingest state machine execution per
 * document. This proves both write the same rows: every column of the LanceDB table (ids, text, offsets,
 * identity and provenance fields, title, the derived full-text column) and the stored vectors, bit for bit.
 * Small embedding batches make the state machine's Map run several iterations per long document.
 */
const GOLDEN = path.resolve(__dirname, '..', '..', 'fixtures', 'golden');
// Short documents, a titled long one split into several chunks (kettle guide), and a near-duplicate pair.
const SAMPLE_IDS = ['g05', 'g37', 'g38', 'g45', 'g46'];
const ENV = { RAG_EMBED_BATCH_SIZE: '2' };

type Row = Record<string, unknown>;

async function tableRows(config: AppConfig): Promise<Row[]> {
  const connection = await connect(config.local.vectorsUri);
  try {
    const table = await connection.openTable('chunks');
    const rows = (await table.query().toArray()) as Row[];
    table.close();
    return rows
      .map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, name === 'vector' ? Array.from(value as Iterable<number>) : value])))
      .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  } finally {
    connection.close();
  }
}

async function viaStateMachine(docs: BeirDocument[], dir: string, keyPrefix: string): Promise<{ rows: Row[]; failures: number }> {
  const config = evalConfig(ENV, dir, MAX_DEPTH);
  const runtime = await openEvalRuntime(config);
  try {
    for (const doc of docs) {
      const key = documentKey(keyPrefix, doc.id);
      await runtime.services.documents.put(key, documentFile(doc));
      const head = await runtime.services.documents.head(key);
      await runtime.workflows.startIngestion({ tenant: EVAL_TENANT, key, action: 'upsert', etag: head?.etag, reason: 'event' });
    }
    await runtime.workflows.settle();
    return { rows: await tableRows(config), failures: runtime.workflows.failures.length };
  } finally {
    await runtime.close();
  }
}

async function viaBulkPath(docs: BeirDocument[], dir: string, keyPrefix: string): Promise<{ rows: Row[]; result: BulkIngestResult }> {
  const config = evalConfig(ENV, dir, MAX_DEPTH);
  const runtime = await openEvalRuntime(config);
  try {
    const result = await bulkIngest(runtime.services, docs, { tenant: EVAL_TENANT, keyPrefix });
    return { rows: await tableRows(config), result };
  } finally {
    await runtime.close();
  }
}

describe('bulk ingestion = ingest state machine', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('writes the same rows, vectors included, for a sample of golden documents', async () => {
    const dataset = await loadBeirDataset(GOLDEN, 'test');
    const docs = SAMPLE_IDS.map((id) => dataset.corpus.find((doc) => doc.id === id)).filter((doc): doc is BeirDocument => doc !== undefined);
    expect(docs).toHaveLength(SAMPLE_IDS.length);
    const keyPrefix = `${EVAL_TENANT}/${dataset.name}/`;
    for (let i = 0; i < 2; i += 1) dirs.push(await mkdtemp(path.join(tmpdir(), 'rag-eval-bulk-')));

    const machine = await viaStateMachine(docs, dirs[0] as string, keyPrefix);
    const bulk = await viaBulkPath(docs, dirs[1] as string, keyPrefix);

    expect(machine.failures).toBe(0);
    // Several chunks per long document, and a title on every row: the comparison covers both.
    expect(machine.rows.length).toBeGreaterThan(docs.length + 2);
    expect(machine.rows.every((row) => typeof row.title === 'string' && row.title !== '')).toBe(true);
    expect(bulk.rows).toEqual(machine.rows);
    expect(bulk.result.chunks).toBe(machine.rows.length);
    expect([...bulk.result.datasetIdByChunkId.keys()].sort()).toEqual(machine.rows.map((row) => String(row.id)).sort());
  });

  it('skips what the state machine fails: a document with no text gives no rows on either path', async () => {
    const empty: BeirDocument = { id: 'empty', title: '', text: '   ' };
    dirs.push(await mkdtemp(path.join(tmpdir(), 'rag-eval-bulk-')), await mkdtemp(path.join(tmpdir(), 'rag-eval-bulk-')));
    const machine = await viaStateMachine([empty], dirs[2] as string, 'eval/empty/');
    const bulk = await viaBulkPath([empty], dirs[3] as string, 'eval/empty/');
    expect(machine.failures).toBe(1);
    expect(machine.rows).toEqual([]);
    expect(bulk.rows).toEqual([]);
    expect(bulk.result.skippedDocuments).toBe(1);
  });
});
