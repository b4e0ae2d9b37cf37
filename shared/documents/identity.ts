import { createHash } from 'node:crypto';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Stable document id from (tenant, key): 32 hex chars, safe in vector ids, paths and execution names. */
export function documentIdFor(tenant: string, key: string): string {
  return sha256Hex(`${tenant}\n${key}`).slice(0, 32);
}

/** Deterministic chunk id: the same document bytes, chunker config and position always give the same id. */
export function chunkIdFor(documentId: string, fingerprint: string, index: number): string {
  return sha256Hex(`${documentId}\n${fingerprint}\n${index}`).slice(0, 40);
}

/** Which index generation a chunk belongs to: bytes + chunker config + embedding model. */
export function fingerprintFor(version: string, chunkerConfigId: string, embeddingModelId: string, dimensions: number): string {
  return sha256Hex(`${version}\n${chunkerConfigId}\n${embeddingModelId}\n${dimensions}`).slice(0, 32);
}

/** Every chunk id of one index generation of a document, in order. */
export function generationChunkIds(documentId: string, fingerprint: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => chunkIdFor(documentId, fingerprint, index));
}
