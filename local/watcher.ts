import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { sha256Hex } from '../shared/documents/identity';
import type { BlobStore } from '../shared/storage/blob-store';

/**
 * Turns file create/change/delete in the local documents folder into the EventBridge
 * "Object Created"/"Object Deleted" events S3 would send, with the key URL-encoded as S3 does.
 * The etag is the documents store's own change marker, as S3 puts its ETag in the event.
 */
export interface S3EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': 'Object Created' | 'Object Deleted';
  source: 'aws.s3';
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size?: number; etag?: string; sequencer: string };
    reason: string;
  };
}

export function s3Event(kind: 'Object Created' | 'Object Deleted', key: string, object: { size?: number; etag?: string }): S3EventBridgeEvent {
  const sequencer = Date.now().toString(16).toUpperCase();
  return {
    version: '0',
    id: sha256Hex(`${kind}${key}${sequencer}${Math.random()}`).slice(0, 36),
    'detail-type': kind,
    source: 'aws.s3',
    time: new Date().toISOString(),
    region: 'local',
    resources: ['arn:aws:s3:::local-documents'],
    detail: {
      version: '0',
      bucket: { name: 'local-documents' },
      object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), ...object, sequencer },
      reason: kind === 'Object Created' ? 'PutObject' : 'DeleteObject',
    },
  };
}

/**
 * Object versions reported within the last `ttlMs`, so the same version is reported once even when both the
 * file event and the settled-folder listing see it (a burst of files into a new folder otherwise started every
 * ingestion twice). Entries expire in insertion order, so memory is bounded by the event rate times the TTL.
 */
export class RecentlyReported {
  /** Last version reported per key, oldest first. */
  private readonly seen = new Map<string, { etag: string | undefined; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True unless this key was reported with this etag within the TTL. */
  offer(key: string, etag: string | undefined): boolean {
    const at = this.now();
    for (const [seenKey, entry] of this.seen) {
      if (at - entry.at < this.ttlMs) break;
      this.seen.delete(seenKey);
    }
    if (this.seen.get(key)?.etag === etag && this.seen.has(key)) return false;
    // Re-inserted at the end, so expiry stays in time order.
    this.seen.delete(key);
    this.seen.set(key, { etag, at });
    return true;
  }

  /** Forgets the key (after a delete: the same version written again is new). */
  forget(key: string): void {
    this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Long enough to cover the settled-folder listing (1 s after the folder appears) of a large burst. */
const REPORTED_TTL_MS = 60_000;

export function watchDocuments(root: string, documents: BlobStore, onEvent: (event: S3EventBridgeEvent) => void): FSWatcher {
  const keyOf = (file: string): string => path.relative(root, file).split(path.sep).join('/');
  const watcher = watch(root, {
    ignoreInitial: true,
    // A linked folder may lead outside the documents folder: not watched (the store refuses such files too).
    followSymlinks: false,
    // Wait for writes to finish so a half-copied file is not ingested.
    awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
    ignored: (file: string) => path.basename(file).startsWith('.'),
  });
  const reported = new RecentlyReported(REPORTED_TTL_MS);
  const created = async (file: string): Promise<void> => {
    const head = await documents.head(keyOf(file));
    // Gone again before we could look: the unlink event follows.
    if (head && reported.offer(head.key, head.etag)) onEvent(s3Event('Object Created', head.key, { size: head.size, etag: head.etag }));
  };
  // A folder created and filled at once can race the watcher: files written before it watches the
  // new folder are never reported. Listing the folder once it settles closes that gap; versions
  // already reported are not reported again.
  const settledFolder = async (dir: string): Promise<void> => {
    const prefix = `${keyOf(dir)}/`;
    let cursor: string | undefined;
    do {
      const page = await documents.list(prefix, cursor);
      for (const item of page.items) {
        if (reported.offer(item.key, item.etag)) onEvent(s3Event('Object Created', item.key, { size: item.size, etag: item.etag }));
      }
      cursor = page.nextCursor;
    } while (cursor);
  };
  watcher.on('addDir', (dir) => {
    if (dir !== root) setTimeout(() => void settledFolder(dir), 1000).unref();
  });
  watcher.on('add', (file) => void created(file));
  watcher.on('change', (file) => void created(file));
  watcher.on('unlink', (file) => {
    // A file deleted and written again with the same size and mtime must be reported again.
    reported.forget(keyOf(file));
    onEvent(s3Event('Object Deleted', keyOf(file), {}));
  });
  return watcher;
}
