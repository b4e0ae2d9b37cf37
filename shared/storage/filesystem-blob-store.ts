import { createHash, randomUUID } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, StorageFullError, ValidationError } from '../errors';
import type { BlobHead, BlobPage, BlobStore, PutOptions } from './blob-store';

/**
 * BlobStore over a local folder, for the embedded runtime (documents folder and state folder).
 *
 * Key "a/b.txt" is the file `<root>/a/b.txt`, so a person can drop files in and a watcher sees them.
 * Writes go to `<root>/.tmp/` and are renamed into place (atomic on one filesystem): readers and
 * watchers never see half a file. Content type and user metadata live in a JSON sidecar under
 * `<root>/.meta/<key>.json`. Both directories are reserved (see RESERVED_DIRECTORIES): `list` skips
 * them, keys may not start with them, and a folder watcher should ignore them.
 *
 * Differences from S3: a key cannot be both an object and a "folder" ("a" and "a/b"), and symbolic
 * links are not followed by `list` (nothing outside the root is ever listed).
 */

const META_DIR = '.meta';
const TMP_DIR = '.tmp';
/** Top-level directories the store uses for itself; a watcher on the root must ignore them. */
export const RESERVED_DIRECTORIES: readonly string[] = [META_DIR, TMP_DIR];

/** S3's limits, so keys that work locally also work on AWS. */
const MAX_KEY_BYTES = 1024;
const MAX_LIST_LIMIT = 1000;

interface Sidecar {
  contentType?: string;
  metadata?: Record<string, string>;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

const MAX_NAME_BYTES = 255;
const SIDECAR_SUFFIX = '.json';

/** ENOSPC (no space left on the device) and EDQUOT (disk quota exceeded), as a StorageFullError; anything else as it is. */
export function storageFullErrorOf(error: unknown): unknown {
  const code = errorCode(error);
  if (code === 'ENOSPC')
    return new StorageFullError('No space left on the device that holds the local data folder; free some space, then re-drive the document', { cause: code });
  if (code === 'EDQUOT')
    return new StorageFullError('The disk quota of the local data folder is exhausted; free some space, then re-drive the document', { cause: code });
  return error;
}

/** How the store writes a file's bytes (a test seam: a full disk is simulated by a writer that fails with ENOSPC). */
export type WriteBytes = (file: string, bytes: Buffer) => Promise<void>;

/** Whether a process runs under `pid` (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** Attempts of a put whose folder a concurrent delete removed between mkdir and the write (pruneEmptyDirectories). */
const PUT_ATTEMPTS = 3;

function compareKeys(a: string, b: string): number {
  // S3 lists in UTF-8 byte order; JS string comparison uses UTF-16 code units, which differs for astral characters.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Checks a key (or, with allowPrefix, a list prefix) and returns its path segments. */
function keySegments(key: string, allowPrefix = false): string[] {
  const what = allowPrefix ? 'prefix' : 'key';
  if (!allowPrefix && key.length === 0) throw new ValidationError('Blob key must not be empty', [{ path: 'key', message: 'empty' }]);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new ValidationError(`Blob ${what} is longer than ${MAX_KEY_BYTES} bytes`);
  if (key.includes('\0')) throw new ValidationError(`Blob ${what} must not contain NUL`);
  if (key.includes('\\')) throw new ValidationError(`Blob ${what} must not contain a backslash`);
  if (key.startsWith('/') || path.isAbsolute(key)) throw new ValidationError(`Blob ${what} must be relative`);
  const segments = key.split('/');
  // A prefix may end with "/" (or be partial): only its complete segments are checked.
  const complete = allowPrefix ? segments.slice(0, -1) : segments;
  for (const segment of complete) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValidationError(`Blob ${what} has an empty, "." or ".." segment`, [{ path: what, message: 'invalid segment' }]);
    }
    // A key's folder and file names are names in the local file system, which takes at most 255 bytes each
    // (NAME_MAX on Linux and macOS); a longer one failed the write with ENAMETOOLONG, a 500.
    if (Buffer.byteLength(segment, 'utf8') > MAX_NAME_BYTES) {
      throw new ValidationError(`Blob ${what} has a folder or file name longer than ${MAX_NAME_BYTES} bytes`, [
        { path: what, message: `each name between "/" is at most ${MAX_NAME_BYTES} bytes in the local folder` },
      ]);
    }
  }
  const last = segments[segments.length - 1] ?? '';
  if (last === '..' || (!allowPrefix && last === '.')) throw new ValidationError(`Blob ${what} has a ".." segment`);

  const first = segments[0] ?? '';
  if ((complete.length > 0 || !allowPrefix) && RESERVED_DIRECTORIES.includes(first)) {
    throw new ValidationError(`Blob ${what} must not start with a reserved directory (${RESERVED_DIRECTORIES.join(', ')})`);
  }
  return segments;
}

export class FilesystemBlobStore implements BlobStore {
  private readonly root: string;
  /** The root with its own symlinks resolved (a temp folder under /tmp may itself be a link), read once. */
  private realRoot: string | undefined;

