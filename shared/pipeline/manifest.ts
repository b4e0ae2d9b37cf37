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

/**
 * Marks a document refused for its tenant's document limit (RAG_MAX_DOCUMENTS_PER_TENANT): its FAILED manifest
 * tells the user why, but it holds no slot, so counting a tenant's documents is two key counts (manifests less
 * markers) and never reads a manifest.
 */
export function refusedKey(tenant: string, documentId: string): string {
  return `refused/${tenant}/${documentId}`;
}

/**
 * How long a tenant's document count is reused before it is counted again (per store instance, i.e. per process
 * or warm Lambda). Documents this store creates in between are added, so within one process (the local runtime,
 * where one store serves every handler) a burst cannot overshoot the limit; on AWS several Lambdas may each admit
 * what they create within this window before they see each other's.
 */
export const DOCUMENT_COUNT_TTL_MS = 2000;

/** Work files of one ingestion attempt (extracted text, chunk batches): removed when it ends. */
export function workPrefix(tenant: string, documentId: string): string {
  return `work/${tenant}/${documentId}/`;
}

export class ManifestStore {
  private readonly counts = new Map<string, { count: number; at: number }>();

  constructor(
    private readonly state: BlobStore,
    private readonly now: () => number = Date.now,
  ) {}

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

  /** Stores the manifest of a document seen for the first time: it takes one of its tenant's slots. */
  async create(manifest: DocumentManifest): Promise<void> {
    await this.put(manifest);
    this.counted(manifest.tenant, 1);
  }

  /** Stores the FAILED manifest of a document refused for its tenant's limit: it holds no slot. */
  async refuse(manifest: DocumentManifest): Promise<void> {
    // Manifest first: a crash in between leaves a FAILED manifest that holds a slot (counts high), never a marker
    // without its manifest (counts low).
    await this.put(manifest);
    await this.state.put(refusedKey(manifest.tenant, manifest.documentId), '', { contentType: 'text/plain' });
  }

  /** Whether the document's manifest is a refusal for the limit (then admitting it takes a slot). */
  async isRefused(tenant: string, documentId: string): Promise<boolean> {
    return (await this.state.head(refusedKey(tenant, documentId))) !== undefined;
  }

  /** Stores the manifest of a document once refused for the limit and now admitted: it takes a slot. */
  async admit(manifest: DocumentManifest): Promise<void> {
    await this.put(manifest);
    await this.state.delete(refusedKey(manifest.tenant, manifest.documentId));
    this.counted(manifest.tenant, 1);
  }

  async delete(tenant: string, documentId: string): Promise<void> {
    await this.state.delete(manifestKey(tenant, documentId));
    await this.state.delete(refusedKey(tenant, documentId));
    // Whether it held a slot is unknown here: count again next time.
    this.counts.delete(tenant);
  }

  /**
   * Documents of a tenant that hold a slot (every manifest but the refusals for the limit), counted from keys
   * alone (no manifest is read) and reused for DOCUMENT_COUNT_TTL_MS.
   */
  async countDocuments(tenant: string): Promise<number> {
    const cached = this.counts.get(tenant);
    if (cached && this.now() - cached.at < DOCUMENT_COUNT_TTL_MS) return cached.count;
    const at = this.now();
    const [manifests, refused] = await Promise.all([this.state.count(`manifests/${tenant}/`), this.state.count(`refused/${tenant}/`)]);
    const count = Math.max(0, manifests - refused);
    this.counts.set(tenant, { count, at });
    return count;
  }

  private counted(tenant: string, added: number): void {
    const cached = this.counts.get(tenant);
    if (cached) cached.count += added;
  }

  /** One page of a tenant's manifests (or every tenant's, when tenant is undefined). */
  async list(tenant: string | undefined, cursor?: string, limit = 200): Promise<{ manifests: DocumentManifest[]; nextCursor?: string }> {
    const page = await this.state.list(tenant ? `manifests/${tenant}/` : 'manifests/', cursor, limit);
    // A manifest listed and then deleted before it is read (a document deleted while the page is read) is gone:
    // left out of the page, not a 404 for the whole listing.
    const manifests = await Promise.all(
      page.items
        .filter((item) => item.key.endsWith('.json'))
        .map(async (item) => {
          try {
            return JSON.parse((await this.state.get(item.key)).toString('utf8')) as DocumentManifest;
          } catch (error) {
            if (error instanceof NotFoundError) return undefined;
            throw error;
          }
        }),
    );
    return { manifests: manifests.filter((m): m is DocumentManifest => m !== undefined), nextCursor: page.nextCursor };
  }
}
