import * as path from 'node:path';
import { UsageError } from '../../../eval/errors';
import { evaluate } from '../../../eval/evaluate';

const GOLDEN = path.resolve(__dirname, '..', '..', 'fixtures', 'golden');

describe('evaluate', () => {
  it('refuses the knowledge-base generator: it would answer from its own index, not the one the evaluation builds', async () => {
    const env = {
      RAG_GENERATOR: 'bedrock-knowledge-base',
      RAG_KNOWLEDGE_BASE_ID: 'KB12345678',
      RAG_GENERATION_MODEL_IDS: 'amazon.nova-lite-v1:0',
      AWS_REGION: 'us-east-1',
    };
    await expect(evaluate({ datasetDir: GOLDEN, env })).rejects.toThrow(UsageError);
  });
});