  private readonly writeBytes: WriteBytes;
  /** The once-per-store removal of temp files left by a process that died mid-write. */
  private orphansRemoved: Promise<void> | undefined;

  constructor(rootDir: string, options: { writeBytes?: WriteBytes } = {}) {
    this.root = path.resolve(rootDir);
    this.writeBytes = options.writeBytes ?? ((file, bytes) => writeFile(file, bytes));
  }

  /** The key itself: the documents folder is the user's own, and a key names its file there. */
  uriFor(key: string): string {
    return key;
  }

  async get(key: string): Promise<Buffer> {
    const file = this.dataPath(key);
    try {
      if (!(await this.insideRoot(file))) throw new NotFoundError(`No blob at key "${key}"`);
      return await readFile(file);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw new NotFoundError(`No blob at key "${key}"`);
      throw error;
    }
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<void> {
    const file = this.dataPath(key);
    const sidecarFile = this.sidecarPath(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const sidecar: Sidecar = {
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      ...(options.metadata !== undefined && Object.keys(options.metadata).length > 0 ? { metadata: { ...options.metadata } } : {}),
    };
    const hasSidecar = Object.keys(sidecar).length > 0;
    // The metadata sidecar is named <file name>.json: with one, the file name may take 5 bytes less (else ENAMETOOLONG, a 500).
    const maxNameBytes = MAX_NAME_BYTES - SIDECAR_SUFFIX.length;
    if (hasSidecar && Buffer.byteLength(path.basename(file), 'utf8') > maxNameBytes) {
      throw new ValidationError(`Blob key has a file name longer than ${maxNameBytes} bytes`, [
        {
          path: 'key',
          message: `with a content type or metadata, the file name is at most ${maxNameBytes} bytes in the local folder (its metadata file adds "${SIDECAR_SUFFIX}")`,
        },
      ]);
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await mkdir(path.dirname(file), { recursive: true });
        // Metadata first: a watcher that reacts to the data file then reads the matching content type.
        if (hasSidecar) {
          await mkdir(path.dirname(sidecarFile), { recursive: true });
          await this.writeAtomically(sidecarFile, Buffer.from(JSON.stringify(sidecar), 'utf8'));
        } else {
          // A put replaces the object, metadata included (as on S3).
          await rm(sidecarFile, { force: true });
        }
        await this.writeAtomically(file, bytes);
        return;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') {
          throw new ValidationError(`Blob key "${key}" conflicts with an existing key (a key cannot also be a folder)`);
        }
        // A delete of the folder's last key pruned the folder after our mkdir (two ingestions of one document, a
        // delete event racing a create): make it again. Seen as ENOENT from mkdir or rename under concurrent events.
        if (code === 'ENOENT' && attempt < PUT_ATTEMPTS) continue;
        throw storageFullErrorOf(error);
      }
    }
  }

  async head(key: string): Promise<BlobHead | undefined> {
    const file = this.dataPath(key);
    const stats = await this.statFile(file);
    return stats ? this.headOf(key, stats) : undefined;
  }

