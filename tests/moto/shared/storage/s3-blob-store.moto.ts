import { CreateBucketCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { NotFoundError } from '../../../../shared/errors';
import { createS3BlobStore, S3BlobStore } from '../../../../shared/storage/s3-blob-store';
import { describeBlobStoreContract } from '../../../contract/blob-store.contract';
import { useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { MOTO_CREDENTIALS, motoClientOptions, motoConfig, motoEndpoint, uniqueName } from '../../harness/moto-env';

/**
 * S3BlobStore through the real SDK client against moto's S3, path-style. Run twice: on a plain bucket
 * and on a versioned one like the stack's DocumentsBucket, where a delete leaves a delete marker that
 * head, get and list must treat as gone.
 */
describe('S3BlobStore against moto_server', () => {
  const client = new S3Client({ ...motoClientOptions(), forcePathStyle: true });
  const plainBucket = uniqueName('rag-docs');
  const versionedBucket = uniqueName('rag-docs-versioned');
  let prefixCounter = 0;

  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: plainBucket }));
    await client.send(new CreateBucketCommand({ Bucket: versionedBucket }));
    await client.send(new PutBucketVersioningCommand({ Bucket: versionedBucket, VersioningConfiguration: { Status: 'Enabled' } }));
  });

  /** Each contract test gets its own key prefix inside the bucket, so tests never see each other's keys. */
  const contractStore = (bucket: string) => async () => {
    prefixCounter += 1;
    const keyPrefix = `contract-${prefixCounter}/`;
    return { store: new S3BlobStore({ client, bucket, keyPrefix }), cleanup: async () => {}, locationOf: (key: string) => `s3://${bucket}/${keyPrefix}${key}` };
  };

  describeBlobStoreContract('S3BlobStore (moto, unversioned bucket)', contractStore(plainBucket));
  describeBlobStoreContract('S3BlobStore (moto, versioned bucket like DocumentsBucket)', contractStore(versionedBucket));

  it('leaves a delete marker in the versioned bucket, and the store no longer sees the key', async () => {
    // Prepare
    const store = new S3BlobStore({ client, bucket: versionedBucket, keyPrefix: 'markers/' });
    await store.put('a.txt', 'v1');
    await store.put('a.txt', 'v2');
    // Act
    await store.delete('a.txt');
    // Assess
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: versionedBucket, Prefix: 'markers/' }));
    expect(versions.Versions).toHaveLength(2);
    expect(versions.DeleteMarkers).toHaveLength(1);
    await expect(store.head('a.txt')).resolves.toBeUndefined();
    await expect(store.get('a.txt')).rejects.toThrow(NotFoundError);
    expect((await store.list('')).items).toEqual([]);
  });

  describe('through the factory', () => {
    // The factory builds its own client from the config; it reads credentials from the environment.
    useFakeAwsCredentials(MOTO_CREDENTIALS);

    it('uses the configured endpoint with path-style addressing', async () => {
      // Prepare
      const store = createS3BlobStore(motoConfig({ RAG_S3_ENDPOINT: motoEndpoint(), RAG_S3_FORCE_PATH_STYLE: 'true' }), plainBucket, undefined, 'factory/');
      // Act
      await store.put('a.txt', 'hello', { contentType: 'text/plain' });
      const body = await store.get('a.txt');
      // Assess
      expect(body.toString('utf8')).toBe('hello');
      expect((await store.list('')).items.map((item) => item.key)).toEqual(['a.txt']);
    });
  });
});
