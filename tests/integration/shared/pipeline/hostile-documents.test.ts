import { LocalWorkflows } from '../../../../local/asl-workflows';
import { createServices, useServices } from '../../../../shared/container';
import { documentIdFor } from '../../../../shared/documents/identity';
import { LocalEmbedder } from '../../../../shared/embeddings/local-embedder';
import type { Services } from '../../../../shared/pipeline/services';
import { CountingEmbedder, tempConfig } from '../../../helpers/temp-config';
import { docxOf, documentXml } from '../../../helpers/docx-files';

/**
 * Issue 15, hostile documents against the document limits: a generated hostile corpus goes through the
 * real ingest state machine (local ASL interpreter, real Task handlers, embedded adapters) in one run
 * with normal documents. Each hostile file ends FAILED with the limit in its reason and nothing in the
 * index; the normal ones end INDEXED and answer a question.
 */

const TENANT = 'acme';
const CHUNK_SIZE = 400;
const MAX_CHUNKS = 40;
const MAX_CHARS = 200_000;

function prose(sentences: number, topic: string): string {
  return Array.from(
    { length: sentences },
    (_, i) => `Step ${i + 1} of the ${topic} procedure asks the operator to check valve ${i * 7} and record the pressure in the logbook.`,
  ).join(' ');
}

describe('hostile documents end FAILED with the limit they pass; normal ones in the same run are INDEXED (issue 15)', () => {
  let workflows: LocalWorkflows;
  let services: Services;
  let embedder: CountingEmbedder;
  let cleanup: () => Promise<void>;

  const hostile: { key: string; bytes: Buffer; reason: RegExp }[] = [
    {
      // About 6 MiB of XML in about 6 KB: the ratio a zip bomb needs.
      key: `${TENANT}/bomb.docx`,
      bytes: docxOf(documentXml(['All work and no play makes Jack a dull boy.'], 60_000)),
      reason: /^DOCX inflates to at least [\d,.]+ times its size \(.+\), above the limit of 100 \(RAG_MAX_COMPRESSION_RATIO\)$/,
    },
    {
      // The same bomb declaring 1,000 bytes for its document, so the directory's sums pass.
      key: `${TENANT}/liar.docx`,
      bytes: docxOf(documentXml(['All work and no play makes Jack a dull boy.'], 60_000), 1000),
      reason: /^DOCX has an entry that inflates to more than the 1000 bytes it declares \(a zip bomb\)$/,
    },
    {
      key: `${TENANT}/one-line.txt`,
      bytes: Buffer.alloc(150_000, 'q'),
      reason: /^The text has a run of 150,000 characters with no space or line break, above the limit of 4,096 \(RAG_MAX_TOKEN_CHARS\)$/,
    },
    {
      key: `${TENANT}/too-long.txt`,
      bytes: Buffer.from(prose(2500, 'archive')),
      reason: /^The extracted text is longer than the limit of 200,000 characters \(RAG_MAX_EXTRACTED_CHARS\)$/,
    },
    {
      key: `${TENANT}/too-many-chunks.md`,
      bytes: Buffer.from(`# Boiler\n\n${prose(200, 'boiler')}\n`),
      reason: /^The document makes more chunks than the limit of 40 \(RAG_MAX_CHUNKS_PER_DOCUMENT\)$/,
    },
  ];
  const normal: { key: string; bytes: Buffer }[] = [
    { key: `${TENANT}/handbook.md`, bytes: Buffer.from('# Handbook\n\nThe cafeteria serves lunch from noon until two in the afternoon.\n') },
    { key: `${TENANT}/garden.docx`, bytes: docxOf(documentXml(['The community garden lends its wheelbarrows on Saturdays.'])) },
  ];

  beforeAll(async () => {
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
    const temp = await tempConfig({
      RAG_CHUNK_SIZE: String(CHUNK_SIZE),
      RAG_CHUNK_OVERLAP: '50',
      RAG_MAX_CHUNKS_PER_DOCUMENT: String(MAX_CHUNKS),
      RAG_MAX_EXTRACTED_CHARS: String(MAX_CHARS),
    });
    cleanup = temp.cleanup;
    embedder = new CountingEmbedder(new LocalEmbedder());
    services = await createServices(temp.config, { workflows, embedder });
    useServices(services);

    // One run: every document started before any is awaited.
    for (const { key, bytes } of [...hostile, ...normal]) await services.documents.put(key, bytes);
    for (const { key } of [...hostile, ...normal]) {
      const head = await services.documents.head(key);
      await workflows.startIngestion({ tenant: TENANT, key, action: 'upsert', etag: head?.etag ?? 'e', reason: 'event' });
    }
    await workflows.settle();
  });

  afterAll(async () => {
    await workflows.settle();
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  const manifestOf = (key: string) => services.manifests.get(TENANT, documentIdFor(TENANT, key));

  it('the too-many-chunks document is within the character limit, so the chunk limit is what refuses it', () => {
    const chunksDoc = hostile.find((h) => h.key.endsWith('too-many-chunks.md'));
    expect(chunksDoc?.bytes.length).toBeLessThan(MAX_CHARS);
    expect(chunksDoc?.bytes.length).toBeGreaterThan(MAX_CHUNKS * CHUNK_SIZE);
  });

  it.each(hostile.map((h) => [h.key, h.reason] as const))('%s ends FAILED with its reason, and nothing of it is in the index', async (key, reason) => {
    const manifest = await manifestOf(key);

    expect(manifest?.status).toBe('FAILED');
    expect(manifest?.failure?.error).toBe('UnsupportedDocumentError');
    expect(manifest?.failure?.reason).toMatch(reason);
    expect(await services.vectors.countDocument(TENANT, documentIdFor(TENANT, key))).toBe(0);
  });

  it('the normal documents of the same run are INDEXED, with every chunk in the index', async () => {
    for (const { key } of normal) {
      const manifest = await manifestOf(key);
      expect(manifest?.status).toBe('INDEXED');
      expect(manifest?.chunkCount).toBeGreaterThan(0);
      expect(await services.vectors.countDocument(TENANT, documentIdFor(TENANT, key))).toBe(manifest?.chunkCount);
    }
    // Only the normal documents' chunks were ever embedded: every hostile one was refused before embedding.
    expect(embedder.texts).toBe(normal.length);
    // No work file (extracted text, chunk batch) is left behind by a refusal.
    expect((await services.state.list('work/')).items).toEqual([]);
  });

  it('a normal document answers a question after the hostile ones were refused', async () => {
    const response = await workflows.runQuery({
      requestId: 'req-hostile-1',
      tenant: TENANT,
      question: 'On which days does the community garden lend its wheelbarrows?',
    });

    expect(response.citations.map((c) => c.key)).toContain(`${TENANT}/garden.docx`);
    expect(response.answer).toMatch(/wheelbarrows/i);
  });
});
