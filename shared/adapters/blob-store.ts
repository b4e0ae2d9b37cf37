import type { AppConfig } from '../config/config';
import { ConfigurationError } from '../errors';
import type { BlobStore } from '../storage/blob-store';
import type { PortFactory } from './wiring';

/** S3 or a local folder; the AWS adapter is imported lazily so the embedded runtime never loads an AWS SDK client. */
async function createBlobStore(config: AppConfig, which: 'documents' | 'state'): Promise<BlobStore> {
  if (config.adapters.blobStore === 's3') {
    const { createS3BlobStore } = await import('../storage/s3-blob-store');
    const bucket = which === 'documents' ? config.aws.documentsBucket : config.aws.stateBucket;
    if (!bucket) throw new ConfigurationError(`Missing bucket for the ${which} store`);
    return createS3BlobStore(config, bucket);
  }
  const { FilesystemBlobStore } = await import('../storage/filesystem-blob-store');
  return new FilesystemBlobStore(which === 'documents' ? config.local.documentsDir : config.local.stateDir);
}

/** The documents users upload. */
export const documentsPort: PortFactory<'documents'> = { port: 'documents', build: ({ config }) => createBlobStore(config, 'documents') };

/** Manifests and the work files of ingestion. */
export const statePort: PortFactory<'state'> = { port: 'state', build: ({ config }) => createBlobStore(config, 'state') };
