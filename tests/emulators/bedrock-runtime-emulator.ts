import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { type EmulatorRequest, type EmulatorResponse, ServiceEmulator } from './http-emulator';
import { modelGate } from './model-gate';

/**
 * Bedrock Runtime on 127.0.0.1, speaking the REST (restJson1) wire format the real SDK client expects:
 * - POST /model/{modelId}/invoke          Titan Text Embeddings V2 and Cohere Embed bodies
 * - POST /model/{modelId}/converse        answers with a sentence from the numbered sources + "[n]"
 * - POST /model/{modelId}/converse-stream the same answer as AWS event-stream binary frames
 * - POST /guardrail/{id}/version/{v}/apply heuristic policies: prompt attack, PII, denied topics, grounding
 * Per-model faults make fallback chains testable; a fault schedule fails calls of every model at a seeded
 * rate (the load suite); stream faults cut the socket, raise an exception
 * event mid-stream or omit messageStop.
 *
 * Models are gated as Bedrock gates them, from the model catalogue (shared/models/catalog.ts): the
 * Region is the one the SDK signed for (SigV4 credential scope), a model past its end-of-life date
 * on the emulator's clock answers 404 ResourceNotFoundException, a model not offered in that Region
 * answers 400 ValidationException, and a model whose access is withheld answers 403
 * AccessDeniedException, each with the message Bedrock sends (BEDROCK_MODEL_UNAVAILABLE). Models the
 * catalogue does not know are served anywhere, so tests may still use any model id.
 */

export interface ModelFault {
  status: number;
  code: string;
  message?: string;
  /** How many requests to fail before answering normally; unlimited when absent. */
  times?: number;
}

/**
 * Decides, call by call, whether a model call fails and how (the load suite: a seeded share of throttling and
 * 5xx on every model, bench/load/fault-schedule.ts). Consulted after the per-model faults.
 */
export type ModelFaultSchedule = (call: { operation: 'InvokeModel' | 'Converse' | 'ConverseStream'; modelId: string }) => ModelFault | undefined;

export interface StreamFaults {
  /** Send an exception event (e.g. modelStreamErrorException) after this many events. */
  exceptionAfterEvents?: number;
  exceptionType?: string;
  /** End the stream cleanly without messageStop/metadata. */
  omitMessageStop?: boolean;
}

export interface RecordedCall {
  operation: 'InvokeModel' | 'Converse' | 'ConverseStream' | 'ApplyGuardrail';
  modelId?: string;
  body: unknown;
  /** Time from the emulator's clock (injectable, so rate tests use a fake clock). */
  at: number;
}

export interface GuardrailPolicy {
  deniedTopics: { name: string; pattern: RegExp }[];
  /** Contextual grounding threshold: answers whose score is below it are blocked. */
  groundingThreshold: number;
  blockedInputMessage: string;
  blockedOutputMessage: string;
}

const EMBED_CONTENT_TYPE = { 'content-type': 'application/json' };
const PROMPT_ATTACK =
  /\b(ignore|disregard|forget)\b[^.?!]{0,40}\b(previous|prior|above|earlier|all)\b[^.?!]{0,20}\b(instructions|rules|prompts?)\b|\b(reveal|show|print|repeat)\b[^.?!]{0,30}\bsystem prompt\b|\bjailbreak\b|\bDAN\b|\bdeveloper mode\b|\bpretend (you are|to be)\b/i;
const PII_PATTERNS: { type: string; pattern: RegExp }[] = [
  { type: 'EMAIL', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { type: 'CREDIT_DEBIT_CARD_NUMBER', pattern: /\b(?:\d[ -]?){13,19}\b/g },
  { type: 'US_SOCIAL_SECURITY_NUMBER', pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  { type: 'PHONE', pattern: /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{2,4})[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b/g },
];
const STOPWORDS = new Set(
  'a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which who why with you your do does did can'.split(
    ' ',
  ),
);

function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOPWORDS.has(w));
}

