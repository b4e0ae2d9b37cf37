import type { QueryResponse } from '../contracts/query';
import { ConfigurationError } from '../errors';
import type { PortFactory } from './wiring';

/**
 * Sessions, the answer cache and index generations: DynamoDB on AWS, SQLite (node:sqlite, a Node
 * built-in, nothing bundled) in the data folder locally. Each adapter is imported only when selected.
 */
export const conversationsPort: PortFactory<'conversations'> = {
  port: 'conversations',
  async build({ config }) {
    if (config.adapters.conversationStore === 'dynamodb') {
      const tableName = config.aws.conversationsTable;
      if (!tableName) throw new ConfigurationError('RAG_CONVERSATIONS_TABLE is required for RAG_CONVERSATION_STORE=dynamodb');
      const { createDynamoDbConversationStore } = await import('../conversations/dynamodb-conversation-store');
      return createDynamoDbConversationStore<QueryResponse>(config, {
        tableName,
        ...(config.aws.dynamoDbEndpoint ? { endpoint: config.aws.dynamoDbEndpoint } : {}),
        maxTurns: config.conversations.maxTurns,
      });
    }
    const { createSqliteConversationStore } = await import('../conversations/sqlite-conversation-store');
    return createSqliteConversationStore<QueryResponse>(config, { maxTurns: config.conversations.maxTurns });
  },
};
