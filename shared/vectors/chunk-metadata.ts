import type { IndexedChunk, StoredChunk } from '../documents/chunk';
import { ValidationError } from '../errors';

/**
 * The metadata a chunk carries in an S3 Vectors index, shared by the two adapters that write or query
 * such an index: the S3 Vectors store, and the Knowledge Base store whose index Bedrock keeps in S3
 * Vectors. S3 Vectors has no prefix operator, so a key's first directory segments are stored as
 * filterable fields p1..p4 and a key prefix becomes `$eq` conditions on them.
 */

/** Limits from the S3 Vectors documentation. */
export const S3_VECTORS_LIMITS = {
  putBatch: 500,
  deleteBatch: 500,
  getBatch: 100,
  listPage: 1000,
  maxTopK: 100,
  filterableMetadataBytes: 2048,
  totalMetadataBytes: 40 * 1024,
  keyBytes: 1024,
} as const;

/** How many directory levels of a key are stored as filterable segments. */
export const KEY_SEGMENT_FIELDS = ['p1', 'p2', 'p3', 'p4'] as const;

export interface KeyPrefixPlan {
  /** Whole directory segments of the prefix that the service can match exactly. */
  segments: { field: (typeof KEY_SEGMENT_FIELDS)[number]; value: string }[];
  /** True when the segments do not express the whole prefix: results must be post-filtered by startsWith. */
  needsPostFilter: boolean;
}

/** Splits a key prefix into exact segment conditions (S3 Vectors filters, and Knowledge Base retrieval filters over the same index). */
export function planKeyPrefix(prefix: string): KeyPrefixPlan {
  const parts = prefix.split('/');
  // The last part is after the final "/": empty for "a/b/", partial for "a/b".
  const whole = parts.slice(0, -1);
  const usable = whole.slice(0, KEY_SEGMENT_FIELDS.length);
  const segments = usable.map((value, i) => ({ field: KEY_SEGMENT_FIELDS[i] as (typeof KEY_SEGMENT_FIELDS)[number], value }));
  const needsPostFilter = (parts[parts.length - 1] ?? '') !== '' || whole.length > KEY_SEGMENT_FIELDS.length;
  return { segments, needsPostFilter };
}

/** The directory segments of a key, for storage as p1..p4. */
export function keySegments(key: string): Record<string, string> {
  const dirs = key.split('/').slice(0, -1).slice(0, KEY_SEGMENT_FIELDS.length);
  return Object.fromEntries(dirs.map((value, i) => [KEY_SEGMENT_FIELDS[i] as string, value]));
}

/**
 * A chunk's filterable metadata in an S3 Vectors index: its identity, `extra` fields, then the key's p1..p4.
 * Over S3 Vectors' filterable limit (a long object key), the chunk is refused, named, before any call.
 */
export function filterableMetadata(chunk: IndexedChunk, extra: Record<string, string> = {}): Record<string, string> {
  const filterable: Record<string, string> = {
    tenant: chunk.tenant,
    documentId: chunk.documentId,
    key: chunk.key,
    contentType: chunk.contentType,
    fingerprint: chunk.fingerprint,
    version: chunk.version,
    ...extra,
    ...keySegments(chunk.key),
  };
  const bytes = Buffer.byteLength(JSON.stringify(filterable));
  if (bytes > S3_VECTORS_LIMITS.filterableMetadataBytes) {
    throw new ValidationError(
      `Filterable metadata of chunk ${chunk.id} is ${bytes} bytes, over the S3 Vectors limit of ${S3_VECTORS_LIMITS.filterableMetadataBytes} (object key too long?)`,
    );
  }
  return filterable;
}

/** A metadata value as a string; '' when absent or not a string. */
export function metadataString(metadata: Record<string, unknown>, field: string): string {
  const value = metadata[field];
  return typeof value === 'string' ? value : '';
}

/** A metadata value as a number: a JSON number, or a numeric string (a store may stringify metadata). */
export function metadataNumber(metadata: Record<string, unknown>, field: string): number | undefined {
  const value = metadata[field];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** A chunk back from the metadata these adapters write; its `id` and `text` come from where each store keeps them. */
export function storedChunkFromMetadata(metadata: Record<string, unknown>, id: string, text: string): StoredChunk {
  const page = metadataNumber(metadata, 'page');
  const { section, title } = metadata;
  return {
    tenant: metadataString(metadata, 'tenant'),
    documentId: metadataString(metadata, 'documentId'),
    key: metadataString(metadata, 'key'),
    version: metadataString(metadata, 'version'),
    contentType: metadataString(metadata, 'contentType'),
    fingerprint: metadataString(metadata, 'fingerprint'),
    id,
    index: metadataNumber(metadata, 'chunkIndex') ?? 0,
    text,
    location: {
      start: metadataNumber(metadata, 'start') ?? 0,
      end: metadataNumber(metadata, 'end') ?? 0,
      ...(page !== undefined ? { page } : {}),
      ...(typeof section === 'string' ? { section } : {}),
    },
    ...(typeof title === 'string' ? { title } : {}),
  };
}
