process.env.POWERTOOLS_METRICS_DISABLED='true'; process.env.POWERTOOLS_LOG_LEVEL='SILENT';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
async function main() {
  const { loadConfig } = await import('../shared/config/config');
  const { startLocalRuntime } = await import('../local/runtime');
  const q = await import('../shared/pipeline/query');
  const { SyntheticText, seededRandom } = await import('./synthetic');
  const dir = await mkdtemp(path.join(tmpdir(), 'zz-'));
  const config = loadConfig({ RAG_DATA_DIR: dir, PORT: '0', RAG_SAMPLES: 'off', RAG_WATCH: 'off', RAG_REINDEX_INTERVAL_SECONDS: '0' });
  const rt = await startLocalRuntime(config);
  const s = rt.services;
  const text = new SyntheticText(seededRandom(42));
  const rows: any[] = []; const qs: string[] = [];
  for (let i = 0; i < 10000; i++) { const p = text.passage(700); if (i % 100 === 0) qs.push(text.questionAbout(p));
    rows.push({ tenant: 'default', documentId: 'd' + Math.floor(i / 5), key: 'default/k' + i, version: 'v', contentType: 'text/plain', fingerprint: 'f', id: 'c' + i, index: i % 5, text: p, location: { start: 0, end: 1 }, vector: (await s.embedder.embed([p], 'document')).vectors[0] }); }
  await s.vectors.upsert(rows.slice(0, 5000)); await s.vectors.upsert(rows.slice(5000));
  for (const question of qs.slice(0, 8)) {
    const t0 = performance.now();
    const query = q.validateQuery(s, { question, tenant: 'default', requestId: 'r' });
    const guard = await q.guardInput(s, query); const t1 = performance.now();
    const ret = await q.retrieve(s, query, guard.question); const t2 = performance.now();
    const ranked = await q.rerank(s, query, guard.question, ret); const t3 = performance.now();
    const state: any = { question, tenant: 'default', requestId: 'r', query, inputGuard: guard, retrieval: ret, ranked };
    state.generation = await q.generate(s, state); const t4 = performance.now();
    await q.resolveCitations(s, state); const t5 = performance.now();
    const t6 = performance.now(); await rt.workflows.runQuery({ question, tenant: 'default', requestId: 'r2' }); const t7 = performance.now();
    console.log(`guard ${(t1-t0).toFixed(0)} retrieve ${(t2-t1).toFixed(0)} rerank ${(t3-t2).toFixed(0)} generate ${(t4-t3).toFixed(0)} cite ${(t5-t4).toFixed(0)} | asl total ${(t7-t6).toFixed(0)}`);
  }
  await rt.stop();
}
main();