/** Deterministic bag-of-words feature hashing: related texts land closer than unrelated ones. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const tokens = words(text);
  const features = tokens.length > 0 ? tokens : [text];
  for (const feature of features) {
    const digest = createHash('sha256').update(feature).digest();
    const index = digest.readUInt32BE(0) % dimensions;
    vector[index] = (vector[index] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0)) || 1;
  return vector.map((x) => x / norm);
}

function tokenCount(text: string): number {
  return (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;
}

function validation(message: string): EmulatorResponse {
  return { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message } };
}

interface TextBlock {
  text: string;
  qualifiers: string[];
}

/** Flattens Converse content blocks (text and guardContent) into text blocks with their qualifiers. */
function textBlocks(content: unknown): TextBlock[] {
  if (!Array.isArray(content)) return [];
  const out: TextBlock[] = [];
  for (const block of content as Record<string, unknown>[]) {
    if (typeof block.text === 'string') out.push({ text: block.text, qualifiers: [] });
    const guard = block.guardContent as { text?: { text?: unknown; qualifiers?: unknown } } | undefined;
    if (guard?.text && typeof guard.text.text === 'string') {
      out.push({ text: guard.text.text, qualifiers: Array.isArray(guard.text.qualifiers) ? (guard.text.qualifiers as string[]) : ['guard_content'] });
    }
  }
  return out;
}

function numberedSources(text: string): { marker: number; text: string }[] {
  // Prompt v2 on: each source fenced as `<source id="n">\n...\n</source>` (shared/prompts/source-fence.ts).
  const fenced = [...text.matchAll(/<source id="(\d+)">\n([\s\S]*?)\n<\/source>/g)].map((m) => ({ marker: Number(m[1]), text: m[2] ?? '' }));
  if (fenced.length > 0) return fenced;
  // Prompt v1: `[n] text` lines.
  const parts = text.split(/(?:^|\n)\[(\d+)\][ \t]+/);
  const out: { marker: number; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    // A source runs to the next numbered line or a blank line.
    out.push({ marker: Number(parts[i]), text: (parts[i + 1] ?? '').split(/\n\s*\n/)[0] ?? '' });
  }
  return out;
}