  async list(prefix: string, cursor?: string, limit = MAX_LIST_LIMIT): Promise<BlobPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new ValidationError(`List limit must be an integer in 1..${MAX_LIST_LIMIT}`, [{ path: 'limit', message: 'out of range' }]);
    }
    const segments = keySegments(prefix, true);
    // Walk only the deepest folder the prefix names in full.
    const folder = segments.slice(0, -1);
    const keys = (await this.walk(folder)).filter((key) => key.startsWith(prefix) && (cursor === undefined || compareKeys(key, cursor) > 0)).sort(compareKeys);
    const items: BlobHead[] = [];
    let index = 0;
    for (; index < keys.length && items.length < limit; index += 1) {
      const key = keys[index] as string;
      const stats = await this.statFile(this.dataPath(key));
      // Deleted since the walk: skip it rather than fail the page.
      if (stats) items.push(await this.headOf(key, stats));
    }
    const last = items[items.length - 1];
    return index < keys.length && last ? { items, nextCursor: last.key } : { items };
  }

  async count(prefix: string, atMost = Number.POSITIVE_INFINITY): Promise<number> {
    const segments = keySegments(prefix, true);
    // The walk reads directory entries only (no stat, no sort): one readdir per folder under the prefix.
    const keys = await this.walk(segments.slice(0, -1));
    let count = 0;
    for (const key of keys) if (key.startsWith(prefix) && ++count >= atMost) break;
    return count;
  }

  async delete(key: string): Promise<void> {
    const file = this.dataPath(key);
    const sidecarFile = this.sidecarPath(key);
    await this.unlinkIfFile(file);
    await this.unlinkIfFile(sidecarFile);
    await this.pruneEmptyDirectories(path.dirname(file), this.root);
    await this.pruneEmptyDirectories(path.dirname(sidecarFile), path.join(this.root, META_DIR));
  }

  private dataPath(key: string): string {
    return path.join(this.root, ...keySegments(key));
  }

  private sidecarPath(key: string): string {
    const segments = keySegments(key);
    const last = segments.pop() ?? '';
    return path.join(this.root, META_DIR, ...segments, `${last}${SIDECAR_SUFFIX}`);
  }

  private async writeAtomically(target: string, bytes: Buffer): Promise<void> {
    const tmpDir = path.join(this.root, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    this.orphansRemoved ??= this.removeOrphanTempFiles(tmpDir);
    await this.orphansRemoved;
    // Named after the writing process, so a later one can tell a half-written file of a dead process from a write in flight.
    const tmp = path.join(tmpDir, `${process.pid}-${randomUUID()}.tmp`);
    try {
      await this.writeBytes(tmp, bytes);
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * Removes temp files whose writing process is gone: a process killed mid-write (SIGKILL, a crash, power loss)
   * leaves its half-written file in `.tmp/`, which nothing reads and nothing else would ever remove (seen after a
   * SIGKILL during a burst, tests/e2e/crash-recovery.test.ts). Files of live processes are writes in flight.
   */
  private async removeOrphanTempFiles(tmpDir: string): Promise<void> {
    const names = await readdir(tmpDir).catch(() => [] as string[]);
    await Promise.all(
      names.map(async (name) => {
        const pid = Number(/^(\d+)-/.exec(name)?.[1]);
        if (Number.isSafeInteger(pid) && pid > 0 && processAlive(pid)) return;
        await rm(path.join(tmpDir, name), { force: true });
      }),
    );
  }

  /**
   * Whether a file's real path (every symlink resolved) is inside the store's folder: a link that leads outside
   * it (to /etc, to another checkout, to another tenant's export) is treated as absent, never read or indexed.
   * Links inside the folder are followed; listing never descends into a linked folder (walk reads link entries
   * as neither file nor directory). Throws ENOENT as stat would for a missing file.
   */
  private async insideRoot(file: string): Promise<boolean> {
    const real = await realpath(file);
    // Resolved once the folder exists (it does: the file is in it, or realpath above threw).
    this.realRoot ??= await realpath(this.root);
    return real.startsWith(`${this.realRoot}${path.sep}`);
  }

  private async statFile(file: string): Promise<Stats | undefined> {
    try {
      if (!(await this.insideRoot(file))) return undefined;
      const stats = await stat(file);
      return stats.isFile() ? stats : undefined;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  private async headOf(key: string, stats: Stats): Promise<BlobHead> {
    const sidecar = await this.readSidecar(key);
    return {
      key,
      size: stats.size,
      etag: createHash('sha256').update(`${stats.size}:${stats.mtimeMs}`).digest('hex').slice(0, 32),
      lastModified: new Date(stats.mtimeMs),
      ...(sidecar.contentType !== undefined ? { contentType: sidecar.contentType } : {}),
      ...(sidecar.metadata !== undefined ? { metadata: sidecar.metadata } : {}),
    };
  }

  private async readSidecar(key: string): Promise<Sidecar> {
    let raw: string;
    try {
      raw = await readFile(this.sidecarPath(key), 'utf8');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return {};
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null) return {};
      const { contentType, metadata } = parsed as { contentType?: unknown; metadata?: unknown };
      const sidecar: Sidecar = {};
      if (typeof contentType === 'string') sidecar.contentType = contentType;
      if (typeof metadata === 'object' && metadata !== null) {
        sidecar.metadata = Object.fromEntries(Object.entries(metadata).filter((e): e is [string, string] => typeof e[1] === 'string'));
      }
      return sidecar;
    } catch {
      // A damaged sidecar loses metadata, not the object.
      return {};
    }
  }

  /** Keys of the regular files under `folder` (segments below the root), reserved directories excluded. */
  private async walk(folder: string[]): Promise<string[]> {
    const keys: string[] = [];
    const visit = async (segments: string[]): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(this.root, ...segments), { withFileTypes: true });
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw error;
      }
      for (const entry of entries) {
        if (segments.length === 0 && RESERVED_DIRECTORIES.includes(entry.name)) continue;
        if (entry.isDirectory()) await visit([...segments, entry.name]);
        else if (entry.isFile()) keys.push([...segments, entry.name].join('/'));
      }
    };
    await visit(folder);
    return keys;
  }

  private async unlinkIfFile(file: string): Promise<void> {
    try {
      await unlink(file);
    } catch (error) {
      const code = errorCode(error);
      // Missing, or a folder rather than an object (EISDIR on Linux, EPERM on macOS): nothing to delete.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return;
      if (code === 'EPERM' && (await stat(file).catch(() => undefined))?.isDirectory()) return;
      throw error;
    }
  }

  /** Removes now-empty folders from `dir` up to, never including, `stopAt`, so a watcher sees the key vanish cleanly. */
  private async pruneEmptyDirectories(dir: string, stopAt: string): Promise<void> {
    let current = dir;
    while (current !== stopAt && current.startsWith(stopAt + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = path.dirname(current);
    }
  }
}
