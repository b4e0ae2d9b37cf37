import { S3Client, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
// biome-ignore lint: debug
const S3rver = require('s3rver');
async function main() {
  const s = new S3rver({ address: '127.0.0.1', port: 0, silent: false, directory: '/tmp/h5/s3dir', configureBuckets: [{ name: 'docs' }] });
  const a = await s.run();
  const c = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${a.port}`, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
  await c.send(new PutObjectCommand({ Bucket: 'docs', Key: 'a/1.txt', Body: 'x' }));
  await c.send(new PutObjectCommand({ Bucket: 'docs', Key: 'a/2.txt', Body: 'x' }));
  try { console.log(await c.send(new ListObjectsV2Command({ Bucket: 'docs', Prefix: 'a/', MaxKeys: 1 }))); } catch (e) { console.log(e); }
  await s.close();
}
main();
