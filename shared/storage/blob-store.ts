/** Port: a flat key/value store of bytes (S3 on AWS, a folder locally). */
export interface BlobHead {
  key: string;
  size: number;
  /** Opaque change marker (S3 ETag, or size+mtime locally). Not a content hash. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface BlobPage {
  items: BlobHead[];
  /** Present when there are more items: pass it back to `list`. */
  nextCursor?: string;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface BlobStore {
  /** Throws NotFoundError when the key does not exist. */
  get(key: string): Promise<Buffer>;
  put(key: string, body: Buffer | string, options?: PutOptions): Promise<void>;
  /** Undefined when the key does not exist. */
  head(key: string): Promise<BlobHead | undefined>;
  list(prefix: string, cursor?: string, limit?: number): Promise<BlobPage>;
  /**
   * How many keys start with `prefix`, counted up to `atMost` (then it stops): keys only, no object is read or
   * headed, so a count costs a directory read locally and one LIST request per 1,000 keys on S3.
   */
  count(prefix: string, atMost?: number): Promise<number>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Where the object stored under `key` lives, for a reader of a citation to find it: `s3://bucket/key`
   * on S3, the key itself locally. Computed, no I/O: the object need not exist.
   */
  uriFor(key: string): string;
}
