import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { UnsupportedDocumentError } from '../errors';

/** Bounds on ZIP-based formats (DOCX) before any parser inflates them (RAG_MAX_ARCHIVE_BYTES, RAG_MAX_COMPRESSION_RATIO). */
export interface ArchiveLimits {
  maxArchiveBytes: number;
  maxCompressionRatio: number;
}

const MIB = 1024 * 1024;

/** "412 MiB", "96 KiB", "800 bytes": sizes a person reads in a FAILED reason. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${Math.round(bytes / MIB).toLocaleString('en-US')} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;
  return `${bytes} bytes`;
}

function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 160) ?? 'unknown error';
}

/** The inflated size the limits allow for a file of `fileBytes`: the lower of the two bounds. */
function allowedBytes(fileBytes: number, limits: ArchiveLimits): number {
  return Math.min(limits.maxArchiveBytes, fileBytes * limits.maxCompressionRatio);
}

/** The declared sum passed `allowed`: only part of the directory has been read, so the sum is a lower bound. */
function tooLarge(format: string, inflated: number, fileBytes: number, limits: ArchiveLimits): UnsupportedDocumentError {
  if (inflated > limits.maxArchiveBytes) {
    return new UnsupportedDocumentError(
      `${format} inflates to at least ${formatBytes(inflated)}, above the limit of ${formatBytes(limits.maxArchiveBytes)} (RAG_MAX_ARCHIVE_BYTES)`,
    );
  }
  const ratio = (inflated / fileBytes).toLocaleString('en-US', { maximumFractionDigits: 1 });
  return new UnsupportedDocumentError(
    `${format} inflates to at least ${ratio} times its size (${formatBytes(inflated)} from ${formatBytes(fileBytes)}), above the limit of ${limits.maxCompressionRatio} (RAG_MAX_COMPRESSION_RATIO)`,
  );
}

/** Thrown inside the checks so that a limit is told apart from a broken archive. */
class LimitExceeded extends Error {
  constructor(readonly refusal: UnsupportedDocumentError) {
    super(refusal.message);
  }
}

async function openArchive(bytes: Buffer): Promise<yauzl.ZipFile> {
  // Sizes are checked by countInflated below, with our own reason; yauzl's check would only say "too many bytes".
  return yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: false });
}

/** Pass 1, the central directory only: the sum of the sizes the entries declare. Nothing is inflated. */
async function checkDeclaredSizes(bytes: Buffer, format: string, limits: ArchiveLimits): Promise<void> {
  const allowed = allowedBytes(bytes.length, limits);
  const zip = await openArchive(bytes);
  let declared = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      declared += entry.uncompressedSize;
      if (declared > allowed) throw new LimitExceeded(tooLarge(format, declared, bytes.length, limits));
    }
  } finally {
    zip.close();
  }
}

/** Streams one entry through a counting sink; destroys the stream as soon as a bound is passed. */
async function countInflated(stream: Readable, onChunk: (length: number) => LimitExceeded | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      const exceeded = onChunk(chunk.length);
      if (exceeded) stream.destroy(exceeded);
    });
    stream.on('error', reject);
    stream.on('end', resolve);
  });
}

/**
 * Pass 2: the directory's sizes are only claims, and a bomb can declare small ones (JSZip, which mammoth
 * uses, inflates whatever the data holds). Each entry is inflated into a counter, never into memory
 * (zlib hands out 16 KiB at a time), and stopped as soon as it passes the size it declares: then the
 * total stays within the declared sum pass 1 allowed.
 */
async function checkInflatedSizes(bytes: Buffer, format: string): Promise<void> {
  const zip = await openArchive(bytes);
  try {
    for await (const entry of zip.eachEntry()) {
      let inflated = 0;
      const stream = await zip.openReadStreamPromise(entry);
      await countInflated(stream, (length) => {
        inflated += length;
        if (inflated <= entry.uncompressedSize) return undefined;
        return new LimitExceeded(
          new UnsupportedDocumentError(`${format} has an entry that inflates to more than the ${formatBytes(entry.uncompressedSize)} it declares (a zip bomb)`),
        );
      });
    }
  } finally {
    zip.close();
  }
}

/**
 * Refuses a ZIP-based document (DOCX) that would inflate past RAG_MAX_ARCHIVE_BYTES or past
 * RAG_MAX_COMPRESSION_RATIO times its own size, before any parser reads it: first from the sizes the
 * central directory declares (no inflating), then by inflating each entry into a counter to prove the
 * declarations true. Memory stays at one zlib window whatever the archive holds. An archive that cannot
 * be read at all is refused as unreadable.
 */
export async function checkArchiveLimits(bytes: Buffer, format: string, limits: ArchiveLimits): Promise<void> {
  try {
    await checkDeclaredSizes(bytes, format, limits);
    await checkInflatedSizes(bytes, format);
  } catch (error) {
    if (error instanceof LimitExceeded) throw error.refusal;
    throw new UnsupportedDocumentError(`${format} could not be read: ${shortReason(error)}`, { cause: error });
  }
}
