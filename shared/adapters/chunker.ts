import { Chunker } from '../documents/chunker';
import type { PortFactory } from './wiring';

export const chunkerPort: PortFactory<'chunker'> = {
  port: 'chunker',
  build: async ({ config }) => new Chunker({ size: config.ingestion.chunkSize, overlap: config.ingestion.chunkOverlap }),
};
