import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { type EmulatorRequest, type EmulatorResponse, ServiceEmulator } from './http-emulator';
import type { IngestedPassage, KnowledgeBaseDocuments } from './knowledge-base-documents';
import { modelGate } from './model-gate';

/**
 * Bedrock Agent Runtime on 127.0.0.1, speaking the restJson1 shapes the real
 * `@aws-sdk/client-bedrock-agent-runtime` expects:
 * - POST /rerank                     scores inline TEXT sources against a TEXT query (term overlap), up to 100 per call
 * - POST /retrieveAndGenerate        retrieves from a knowledge base's passages with the request's
 *                                    RetrievalFilter, answers with the first sentence of the best
 *                                    passages, and returns citations (span + retrievedReferences)
 * - POST /retrieveAndGenerateStream  the same as AWS event-stream frames: `output`, `citation`,
 *                                    `guardrail` events; session id in x-amzn-bedrock-knowledge-base-session-id
 * - POST /knowledgebases/{kb}/retrieve  Retrieve: the top `numberOfResults` passages that pass the
 *                                    RetrievalFilter, ranked by term overlap (a similarity search returns
 *                                    its nearest neighbours however weak), with content, location, metadata, score
 * A knowledge base's passages come either from a function (`knowledgeBases`), so a test can serve it
 * from an S3VectorsEmulator index exactly as a Knowledge Base over S3 Vectors would
 * (AMAZON_BEDROCK_TEXT, AMAZON_BEDROCK_METADATA), or from the documents ingested through
 * BedrockAgentEmulator into the KnowledgeBaseDocuments store both emulators share (only INDEXED ones
 * are retrievable). Validation follows DESIGN §10: numberOfResults 1..100, a custom prompt must
 * contain $search_results$, HYBRID search is refused (S3 Vectors stores accept SEMANTIC only); Retrieve
 * query text is at most 1000 characters (agent-runtime 2023-07-26 Smithy model, KnowledgeBaseQuery).
 * Models named by Rerank and RetrieveAndGenerate (generation and reranking) are gated by the model
 * catalogue as Bedrock gates them (model-gate.ts): past end of life on
 * `clock` → 404, not offered in the Region the request was signed for (SigV4 credential scope) → 400,
 * in `deniedModels` → 403.
 */

export interface KnowledgeBasePassage {
  text: string;
  uri: string;
  /** What the service returns as retrievedReferences[].metadata (and filters on). */
  metadata: Record<string, unknown>;
  /** The reference's location; absent: an S3 location at `uri`. */
  location?: Record<string, unknown>;
}

export interface BedrockAgentRuntimeEmulatorOptions {
  /** Documents ingested through BedrockAgentEmulator (pass the same instance to both). */
  documents?: KnowledgeBaseDocuments;
}

export interface AgentRuntimeCall {
  operation: 'Rerank' | 'RetrieveAndGenerate' | 'RetrieveAndGenerateStream' | 'Retrieve';
  body: Record<string, unknown>;
  sessionId?: string;
}

export interface KbStreamFaults {
  /** Replace the events from this index on with one exception event. */
  exceptionAfterEvents?: number;
  exceptionType?: string;
}

const MAX_RERANK_SOURCES = 100;
const MAX_QUERY_CHARS = 1000;
const BLOCKED_ANSWER = 'Sorry, I cannot answer that question.';
const NO_ANSWER = 'Sorry, I am unable to assist you with this request.';
const PROMPT_ATTACK = /\b(ignore|disregard)\b[^.?!]{0,40}\b(previous|prior|all)\b[^.?!]{0,20}\binstructions\b/i;
const STOPWORDS = new Set('a an and are as at be by do does for from how i in is it of on or the to what when where which who why with you your'.split(' '));

class ValidationException extends Error {}

