import { EVENT_ENVELOPE_BYTES, LAMBDA_SYNC_PAYLOAD_BYTES, loadConfig, MAX_UPLOAD_BYTES_LIMIT } from '../../../../shared/config/config';
import { ConfigurationError } from '../../../../shared/errors';

describe('loadConfig', () => {
  it('defaults to the embedded adapters on 127.0.0.1:3000 with data in .rag', () => {
    const config = loadConfig({});
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.adapters).toEqual({
      blobStore: 'filesystem',
      embedder: 'local',
      vectorStore: 'lancedb',
      reranker: 'local',
      generator: 'extractive',
      guardrail: 'local',
      workflows: 'local',
    });
    expect(config.local.dataDir.endsWith('.rag')).toBe(true);
    expect(config.local.documentsDir).toBe(`${config.local.dataDir}/documents`);
    expect(config.local.samples).toBe(true);
  });

  it('reads the documented knobs', () => {
    const config = loadConfig({ PORT: '4100', RAG_DATA_DIR: '/tmp/x', RAG_DOCUMENTS_DIR: '/tmp/docs', RAG_SAMPLES: 'off' });
    expect(config.server.port).toBe(4100);
    expect(config.local.dataDir).toBe('/tmp/x');
    expect(config.local.documentsDir).toBe('/tmp/docs');
    expect(config.local.samples).toBe(false);
  });

  it('keeps LanceDB in the data folder unless an object-store URI is given', () => {
    expect(loadConfig({ RAG_DATA_DIR: '/tmp/x' }).local.vectorsUri).toBe('/tmp/x/vectors');
    expect(loadConfig({ RAG_LANCEDB_URI: 's3://my-bucket/rag' }).local.vectorsUri).toBe('s3://my-bucket/rag');
    expect(() => loadConfig({ RAG_LANCEDB_URI: 'http://example.com' })).toThrow(/RAG_LANCEDB_URI/);
  });

  it('names the variable that is malformed', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ RAG_TOP_K: '0' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '500' })).toThrow(/RAG_CHUNK_OVERLAP/);
  });

  it('requires region, buckets and model ids when AWS adapters are selected', () => {
    expect(() => loadConfig({ RAG_BLOB_STORE: 's3' })).toThrow(/AWS_REGION.*RAG_DOCUMENTS_BUCKET.*RAG_STATE_BUCKET/);
    expect(() => loadConfig({ RAG_EMBEDDER: 'bedrock-titan', AWS_REGION: 'us-east-1' })).toThrow(/RAG_EMBEDDING_MODEL_ID/);
  });

  it('rejects a malformed model id or region early', () => {
    expect(() => loadConfig({ RAG_EMBEDDER: 'bedrock-titan', AWS_REGION: 'us-east-1', RAG_EMBEDDING_MODEL_ID: 'not a model' })).toThrow(
      /RAG_EMBEDDING_MODEL_ID/,
    );
    expect(() => loadConfig({ AWS_REGION: 'mars' })).toThrow(/AWS_REGION/);
    const ok = loadConfig({
      RAG_GENERATOR: 'bedrock-converse',
      AWS_REGION: 'eu-west-1',
      RAG_GENERATION_MODEL_IDS: 'eu.anthropic.claude-3-5-haiku-20241022-v1:0, amazon.nova-lite-v1:0',
    });
    expect(ok.aws.generationModelIds).toEqual(['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-lite-v1:0']);
  });

  it('caps API uploads so that the base64 body and the event fit in a synchronous Lambda payload (6 MB)', () => {
    // Prepare: HTTP API sends a binary body base64-encoded, 4 bytes for every 3.
    const eventBytes = (fileBytes: number) => Math.ceil(fileBytes / 3) * 4 + EVENT_ENVELOPE_BYTES;

    // Act
    const defaults = loadConfig({}).ingestion.maxUploadBytes;

    // Assess
    expect(eventBytes(defaults)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(eventBytes(MAX_UPLOAD_BYTES_LIMIT)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(() => loadConfig({ RAG_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES_LIMIT + 1) })).toThrow(/RAG_MAX_UPLOAD_BYTES/);
    expect(loadConfig({ RAG_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES_LIMIT) }).ingestion.maxUploadBytes).toBe(MAX_UPLOAD_BYTES_LIMIT);
  });
});
