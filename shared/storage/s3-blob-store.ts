import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema, s3BucketNameSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import { ConfigurationError, NotFoundError, type RagError, ValidationError } from '../errors';
import type { BlobHead, BlobPage, BlobStore, PutOptions } from './blob-store';

/**
 * BlobStore on S3 or any S3-compatible endpoint (MinIO, s3rver, ...; `forcePathStyle` for those).
 *
 * - `list` is ListObjectsV2: the continuation token is the cursor, `limit` maps to MaxKeys (S3 caps it at 1000).
 *   ListObjectsV2 returns no content type or user metadata, and the port promises both, so each listed
 *   object is completed with a HeadObject (16 in flight at a time). That is one extra request per
 *   object (~$0.0004 per 1000); an object deleted between the list and its head is left out.
 * - ETags are returned without their surrounding quotes; they are change markers, not content hashes
 *   (multipart uploads have "-N" ETags).
 * - User metadata keys are lower-cased by S3 (x-amz-meta-*), so callers should use lower-case keys.
 * - An optional key prefix namespaces every key (several logical stores in one bucket).
 */

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key, e.g. "state/". */
  keyPrefix?: string;
}

/** S3 allows 1000 keys per ListObjectsV2 page. */
const MAX_LIST_KEYS = 1000;
const LIST_HEAD_CONCURRENCY = 16;
/** S3 object keys are at most 1024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;
const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

interface SdkErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  return (typeof e.name === 'string' && NOT_FOUND_NAMES.has(e.name)) || e.$metadata?.httpStatusCode === 404;
}

/** S3 signals throttling with 503 SlowDown rather than 429; Smithy's classification (in toRagError) knows it. */
export function toS3Error(error: unknown, operation: string): RagError {
  return toRagError(error, operation);
}

function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"+|"+$/g, '');
}

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;

  constructor(options: S3BlobStoreOptions) {
    if (!options.bucket) throw new ConfigurationError('S3BlobStore needs a bucket name');
    this.client = options.client;
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? '';
  }

  uriFor(key: string): string {
    return `s3://${this.bucket}/${this.fullKey(key)}`;
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getStream(key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    } catch (error) {
      throw toS3Error(error, `GetObject ${this.bucket}`);
    }
    return Buffer.concat(chunks);
  }

  /** Streams the object's bytes without buffering them (large documents). Throws NotFoundError when missing. */
  async getStream(key: string): Promise<Readable> {
    const fullKey = this.fullKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: fullKey }));
      if (!out.Body) throw new NotFoundError(`Blob not found: ${key}`);
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`Blob not found: ${key}`);
      throw toS3Error(error, `GetObject ${this.bucket}`);
    }
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: bytes,
          ContentLength: bytes.length,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.metadata ? { Metadata: options.metadata } : {}),
        }),
      );
    } catch (error) {
      throw toS3Error(error, `PutObject ${this.bucket}`);
    }
  }

  async head(key: string): Promise<BlobHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: stripQuotes(out.ETag),
        lastModified: out.LastModified ?? new Date(0),
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.Metadata && Object.keys(out.Metadata).length > 0 ? { metadata: { ...out.Metadata } } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toS3Error(error, `HeadObject ${this.bucket}`);
    }
  }

  async list(prefix: string, cursor?: string, limit = MAX_LIST_KEYS): Promise<BlobPage> {
    if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('list limit must be a positive integer');
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.fullKey(prefix, true),
          MaxKeys: Math.min(limit, MAX_LIST_KEYS),
          ...(cursor ? { ContinuationToken: cursor } : {}),
        }),
      );
      const keys = (out.Contents ?? []).flatMap((object) => (object.Key !== undefined ? [object.Key.slice(this.keyPrefix.length)] : []));
      const items = await this.headAll(keys);
      return { items, ...(out.IsTruncated && out.NextContinuationToken ? { nextCursor: out.NextContinuationToken } : {}) };
    } catch (error) {
      throw toS3Error(error, `ListObjectsV2 ${this.bucket}`);
    }
  }

  /** Counts from ListObjectsV2's KeyCount, page by page (no HeadObject): one LIST request per 1,000 keys. */
  async count(prefix: string, atMost = Number.POSITIVE_INFINITY): Promise<number> {
    let count = 0;
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.fullKey(prefix, true),
            MaxKeys: MAX_LIST_KEYS,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        count += out.KeyCount ?? out.Contents?.length ?? 0;
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token && count < atMost);
    } catch (error) {
      throw toS3Error(error, `ListObjectsV2 ${this.bucket}`);
    }
    return Math.min(count, atMost);
  }

  /** HeadObject for each key with bounded concurrency, keeping the list order. */
  private async headAll(keys: readonly string[]): Promise<BlobHead[]> {
    const heads: (BlobHead | undefined)[] = new Array(keys.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const index = next;
        next += 1;
        heads[index] = await this.head(keys[index] as string);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_HEAD_CONCURRENCY, keys.length) }, worker));
    return heads.filter((head): head is BlobHead => head !== undefined);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      // S3 answers 204 for a missing key; S3-compatible stores may answer 404: both mean "gone".
      if (isNotFound(error)) return;
      throw toS3Error(error, `DeleteObject ${this.bucket}`);
    }
  }

  private fullKey(key: string, allowEmpty = false): string {
    if (!allowEmpty && key.length === 0) throw new ValidationError('Blob key must not be empty');
    const full = `${this.keyPrefix}${key}`;
    if (Buffer.byteLength(full, 'utf8') > MAX_KEY_BYTES) throw new ValidationError(`Blob key is longer than ${MAX_KEY_BYTES} bytes`);
    return full;
  }
}

export function createS3BlobStore(config: AppConfig, bucket: string, client?: S3Client, keyPrefix?: string): BlobStore {
  assertIdentifier(s3BucketNameSchema, bucket, 'Bucket', 'the S3 blob store');
  assertIdentifier(awsRegionSchema, config.aws.region, 'AWS_REGION', 'the S3 blob store');
  return new S3BlobStore({
    client:
      client ??
      instrumentAwsClient(
        new S3Client({
          ...awsClientOptions(config, config.aws.s3Endpoint),
          forcePathStyle: config.aws.s3ForcePathStyle,
        }),
      ),
    bucket,
    ...(keyPrefix ? { keyPrefix } : {}),
  });
}