/** A model Bedrock would not run for this request: carries the service's answer. */
class ModelRefused extends Error {
  constructor(readonly response: EmulatorResponse) {
    super('model refused');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function terms(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((t) => !STOPWORDS.has(t));
}

/** Share of query terms found in the document, in [0, 1]. */
function overlap(query: string, document: string): number {
  const q = [...new Set(terms(query))];
  if (q.length === 0) return 0;
  const d = new Set(terms(document));
  return q.filter((t) => d.has(t)).length / q.length;
}

// A sentence ends at . ! or ? followed by white space or the end ("a 1.2 metre mirror" is one sentence).
function firstSentence(text: string): string {
  const match = /^[\s\S]*?[.!?](?=\s|$)/.exec(text.trim());
  return (match?.[0] ?? text).trim();
}

/** Evaluates a Bedrock Knowledge Base RetrievalFilter (a union: exactly one operator per object). */
export function matchesRetrievalFilter(filter: unknown, metadata: Record<string, unknown>): boolean {
  if (!isRecord(filter)) throw new ValidationException('filter must be an object');
  const entries = Object.entries(filter);
  if (entries.length !== 1) throw new ValidationException('A RetrievalFilter sets exactly one operator');
  const [operator, operand] = entries[0] as [string, unknown];
  if (operator === 'andAll' || operator === 'orAll') {
    if (!Array.isArray(operand) || operand.length < 2) throw new ValidationException(`${operator} needs at least 2 filters`);
    const results = operand.map((f) => matchesRetrievalFilter(f, metadata));
    return operator === 'andAll' ? results.every(Boolean) : results.some(Boolean);
  }
  if (!isRecord(operand) || typeof operand.key !== 'string') throw new ValidationException(`${operator} needs {key, value}`);
  const stored = metadata[operand.key];
  const value = operand.value;
  switch (operator) {
    case 'equals':
      return stored === value;
    case 'notEquals':
      return stored !== value;
    case 'in':
      if (!Array.isArray(value)) throw new ValidationException('in takes a list');
      return value.includes(stored);
    case 'notIn':
      if (!Array.isArray(value)) throw new ValidationException('notIn takes a list');
      return !value.includes(stored);
    case 'startsWith':
      // Documented as supported only by Amazon OpenSearch Serverless vector stores.
      throw new ValidationException('startsWith is not supported for this vector store');
    default:
      throw new ValidationException(`Unsupported filter operator ${operator}`);
  }
}

/** Passages of an S3 Vectors index as a Knowledge Base over it would return them. */
export function passagesFromS3Vectors(vectors: readonly { key: string; metadata: Record<string, unknown> }[]): KnowledgeBasePassage[] {
  return vectors.map((vector) => {
    const { AMAZON_BEDROCK_TEXT: text, AMAZON_BEDROCK_METADATA: kbMetadata, ...rest } = vector.metadata;
    const parsed: unknown = typeof kbMetadata === 'string' ? JSON.parse(kbMetadata) : {};
    const uri = isRecord(parsed) && typeof parsed.source === 'string' ? parsed.source : '';
    return {
      text: typeof text === 'string' ? text : '',
      uri,
      metadata: { ...rest, 'x-amz-bedrock-kb-source-uri': uri, 'x-amz-bedrock-kb-chunk-id': vector.key },
    };
  });
}

/** An ingested document's chunk as a passage: cited by the source URI its writer recorded, located by its custom id. */
function passageFromDocument(passage: IngestedPassage): KnowledgeBasePassage {
  const uri = typeof passage.metadata.sourceUri === 'string' ? passage.metadata.sourceUri : '';
  return { text: passage.text, uri, metadata: passage.metadata, location: passage.location };
}

function modelArnOfReranking(configuration: unknown): string | undefined {
  const bedrock = isRecord(configuration) && isRecord(configuration.bedrockRerankingConfiguration) ? configuration.bedrockRerankingConfiguration : {};
  const modelArn = isRecord(bedrock.modelConfiguration) ? bedrock.modelConfiguration.modelArn : undefined;
  return typeof modelArn === 'string' ? modelArn : undefined;
}

export class BedrockAgentRuntimeEmulator extends ServiceEmulator<AgentRuntimeCall> {
  readonly knowledgeBases = new Map<string, () => KnowledgeBasePassage[]>();
  streamFaults: KbStreamFaults = {};
  /** Injectable: drives end-of-life checks of the models requests name. */
  clock: () => number = Date.now;
  /** End-of-life days (ISO) the catalogue does not know yet, by foundation model or profile id. */
  readonly endOfLife = new Map<string, string>();
  /** Model ids this account has no access to: 403 AccessDeniedException. */
  readonly deniedModels = new Set<string>();
  private readonly documents?: KnowledgeBaseDocuments;
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private sessionCounter = 0;

  constructor(options: BedrockAgentRuntimeEmulatorOptions = {}) {
    super([
      { method: 'POST', pattern: /^\/rerank$/, handle: (req) => this.guard(() => this.rerank(req)) },
      { method: 'POST', pattern: /^\/retrieveAndGenerate$/, handle: (req) => this.guard(() => this.retrieveAndGenerate(req)) },
      { method: 'POST', pattern: /^\/retrieveAndGenerateStream$/, handle: (req, res) => this.retrieveAndGenerateStream(req, res) },
      { method: 'POST', pattern: /^\/knowledgebases\/(?<knowledgeBaseId>[^/]+)\/retrieve$/, handle: (req) => this.guard(() => this.retrieve(req)) },
    ]);
    this.documents = options.documents;
  }

  protected override resetState(): void {
    this.streamFaults = {};
    this.clock = Date.now;
    this.endOfLife.clear();
    this.deniedModels.clear();
  }

  /** Throws the service's refusal when Bedrock would not run this model for this request. */
  private checkModel(modelArn: string | undefined, req: EmulatorRequest): void {
    if (modelArn === undefined) return;
    const refused = modelGate(modelArn, req, { now: new Date(this.clock()), endOfLife: this.endOfLife, deniedModels: this.deniedModels });
    if (refused) throw new ModelRefused(refused);
  }

  /** The passages of a knowledge base: from its passage function, else from the shared ingested documents. */
  private passagesOf(knowledgeBaseId: string): KnowledgeBasePassage[] {
    const passagesOf = this.knowledgeBases.get(knowledgeBaseId);
    if (passagesOf) return passagesOf();
    if (this.documents?.hasKnowledgeBase(knowledgeBaseId)) return this.documents.passages(knowledgeBaseId).map(passageFromDocument);
    throw new ResourceNotFound(`Knowledge base ${knowledgeBaseId} not found`);
  }

  callsOf(operation: AgentRuntimeCall['operation']): AgentRuntimeCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  private guard(run: () => EmulatorResponse): EmulatorResponse {
    try {
      return run();
    } catch (error) {
      if (error instanceof ValidationException) {
        return { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message: error.message } };
      }
      if (error instanceof ResourceNotFound) {
        return { status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: error.message } };
      }
      if (error instanceof ModelRefused) return error.response;
      throw error;
    }
  }

