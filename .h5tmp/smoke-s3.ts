import { startS3Server, s3FaultProxy } from '/work/main/tests/emulators/s3-server';
import { createS3BlobStore } from '/work/main/shared/storage/s3-blob-store';
import { loadConfig } from '/work/main/shared/config/config';
async function main() {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER'; process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const s = await startS3Server(['docs']);
  const proxy = s3FaultProxy(s.endpoint); const pe = await proxy.start();
  const config = loadConfig({ AWS_REGION: 'us-east-1', RAG_S3_ENDPOINT: pe, RAG_S3_FORCE_PATH_STYLE: 'true', RAG_AWS_MAX_ATTEMPTS: '2' });
  const store = createS3BlobStore(config, 'docs');
  await store.put('a/b c+d.txt', 'hello', { contentType: 'text/plain', metadata: { tenant: 'x' } });
  await store.put('a/2.txt', 'hello2');
  console.log(await store.head('a/b c+d.txt'));
  console.log((await store.get('a/b c+d.txt')).toString());
  console.log(await store.head('nope'));
  try { await store.get('nope'); } catch (e) { console.log('get missing', (e as Error).name); }
  const p1 = await store.list('a/', undefined, 1); console.log(p1);
  console.log(await store.list('a/', p1.nextCursor, 1));
  await store.delete('a/2.txt'); await store.delete('a/2.txt');
  console.log((await store.list('')).items.map(i=>i.key));
  proxy.setFaults({ next: [{ status: 503, code: 'SlowDown' }] });
  console.log('after 1 fault', (await store.get('a/b c+d.txt')).toString());
  proxy.setFaults({ next: [{ status: 503, code: 'ServiceUnavailable' },{ status: 503, code: 'ServiceUnavailable' }] });
  try { await store.get('a/b c+d.txt'); } catch (e) { console.log('5xx', (e as Error).name, (e as Error).message); }
  proxy.setFaults({ next: [{ status: 429, code: 'ThrottlingException' },{ status: 429, code: 'ThrottlingException' }] });
  try { await store.head('a/b c+d.txt'); } catch (e) { console.log('429', (e as Error).name, (e as Error).message); }
  proxy.setFaults({ next: [{ status: 503, code: 'SlowDown' },{ status: 503, code: 'SlowDown' }] });
  try { await store.put('x', 'y'); } catch (e) { console.log('slowdown', (e as Error).name, (e as Error).message); }
  await proxy.stop(); await s.stop();
}
main().catch((e) => { console.error('FAILED', e); process.exit(1); });
