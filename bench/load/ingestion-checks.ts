/**
 * After the load has settled: every document the run wrote is INDEXED, from its final bytes, with exactly
 * the chunks the chunker makes of them, all stored once; deleted ones have no chunk left; and the index holds
 * no chunk beyond those (none of a document that does not exist, none twice). Pure: the load server
 * gathers the observations, this decides.
 */
export interface DocumentObservation {
  key: string;
  /** The file is in the documents folder at the end (false: the run deleted it). */
  onDisk: boolean;
  /** What the service's chunker makes of the file on disk. */
  expectedChunks?: number;
  /** SHA-256 of the file on disk. */
  expectedVersion?: string;
  status?: string;
  chunkCount?: number;
  version?: string;
  failure?: string;
  /** Chunks the vector store holds for the document, over every generation. */
  storedChunks: number;
}

export interface IngestionEvidence {
  observations: readonly DocumentObservation[];
  unknownManifests: readonly { key: string; status: string }[];
  storedChunks: number;
}

const listed = (keys: readonly string[]): string => (keys.length <= 5 ? keys.join(', ') : `${keys.slice(0, 5).join(', ')} and ${keys.length - 5} more`);

export function checkIngestion(evidence: IngestionEvidence): string[] {
  const failures: string[] = [];
  const live = evidence.observations.filter((o) => o.onDisk);
  const gone = evidence.observations.filter((o) => !o.onDisk);
  const notIndexed = live.filter((o) => o.status !== 'INDEXED');
  if (notIndexed.length > 0) {
    failures.push(
      `${notIndexed.length} documents not INDEXED: ${listed(notIndexed.map((o) => `${o.key} (${o.status ?? 'no manifest'}${o.failure ? `: ${o.failure}` : ''})`))}`,
    );
  }
  const indexed = live.filter((o) => o.status === 'INDEXED');
  const stale = indexed.filter((o) => o.version !== o.expectedVersion);
  if (stale.length > 0) failures.push(`${stale.length} documents indexed from other bytes than the file's last version: ${listed(stale.map((o) => o.key))}`);
  const miscounted = indexed.filter((o) => o.chunkCount !== o.expectedChunks);
  if (miscounted.length > 0) {
    failures.push(
      `${miscounted.length} manifests whose chunk count is not the chunker's: ${listed(miscounted.map((o) => `${o.key} (${o.chunkCount} for ${o.expectedChunks})`))}`,
    );
  }
  const lost = indexed.filter((o) => o.storedChunks < (o.expectedChunks ?? 0));
  if (lost.length > 0)
    failures.push(`${lost.length} documents lost chunks: ${listed(lost.map((o) => `${o.key} (${o.storedChunks} stored of ${o.expectedChunks})`))}`);
  const extra = indexed.filter((o) => o.storedChunks > (o.expectedChunks ?? 0));
  if (extra.length > 0) {
    failures.push(
      `${extra.length} documents hold duplicate or stale chunks: ${listed(extra.map((o) => `${o.key} (${o.storedChunks} stored for ${o.expectedChunks})`))}`,
    );
  }
  const orphaned = gone.filter((o) => o.storedChunks > 0);
  if (orphaned.length > 0)
    failures.push(`${orphaned.length} deleted documents still have chunks: ${listed(orphaned.map((o) => `${o.key} (${o.storedChunks})`))}`);
  const revived = gone.filter((o) => o.status !== undefined && o.status !== 'DELETED');
  if (revived.length > 0)
    failures.push(
      `${revived.length} deleted documents are listed as ${listed([...new Set(revived.map((o) => o.status ?? ''))])}: ${listed(revived.map((o) => o.key))}`,
    );
  if (evidence.unknownManifests.length > 0) {
    failures.push(
      `${evidence.unknownManifests.length} manifests of documents the run never wrote: ${listed(evidence.unknownManifests.map((m) => `${m.key} (${m.status})`))}`,
    );
  }
  const accounted = evidence.observations.reduce((sum, o) => sum + o.storedChunks, 0);
  if (evidence.storedChunks !== accounted) {
    failures.push(`the index holds ${evidence.storedChunks} chunks for the tenant, ${evidence.storedChunks - accounted} of them of no document the run wrote`);
  }
  return failures;
}
