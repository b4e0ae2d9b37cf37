import { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import { KnowledgeBaseGenerator } from '../../../../shared/generation/bedrock-knowledge-base-generator';
import { loadPrompt } from '../../../../shared/prompts';

/** The prompts a RetrieveAndGenerate request carries (built, never sent): v2 fences retrieved text as data. */
describe('KnowledgeBaseGenerator prompts', () => {
  const generator = new KnowledgeBaseGenerator({
    client: new BedrockAgentRuntimeClient({ region: 'eu-west-1' }),
    knowledgeBaseId: 'KBID123456',
    region: 'eu-west-1',
    modelIds: ['anthropic.claude-3-haiku-20240307-v1:0'],
  });
  const promptsOf = (promptVersion: string) => {
    const body = generator.requestBody({ tenant: 'acme', question: 'How do I connect to the VPN?', chunks: [], promptVersion }, generator.modelId);
    const config = body.retrieveAndGenerateConfiguration?.knowledgeBaseConfiguration;
    return {
      generation: config?.generationConfiguration?.promptTemplate?.textPromptTemplate,
      orchestration: config?.orchestrationConfiguration?.promptTemplate?.textPromptTemplate,
    };
  };

  it('sends the v2 templates, search results and conversation fenced as untrusted data, when RAG_PROMPT_VERSION is v2', () => {
    // Act
    const prompts = promptsOf('v2');

    // Assess
    expect(prompts.generation).toBe(loadPrompt('knowledge-base', 'v2').text);
    expect(prompts.generation).toMatch(/<search_results>\s*\$search_results\$\s*<\/search_results>/);
    expect(prompts.orchestration).toBe(loadPrompt('knowledge-base-orchestration', 'v2').text);
    expect(prompts.orchestration).toMatch(/<conversation>\s*\$conversation_history\$\s*<\/conversation>/);
  });

  it('still sends v1 unchanged for a deployment pinned to it', () => {
    expect(promptsOf('v1').generation).toBe(loadPrompt('knowledge-base', 'v1').text);
  });
});
