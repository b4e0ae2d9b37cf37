import type { BlobStore } from '../storage/blob-store';
import { NotFoundError } from '../errors';

export type DocumentStatus = 'PENDING' | 'INDEXED' | 'FAILED' | 'DELETED';

/** The record of one document's ingestion (DESIGN §5), kept in the state store. */
export interface DocumentManifest {
  tenant: string;
  key: string;
  documentId: string;
  status: DocumentStatus;
  /** SHA-256 of the bytes of the indexed (or attempted) version. */
  version?: string;
  /** Change marker of the object when last seen (ETag / size+mtime). */
  etag?: string;
  contentType?: string;
  bytes?: number;
  title?: string;
  chunker?: string;
  embeddingModel?: string;
  dimensions?: number;
  /** Index generation whose chunks are live in the vector store. */
  fingerprint?: string;
  /** Number of live chunks: always equals the vectors of `fingerprint` in the index. */
  chunkCount: number;
  chunkIds?: string[];
  failure?: { error: string; reason: string; at: string };
  attempts: number;
  createdAt: string;
  updatedAt: string;
  indexedAt?: string;
}

/** The manifest of a document seen for the first time. */
export function newManifest(tenant: string, key: string, documentId: string): DocumentManifest {
  const at = new Date().toISOString();
  return { tenant, key, documentId, status: 'PENDING', chunkCount: 0, attempts: 0, createdAt: at, updatedAt: at };
}

export function manifestKey(tenant: string, documentId: string): string {
  return `manifests/${tenant}/${documentId}.json`;
}

/** Work files of one ingestion attempt (extracted text, chunk batches): removed when it ends. */
export function workPrefix(tenant: string, documentId: string): string {
  return `work/${tenant}/${documentId}/`;
}

export class ManifestStore {
  constructor(private readonly state: BlobStore) {}

  async get(tenant: string, documentId: string): Promise<DocumentManifest | undefined> {
    try {
      const body = await this.state.get(manifestKey(tenant, documentId));
      return JSON.parse(body.toString('utf8')) as DocumentManifest;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async put(manifest: DocumentManifest): Promise<void> {
    await this.state.put(manifestKey(manifest.tenant, manifest.documentId), JSON.stringify(manifest, null, 2), {
      contentType: 'application/json',
    });
  }

  async delete(tenant: string, documentId: string): Promise<void> {
    await this.state.delete(manifestKey(tenant, documentId));
  }

  /** One page of a tenant's manifests (or every tenant's, when tenant is undefined). */
  async list(tenant: string | undefined, cursor?: string, limit = 200): Promise<{ manifests: DocumentManifest[]; nextCursor?: string }> {
    const page = await this.state.list(tenant ? `manifests/${tenant}/` : 'manifests/', cursor, limit);
    const manifests = await Promise.all(
      page.items
        .filter((item) => item.key.endsWith('.json'))
        .map(async (item) => JSON.parse((await this.state.get(item.key)).toString('utf8')) as DocumentManifest),
    );
    return { manifests, nextCursor: page.nextCursor };
  }
}