  // ---------- Rerank ----------

  private rerank(req: EmulatorRequest): EmulatorResponse {
    const body = req.json<Record<string, unknown>>();
    this.calls.push({ operation: 'Rerank', body });
    const [query] = Array.isArray(body.queries) ? body.queries : [];
    const queryText = isRecord(query) && query.type === 'TEXT' && isRecord(query.textQuery) ? query.textQuery.text : undefined;
    if (typeof queryText !== 'string' || queryText.length === 0) throw new ValidationException('queries must hold one TEXT query');
    const sources = Array.isArray(body.sources) ? body.sources : [];
    if (sources.length === 0 || sources.length > MAX_RERANK_SOURCES) throw new ValidationException(`sources must hold 1 to ${MAX_RERANK_SOURCES} documents`);
    const texts = sources.map((source: unknown) => {
      const doc = isRecord(source) && source.type === 'INLINE' && isRecord(source.inlineDocumentSource) ? source.inlineDocumentSource : undefined;
      const text = doc && doc.type === 'TEXT' && isRecord(doc.textDocument) ? doc.textDocument.text : undefined;
      if (typeof text !== 'string') throw new ValidationException('Each source must be an INLINE TEXT document');
      return text;
    });
    const config = isRecord(body.rerankingConfiguration) ? body.rerankingConfiguration : {};
    const bedrock = isRecord(config.bedrockRerankingConfiguration) ? config.bedrockRerankingConfiguration : {};
    const modelArn = isRecord(bedrock.modelConfiguration) ? bedrock.modelConfiguration.modelArn : undefined;
    if (config.type !== 'BEDROCK_RERANKING_MODEL' || typeof modelArn !== 'string') throw new ValidationException('A Bedrock reranking model ARN is required');
    this.checkModel(modelArn, req);
    const wanted = typeof bedrock.numberOfResults === 'number' ? bedrock.numberOfResults : texts.length;
    if (wanted < 1 || wanted > texts.length) throw new ValidationException('numberOfResults must be between 1 and the number of sources');
    const results = texts
      .map((text, index) => ({ index, relevanceScore: overlap(queryText, text) }))
      .sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index)
      .slice(0, wanted);
    return { status: 200, body: { results } };
  }

  // ---------- RetrieveAndGenerate ----------

  private answer(
    body: Record<string, unknown>,
    req: EmulatorRequest,
  ): {
    sessionId: string;
    text: string;
    citations: Record<string, unknown>[];
    guardrailAction?: 'INTERVENED' | 'NONE';
  } {
    const input = isRecord(body.input) ? body.input.text : undefined;
    if (typeof input !== 'string' || input.length === 0) throw new ValidationException('input.text is required');
    const config = isRecord(body.retrieveAndGenerateConfiguration) ? body.retrieveAndGenerateConfiguration : {};
    if (config.type !== 'KNOWLEDGE_BASE' || !isRecord(config.knowledgeBaseConfiguration)) throw new ValidationException('type must be KNOWLEDGE_BASE');
    const kb = config.knowledgeBaseConfiguration;
    if (typeof kb.knowledgeBaseId !== 'string' || typeof kb.modelArn !== 'string') throw new ValidationException('knowledgeBaseId and modelArn are required');
    this.checkModel(kb.modelArn, req);
    const passages = this.passagesOf(kb.knowledgeBaseId);
    const retrieval =
      isRecord(kb.retrievalConfiguration) && isRecord(kb.retrievalConfiguration.vectorSearchConfiguration)
        ? kb.retrievalConfiguration.vectorSearchConfiguration
        : {};
    const numberOfResults = retrieval.numberOfResults ?? 5;
    if (typeof numberOfResults !== 'number' || numberOfResults < 1 || numberOfResults > 100)
      throw new ValidationException('numberOfResults must be from 1 to 100');
    if (retrieval.overrideSearchType === 'HYBRID') throw new ValidationException('HYBRID search is not supported by this knowledge base vector store');
    this.checkModel(modelArnOfReranking(retrieval.rerankingConfiguration), req);
    const generation = isRecord(kb.generationConfiguration) ? kb.generationConfiguration : {};
    const template = isRecord(generation.promptTemplate) ? generation.promptTemplate.textPromptTemplate : undefined;
    if (template !== undefined && (typeof template !== 'string' || !template.includes('$search_results$'))) {
      throw new ValidationException('The prompt template must contain $search_results$');
    }
    // The service owns session ids: echo the caller's, or open a new one.
    const given = typeof body.sessionId === 'string' ? body.sessionId : undefined;
    this.sessionCounter += 1;
    const sessionId = given ?? `emulated-session-${this.sessionCounter}`;
    const guarded = isRecord(generation.guardrailConfiguration);
    if (guarded && PROMPT_ATTACK.test(input)) return { sessionId, text: BLOCKED_ANSWER, citations: [], guardrailAction: 'INTERVENED' };
    const ranked = passages
      .filter((p) => retrieval.filter === undefined || matchesRetrievalFilter(retrieval.filter, p.metadata))
      .map((p) => ({ p, score: overlap(input, p.text) }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, numberOfResults);
    if (ranked.length === 0) return { sessionId, text: NO_ANSWER, citations: [], ...(guarded ? { guardrailAction: 'NONE' as const } : {}) };
    let text = '';
    const citations: Record<string, unknown>[] = [];
    for (const { p } of ranked.slice(0, 2)) {
      const sentence = firstSentence(p.text);
      const start = text.length === 0 ? 0 : text.length + 1;
      text = text.length === 0 ? sentence : `${text} ${sentence}`;
      citations.push({
        generatedResponsePart: { textResponsePart: { text: sentence, span: { start, end: start + sentence.length - 1 } } },
        retrievedReferences: [
          { content: { type: 'TEXT', text: p.text }, location: p.location ?? { type: 'S3', s3Location: { uri: p.uri } }, metadata: p.metadata },
        ],
      });
    }
    return { sessionId, text, citations, ...(guarded ? { guardrailAction: 'NONE' as const } : {}) };
  }

  private retrieveAndGenerate(req: EmulatorRequest): EmulatorResponse {
    const body = req.json<Record<string, unknown>>();
    this.calls.push({ operation: 'RetrieveAndGenerate', body });
    const a = this.answer(body, req);
    return {
      status: 200,
      body: { sessionId: a.sessionId, output: { text: a.text }, citations: a.citations, ...(a.guardrailAction ? { guardrailAction: a.guardrailAction } : {}) },
    };
  }

  // ---------- Retrieve ----------

  private retrieve(req: EmulatorRequest): EmulatorResponse {
    const body = req.json<Record<string, unknown>>();
    this.calls.push({ operation: 'Retrieve', body });
    const text = isRecord(body.retrievalQuery) ? body.retrievalQuery.text : undefined;
    if (typeof text !== 'string' || text.length > MAX_QUERY_CHARS)
      throw new ValidationException(`retrievalQuery.text is required, at most ${MAX_QUERY_CHARS} characters`);
    const retrieval =
      isRecord(body.retrievalConfiguration) && isRecord(body.retrievalConfiguration.vectorSearchConfiguration)
        ? body.retrievalConfiguration.vectorSearchConfiguration
        : {};
    const numberOfResults = retrieval.numberOfResults ?? 5;
    if (typeof numberOfResults !== 'number' || !Number.isInteger(numberOfResults) || numberOfResults < 1 || numberOfResults > 100) {
      throw new ValidationException('numberOfResults must be from 1 to 100');
    }
    if (retrieval.overrideSearchType === 'HYBRID') throw new ValidationException('HYBRID search is not supported by this knowledge base vector store');
    this.checkModel(modelArnOfReranking(retrieval.rerankingConfiguration), req);
    const retrievalResults = this.passagesOf(req.params.knowledgeBaseId ?? '')
      .filter((p) => retrieval.filter === undefined || matchesRetrievalFilter(retrieval.filter, p.metadata))
      .map((p, order) => ({ p, order, score: overlap(text, p.text) }))
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, numberOfResults)
      .map(({ p, score }) => ({
        content: { type: 'TEXT', text: p.text },
        location: p.location ?? { type: 'S3', s3Location: { uri: p.uri } },
        metadata: p.metadata,
        score,
      }));
    return { status: 200, body: { retrievalResults } };
  }

  private frame(eventType: string, payload: unknown, messageType: 'event' | 'exception' = 'event'): Uint8Array {
    return this.codec.encode({
      headers: {
        ':message-type': { type: 'string', value: messageType },
        [messageType === 'event' ? ':event-type' : ':exception-type']: { type: 'string', value: eventType },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: fromUtf8(JSON.stringify(payload)),
    });
  }

  private async retrieveAndGenerateStream(req: EmulatorRequest, res: ServerResponse): Promise<EmulatorResponse | undefined> {
    const body = req.json<Record<string, unknown>>();
    this.calls.push({ operation: 'RetrieveAndGenerateStream', body });
    let a: ReturnType<BedrockAgentRuntimeEmulator['answer']>;
    try {
      a = this.answer(body, req);
    } catch (error) {
      return this.guard(() => {
        throw error;
      });
    }
    const events: Uint8Array[] = [];
    const pieces = a.text.match(/\S+\s*/g) ?? [a.text];
    let emitted = 0;
    let nextCitation = 0;
    for (const piece of pieces) {
      events.push(this.frame('output', { text: piece }));
      emitted += piece.length;
      // A citation event follows the output that completes the cited span, as the service interleaves them.
      while (nextCitation < a.citations.length) {
        const citation = a.citations[nextCitation] as { generatedResponsePart: { textResponsePart: { span: { end: number } } } };
        if (citation.generatedResponsePart.textResponsePart.span.end >= emitted) break;
        events.push(this.frame('citation', { citation: a.citations[nextCitation], ...a.citations[nextCitation] }));
        nextCitation += 1;
      }
    }
    for (; nextCitation < a.citations.length; nextCitation += 1) {
      events.push(this.frame('citation', { citation: a.citations[nextCitation], ...a.citations[nextCitation] }));
    }
    if (a.guardrailAction === 'INTERVENED') events.push(this.frame('guardrail', { action: 'INTERVENED' }));
    const { exceptionAfterEvents, exceptionType } = this.streamFaults;
    if (exceptionAfterEvents !== undefined) {
      events.splice(exceptionAfterEvents, events.length, this.frame(exceptionType ?? 'internalServerException', { message: 'Stream failed' }, 'exception'));
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-bedrock-knowledge-base-session-id': a.sessionId,
      'x-amzn-requestid': createHash('sha256').update(String(this.calls.length)).digest('hex').slice(0, 32),
    });
    const cutAfter = this.http.faults.breakStreamAfterEvents;
    for (const [index, event] of events.entries()) {
      if (cutAfter !== undefined && index >= cutAfter) {
        // A connection dropped mid-answer: no more bytes, no clean end of the HTTP body.
        res.socket?.destroy();
        return undefined;
      }
      res.write(event);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
    return undefined;
  }
}

class ResourceNotFound extends Error {}
