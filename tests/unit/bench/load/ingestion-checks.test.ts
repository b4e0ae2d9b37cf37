import { checkIngestion, type DocumentObservation } from '../../../../bench/load/ingestion-checks';

const indexed = (key: string, chunks: number, extra: Partial<DocumentObservation> = {}): DocumentObservation => ({
  key,
  onDisk: true,
  expectedChunks: chunks,
  expectedVersion: `v-${key}`,
  status: 'INDEXED',
  chunkCount: chunks,
  version: `v-${key}`,
  storedChunks: chunks,
  ...extra,
});
const deleted = (key: string, extra: Partial<DocumentObservation> = {}): DocumentObservation => ({
  key,
  onDisk: false,
  status: 'DELETED',
  storedChunks: 0,
  ...extra,
});

describe('checkIngestion', () => {
  it('passes when every live document is indexed from its last bytes with its chunks, once, and deleted ones hold none', () => {
    const observations = [indexed('default/a.txt', 3), indexed('default/b.md', 5), deleted('default/c.txt'), deleted('default/d.txt', { status: undefined })];
    expect(checkIngestion({ observations, unknownManifests: [], storedChunks: 8 })).toEqual([]);
  });

  it('reports a document not indexed, with its status and reason', () => {
    const observations = [
      indexed('default/a.txt', 3),
      indexed('default/b.txt', 2, { status: 'FAILED', failure: 'UnsupportedDocumentError: File is empty', storedChunks: 0 }),
    ];
    expect(checkIngestion({ observations, unknownManifests: [], storedChunks: 3 })).toEqual([
      '1 documents not INDEXED: default/b.txt (FAILED: UnsupportedDocumentError: File is empty)',
    ]);
  });

  it('reports lost chunks and duplicate chunks separately', () => {
    // Off by one each way: one chunk missing, one chunk stored twice.
    const observations = [indexed('default/a.txt', 4, { storedChunks: 3 }), indexed('default/b.txt', 2, { storedChunks: 3 })];
    expect(checkIngestion({ observations, unknownManifests: [], storedChunks: 6 })).toEqual([
      '1 documents lost chunks: default/a.txt (3 stored of 4)',
      '1 documents hold duplicate or stale chunks: default/b.txt (3 stored for 2)',
    ]);
  });

  it('reports a manifest whose count is not the chunker’s, and a document indexed from an older version', () => {
    const observations = [indexed('default/a.txt', 4, { chunkCount: 3 }), indexed('default/b.txt', 2, { version: 'v-old' })];
    expect(checkIngestion({ observations, unknownManifests: [], storedChunks: 6 })).toEqual([
      "1 documents indexed from other bytes than the file's last version: default/b.txt",
      "1 manifests whose chunk count is not the chunker's: default/a.txt (3 for 4)",
    ]);
  });

  it('reports chunks of deleted documents, deleted documents still listed, manifests nobody wrote, and chunks of no document', () => {
    const observations = [indexed('default/a.txt', 2), deleted('default/gone.txt', { status: 'INDEXED', storedChunks: 2 })];
    const failures = checkIngestion({ observations, unknownManifests: [{ key: 'default/ghost.txt', status: 'INDEXED' }], storedChunks: 9 });
    expect(failures).toEqual([
      '1 deleted documents still have chunks: default/gone.txt (2)',
      '1 deleted documents are listed as INDEXED: default/gone.txt',
      '1 manifests of documents the run never wrote: default/ghost.txt (INDEXED)',
      'the index holds 9 chunks for the tenant, 5 of them of no document the run wrote',
    ]);
  });
});
