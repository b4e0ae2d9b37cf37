/**
 * Knowledge Base orchestration prompt v1 (RetrieveAndGenerate `orchestrationConfiguration.promptTemplate`):
 * turns the conversation into a search query. Bedrock requires $conversation_history$ and
 * $output_format_instructions$ here, or citations come back empty.
 * Released: never edit in place (manifest.json pins its SHA-256).
 */
export const text = `You turn a user's latest message into a standalone search query over a company's documents.
Use the conversation so far to resolve references such as "it" or "that policy". Do not answer the question.

Conversation so far:
$conversation_history$

Latest message: $query$

$output_format_instructions$`;