function sentencesOf(text: string): string[] {
  return (text.match(/[^.!?\n]+[.!?]?/g) ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
}

export class BedrockRuntimeEmulator extends ServiceEmulator<RecordedCall> {
  /** Per-model faults, answered before the model runs (fallback tests). */
  readonly modelFaults = new Map<string, ModelFault>();
  streamFaults: StreamFaults = {};
  /** Faults decided per call for every model (e.g. seeded probabilistic throttling); none when absent. */
  faultSchedule?: ModelFaultSchedule;
  guardrailPolicy: GuardrailPolicy = {
    deniedTopics: [],
    groundingThreshold: 0.5,
    blockedInputMessage: 'Sorry, I cannot answer that question.',
    blockedOutputMessage: 'Sorry, the answer could not be verified against the documents.',
  };
  /** Injectable: drives end-of-life checks and the recorded call times. */
  clock: () => number = Date.now;
  /** Model ids (foundation model or profile) this account has no access to: 403 AccessDeniedException. */
  readonly deniedModels = new Set<string>();
  /** End-of-life days (ISO) the catalogue does not know yet, by foundation model or profile id. */
  readonly endOfLife = new Map<string, string>();
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);

  constructor() {
    super([
      { method: 'POST', pattern: /^\/model\/(?<modelId>[^/]+)\/invoke$/, handle: (req) => this.invoke(req) },
      { method: 'POST', pattern: /^\/model\/(?<modelId>[^/]+)\/converse$/, handle: (req) => this.converse(req) },
      { method: 'POST', pattern: /^\/model\/(?<modelId>[^/]+)\/converse-stream$/, handle: (req, res) => this.converseStream(req, res) },
      { method: 'POST', pattern: /^\/guardrail\/(?<id>[^/]+)\/version\/(?<version>[^/]+)\/apply$/, handle: (req) => this.applyGuardrail(req) },
    ]);
  }

  /** Clears every programmed model and stream fault. */
  protected override resetState(): void {
    this.modelFaults.clear();
    this.streamFaults = {};
    this.faultSchedule = undefined;
    this.deniedModels.clear();
    this.endOfLife.clear();
    this.clock = Date.now;
  }

  callsOf(operation: RecordedCall['operation']): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  private record(operation: RecordedCall['operation'], req: EmulatorRequest, modelId?: string): Record<string, unknown> {
    const body = req.json<Record<string, unknown>>();
    this.calls.push({ operation, modelId, body, at: this.clock() });
    return body;
  }

  private modelFault(modelId: string, operation: 'InvokeModel' | 'Converse' | 'ConverseStream'): EmulatorResponse | undefined {
    const fault = this.programmedFault(modelId) ?? this.faultSchedule?.({ operation, modelId });
    if (!fault) return undefined;
    return { status: fault.status, headers: { 'x-amzn-errortype': fault.code }, body: { message: fault.message ?? fault.code } };
  }

  private programmedFault(modelId: string): ModelFault | undefined {
    const fault = this.modelFaults.get(modelId);
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      if (fault.times <= 0) return undefined;
      fault.times -= 1;
    }
    return fault;
  }

  /** Bedrock's answer when this model cannot serve this request (shared with the Agent Runtime emulator). */
  private modelGate(modelId: string, req: EmulatorRequest): EmulatorResponse | undefined {
    return modelGate(modelId, req, { now: new Date(this.clock()), endOfLife: this.endOfLife, deniedModels: this.deniedModels });
  }

  // ---------- InvokeModel (embeddings) ----------

  private invoke(req: EmulatorRequest): EmulatorResponse {
    const modelId = req.params.modelId ?? '';
    const body = this.record('InvokeModel', req, modelId);
    const fault = this.modelGate(modelId, req) ?? this.modelFault(modelId, 'InvokeModel');
    if (fault) return fault;
    if (modelId.includes('titan-embed')) return this.titan(body);
    if (modelId.includes('cohere.embed')) return this.cohere(modelId, body);
    return { status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: 'Model not found' } };
  }

  private titan(body: Record<string, unknown>): EmulatorResponse {
    const text = body.inputText;
    const dimensions = body.dimensions ?? 1024;
    if (typeof text !== 'string' || text.length === 0) return validation('Malformed input request: #/inputText: expected minLength: 1');
    if (dimensions !== 256 && dimensions !== 512 && dimensions !== 1024) return validation('Malformed input request: #/dimensions: 1024, 512, 256');
    if (text.length > 50_000) return validation('Malformed input request: #/inputText: expected maxLength: 50000');
    const tokens = tokenCount(text);
    if (tokens > 8_192) return validation(`400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: ${tokens}`);
    const embedding = fakeEmbedding(text, dimensions);
    return { headers: EMBED_CONTENT_TYPE, body: { embedding, inputTextTokenCount: tokens, embeddingsByType: { float: embedding } } };
  }

  private cohere(modelId: string, body: Record<string, unknown>): EmulatorResponse {
    const texts = body.texts;
    const inputType = body.input_type;
    if (!Array.isArray(texts) || !texts.every((t): t is string => typeof t === 'string')) return validation('Malformed input request: #/texts');
    if (texts.length > 96) return validation('Malformed input request: #/texts: expected maxItems: 96');
    if (texts.some((t) => t.length > 2048)) return validation('Malformed input request: #/texts: expected maxLength: 2048');
    if (typeof inputType !== 'string' || !['search_document', 'search_query', 'classification', 'clustering'].includes(inputType)) {
      return validation('Malformed input request: #: required key [input_type] not found');
    }
    const dimensions =
      typeof body.output_dimension === 'number' ? body.output_dimension : /light/.test(modelId) ? 384 : modelId.includes('embed-v4') ? 1536 : 1024;
    const embeddings = texts.map((t) => fakeEmbedding(t, dimensions));
    const id = createHash('sha256').update(JSON.stringify(texts)).digest('hex').slice(0, 32);
    if (Array.isArray(body.embedding_types)) {
      return { headers: EMBED_CONTENT_TYPE, body: { id, embeddings: { float: embeddings }, response_type: 'embeddings_by_type', texts } };
    }
    return { headers: EMBED_CONTENT_TYPE, body: { id, embeddings, response_type: 'embeddings_floats', texts } };
  }

  // ---------- Converse / ConverseStream ----------

  /** What the fake model answers, and what the guardrail configured on the request decided. */
  private answer(body: Record<string, unknown>): {
    text: string;
    stopReason: string;
    inputTokens: number;
    trace?: Record<string, unknown>;
  } {
    const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
    const blocks = messages.filter((m) => m.role === 'user').flatMap((m) => textBlocks(m.content));
    const system = textBlocks(body.system);
    const inputTokens = [...blocks, ...system].reduce((s, b) => s + tokenCount(b.text), 0);
    const question = blocks.find((b) => b.qualifiers.includes('query'))?.text ?? blocks[blocks.length - 1]?.text ?? '';
    const guardrailConfig = body.guardrailConfig as { guardrailIdentifier?: string; guardrailVersion?: string } | undefined;
    if (guardrailConfig) {
      // With guardContent blocks only they are assessed; otherwise the whole user input is.
      const guarded = blocks.some((b) => b.qualifiers.length > 0)
        ? blocks.filter((b) => b.qualifiers.includes('query') || b.qualifiers.includes('guard_content'))
        : blocks;
      const assessment = this.inputAssessment(guarded.map((b) => b.text).join('\n'));
      if (assessment.blocked) {
        return {
          text: this.guardrailPolicy.blockedInputMessage,
          stopReason: 'guardrail_intervened',
          inputTokens,
          trace: { guardrail: { inputAssessment: { [guardrailConfig.guardrailIdentifier ?? 'guardrail']: assessment.assessment } } },
        };
      }
    }
    // Sources are numbered "[n] text" at the start of a line, in the system prompt or in their own blocks.
    const sources = [...system, ...blocks].flatMap((b) => numberedSources(b.text));
    if (sources.length === 0) {
      return { text: 'I could not find an answer in the documents.', stopReason: 'end_turn', inputTokens };
    }
    const questionWords = new Set(words(question));
    let best = { score: -1, sentence: '', marker: 1 };
    for (const source of sources) {
      for (const sentence of sentencesOf(source.text)) {
        const score = words(sentence).filter((w) => questionWords.has(w)).length;
        if (score > best.score) best = { score, sentence, marker: source.marker };
      }
    }
    const text = `${best.sentence.replace(/[.!?]?$/, '')} [${best.marker}].`;
    const trace = guardrailConfig ? { guardrail: { modelOutput: [text], outputAssessments: {} } } : undefined;
    return { text, stopReason: 'end_turn', inputTokens, ...(trace ? { trace } : {}) };
  }

  private converse(req: EmulatorRequest): EmulatorResponse {
    const modelId = req.params.modelId ?? '';
    const body = this.record('Converse', req, modelId);
    const fault = this.modelGate(modelId, req) ?? this.modelFault(modelId, 'Converse');
    if (fault) return fault;
    if (!Array.isArray(body.messages) || body.messages.length === 0) return validation('messages must not be empty');
    const a = this.answer(body);
    const outputTokens = tokenCount(a.text);
    return {
      headers: { 'content-type': 'application/json' },
      body: {
        output: { message: { role: 'assistant', content: [{ text: a.text }] } },
        stopReason: a.stopReason,
        usage: { inputTokens: a.inputTokens, outputTokens, totalTokens: a.inputTokens + outputTokens },
        metrics: { latencyMs: 5 },
        ...(a.trace ? { trace: a.trace } : {}),
      },
    };
  }

  private frame(eventType: string, payload: unknown, messageType: 'event' | 'exception' = 'event'): Uint8Array {
    const typeHeader = messageType === 'event' ? ':event-type' : ':exception-type';
    return this.codec.encode({
      headers: {
        ':message-type': { type: 'string', value: messageType },
        [typeHeader]: { type: 'string', value: eventType },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: fromUtf8(JSON.stringify(payload)),
    });
  }

  private async converseStream(req: EmulatorRequest, res: ServerResponse): Promise<EmulatorResponse | undefined> {
    const modelId = req.params.modelId ?? '';
    const body = this.record('ConverseStream', req, modelId);
    const fault = this.modelGate(modelId, req) ?? this.modelFault(modelId, 'ConverseStream');
    if (fault) return fault;
    if (!Array.isArray(body.messages) || body.messages.length === 0) return validation('messages must not be empty');
    const a = this.answer(body);
    const outputTokens = tokenCount(a.text);
    const pieces = a.text.match(/\S+\s*/g) ?? [a.text];
    const events: Uint8Array[] = [this.frame('messageStart', { role: 'assistant' })];
    for (const piece of pieces) events.push(this.frame('contentBlockDelta', { delta: { text: piece }, contentBlockIndex: 0 }));
    events.push(this.frame('contentBlockStop', { contentBlockIndex: 0 }));
    if (!this.streamFaults.omitMessageStop) {
      events.push(this.frame('messageStop', { stopReason: a.stopReason }));
      events.push(
        this.frame('metadata', {
          usage: { inputTokens: a.inputTokens, outputTokens, totalTokens: a.inputTokens + outputTokens },
          metrics: { latencyMs: 5 },
          ...(a.trace ? { trace: a.trace } : {}),
        }),
      );
    }
    const { exceptionAfterEvents, exceptionType } = this.streamFaults;
    if (exceptionAfterEvents !== undefined) {
      events.splice(
        exceptionAfterEvents,
        events.length,
        this.frame(exceptionType ?? 'modelStreamErrorException', { message: 'Model stream error' }, 'exception'),
      );
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': createHash('sha256').update(String(this.calls.length)).digest('hex').slice(0, 32),
    });
    const cutAfter = this.http.faults.breakStreamAfterEvents;
    for (const [index, event] of events.entries()) {
      if (cutAfter !== undefined && index >= cutAfter) {
        // Simulates a connection dropped mid-answer: no more bytes, no clean end of the HTTP body.
        res.socket?.destroy();
        return undefined;
      }
      res.write(event);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
    return undefined;
  }

  // ---------- ApplyGuardrail ----------

  private inputAssessment(text: string): { blocked: boolean; assessment: Record<string, unknown> } {
    const assessment: Record<string, unknown> = {};
    let blocked = false;
    if (PROMPT_ATTACK.test(text)) {
      blocked = true;
      assessment.contentPolicy = { filters: [{ type: 'PROMPT_ATTACK', confidence: 'HIGH', filterStrength: 'HIGH', action: 'BLOCKED', detected: true }] };
    }
    const topics = this.guardrailPolicy.deniedTopics.filter((t) => t.pattern.test(text));
    if (topics.length > 0) {
      blocked = true;
      assessment.topicPolicy = { topics: topics.map((t) => ({ name: t.name, type: 'DENY', action: 'BLOCKED', detected: true })) };
    }
    return { blocked, assessment };
  }

  private anonymize(text: string): { text: string; entities: { match: string; type: string; action: string; detected: boolean }[] } {
    const entities: { match: string; type: string; action: string; detected: boolean }[] = [];
    let out = text;
    for (const { type, pattern } of PII_PATTERNS) {
      out = out.replace(pattern, (match) => {
        if (type === 'PHONE' && match.replace(/\D/g, '').length < 7) return match;
        entities.push({ match, type, action: 'ANONYMIZED', detected: true });
        return `{${type}}`;
      });
    }
    return { text: out, entities };
  }

  private applyGuardrail(req: EmulatorRequest): EmulatorResponse {
    const body = this.record('ApplyGuardrail', req);
    const source = body.source;
    const content = Array.isArray(body.content) ? (body.content as { text?: { text?: unknown; qualifiers?: unknown } }[]) : [];
    if (source !== 'INPUT' && source !== 'OUTPUT') return validation('source must be INPUT or OUTPUT');
    if (content.length === 0) return validation('content must not be empty');
    const blocks: TextBlock[] = content.map((c) => ({
      text: typeof c.text?.text === 'string' ? c.text.text : '',
      qualifiers: Array.isArray(c.text?.qualifiers) ? (c.text.qualifiers as string[]) : [],
    }));
    const groundingSource = blocks
      .filter((b) => b.qualifiers.includes('grounding_source'))
      .map((b) => b.text)
      .join('\n');
    const query = blocks
      .filter((b) => b.qualifiers.includes('query'))
      .map((b) => b.text)
      .join('\n');
    const guarded = blocks.filter((b) => b.qualifiers.length === 0 || b.qualifiers.includes('guard_content'));
    const guardedText = guarded.map((b) => b.text).join('\n');

    const { blocked: policyBlocked, assessment } = this.inputAssessment(source === 'INPUT' ? guardedText : '');
    let blocked = policyBlocked;
    const anonymized = guarded.map((b) => this.anonymize(b.text));
    const entities = anonymized.flatMap((a) => a.entities);
    if (entities.length > 0) assessment.sensitiveInformationPolicy = { piiEntities: entities, regexes: [] };
    let groundingBlocked = false;
    if (source === 'OUTPUT' && groundingSource.length > 0) {
      const answerWords = words(guardedText.replace(/\[\d+\]/g, ''));
      const sourceWords = new Set(words(groundingSource));
      const grounding = answerWords.length === 0 ? 1 : answerWords.filter((w) => sourceWords.has(w)).length / answerWords.length;
      const queryWords = words(query);
      const relevance =
        queryWords.length === 0 ? 1 : Math.min(1, queryWords.filter((w) => answerWords.includes(w) || sourceWords.has(w)).length / queryWords.length + 0.5);
      const threshold = this.guardrailPolicy.groundingThreshold;
      groundingBlocked = grounding < threshold;
      assessment.contextualGroundingPolicy = {
        filters: [
          { type: 'GROUNDING', threshold, score: Math.round(grounding * 100) / 100, action: groundingBlocked ? 'BLOCKED' : 'NONE', detected: groundingBlocked },
          { type: 'RELEVANCE', threshold, score: Math.round(relevance * 100) / 100, action: 'NONE', detected: false },
        ],
      };
    }
    blocked = blocked || groundingBlocked;
    const intervened = blocked || entities.length > 0;
    const outputs = !intervened
      ? []
      : blocked
        ? [{ text: source === 'INPUT' ? this.guardrailPolicy.blockedInputMessage : this.guardrailPolicy.blockedOutputMessage }]
        : anonymized.map((a) => ({ text: a.text }));
    return {
      headers: { 'content-type': 'application/json' },
      body: {
        usage: {
          topicPolicyUnits: 1,
          contentPolicyUnits: 1,
          wordPolicyUnits: 1,
          sensitiveInformationPolicyUnits: 1,
          sensitiveInformationPolicyFreeUnits: 0,
          contextualGroundingPolicyUnits: groundingSource.length > 0 ? 1 : 0,
        },
        action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
        ...(intervened ? { actionReason: blocked ? 'Guardrail blocked.' : 'Guardrail masked.' } : {}),
        outputs,
        assessments: Object.keys(assessment).length > 0 ? [assessment] : [],
      },
    };
  }
}
