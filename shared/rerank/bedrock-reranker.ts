import { BedrockAgentRuntimeClient, RerankCommand, type RerankCommandInput } from '@aws-sdk/client-bedrock-agent-runtime';
import { toRagError } from '../aws/bedrock-runtime-errors';
import { awsClientOptions } from '../aws/client-options';
import { instrumentAwsClient } from '../aws/instrument';
import { assertIdentifier, awsRegionSchema, bedrockFoundationModelArnSchema } from '../config/aws-identifiers';
import type { AppConfig } from '../config/config';
import type { ScoredChunk } from '../documents/chunk';
import { ConfigurationError } from '../errors';
import type { Reranker } from './reranker';

/**
 * Reranker on Bedrock Rerank (Agent Runtime `Rerank`) with Amazon Rerank or Cohere Rerank models.
 *
 * Bedrock Rerank takes up to 100 documents per call (DESIGN §10): more candidates are split into
 * batches, each batch is scored, and the results are merged by score. The relevance scores of these
 * models are absolute query-document scores (not normalised within a call), so scores from different
 * batches are comparable. Batches run one after another to stay inside the account's request quota.
 * Errors after the SDK's bounded retries map to ThrottlingError / DependencyUnavailableError.
 */

export const RERANK_MAX_DOCUMENTS = 100;

export interface BedrockRerankerOptions {
  client: BedrockAgentRuntimeClient;
  modelArn: string;
  /** Documents per Rerank call, at most 100. */
  batchSize?: number;
}

export class BedrockReranker implements Reranker {
  readonly modelId: string;
  private readonly batchSize: number;

  constructor(private readonly options: BedrockRerankerOptions) {
    assertIdentifier(bedrockFoundationModelArnSchema, options.modelArn, 'RAG_RERANK_MODEL_ARN');
    const batchSize = options.batchSize ?? RERANK_MAX_DOCUMENTS;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > RERANK_MAX_DOCUMENTS) {
      throw new ConfigurationError(`Rerank batch size must be an integer from 1 to ${RERANK_MAX_DOCUMENTS}`);
    }
    this.modelId = options.modelArn;
    this.batchSize = batchSize;
  }

  async rerank(query: string, candidates: ScoredChunk[], topN: number): Promise<ScoredChunk[]> {
    if (candidates.length === 0 || topN < 1) return [];
    const scored: ScoredChunk[] = [];
    for (let offset = 0; offset < candidates.length; offset += this.batchSize) {
      const batch = candidates.slice(offset, offset + this.batchSize);
      // Each batch only needs to contribute its own best topN to the merged topN.
      const wanted = Math.min(topN, batch.length);
      let results: { index?: number; relevanceScore?: number }[];
      try {
        const out = await this.options.client.send(new RerankCommand(this.request(query, batch, wanted)));
        results = out.results ?? [];
      } catch (error) {
        throw toRagError(error, `Rerank ${this.modelId}`);
      }
      for (const result of results) {
        const candidate = result.index === undefined ? undefined : batch[result.index];
        if (candidate) scored.push({ chunk: candidate.chunk, score: result.relevanceScore ?? 0 });
      }
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, topN);
  }

  private request(query: string, batch: ScoredChunk[], numberOfResults: number): RerankCommandInput {
    return {
      queries: [{ type: 'TEXT', textQuery: { text: query } }],
      sources: batch.map((candidate) => ({
        type: 'INLINE',
        inlineDocumentSource: { type: 'TEXT', textDocument: { text: candidate.chunk.text } },
      })),
      rerankingConfiguration: {
        type: 'BEDROCK_RERANKING_MODEL',
        bedrockRerankingConfiguration: { numberOfResults, modelConfiguration: { modelArn: this.options.modelArn } },
      },
    };
  }
}

export function createBedrockReranker(config: AppConfig, client?: BedrockAgentRuntimeClient): Reranker {
  assertIdentifier(awsRegionSchema, config.aws.region, 'AWS_REGION', 'the Bedrock reranker');
  assertIdentifier(bedrockFoundationModelArnSchema, config.aws.rerankModelArn, 'RAG_RERANK_MODEL_ARN', 'the Bedrock reranker');
  return new BedrockReranker({
    client: client ?? instrumentAwsClient(new BedrockAgentRuntimeClient(awsClientOptions(config, config.aws.bedrockAgentEndpoint))),
    modelArn: config.aws.rerankModelArn,
  });
}
