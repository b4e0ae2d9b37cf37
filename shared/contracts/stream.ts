import * as z from 'zod';

/**
 * The streaming query contract: `POST /query/stream` takes the same body as `POST /query` and answers
 * `text/event-stream` (Server-Sent Events). Each SSE message is `event: <type>` and `data: <JSON>`; the
 * JSON validates against the schema of its type below. The order is fixed:
 *
 *   meta → delta* → (replace)? → citations → done        a whole answer
 *   meta → delta* → error                                 a stream that broke: no `done`, so no client can
 *                                                         mistake a truncated answer for a whole one
 *
 * `replace` appears when a guardrail intervenes mid-stream: the client replaces the text shown so far with
 * the guardrail's message. A cached answer streams as one delta.
 */
const usage = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  costUsd: z.number().min(0).nullable().describe('USD of every model call of the request; null when a model has no price for its Region (unknown, not zero).'),
  calls: z.number().int().min(0).optional().describe('Model calls the request made.'),
  unpricedModels: z.array(z.string()).optional().describe('Models called without a price for their Region.'),
  estimated: z.boolean().optional().describe('True when some token counts are estimates (the model reported none).'),
});

export const streamMetaEventSchema = z.object({
  requestId: z.string(),
  model: z.string(),
  promptVersion: z.string(),
  sessionId: z.string(),
  /** The question the retrieval ran on, when a follow-up was rewritten from the conversation. */
  rewrittenQuestion: z.string().optional(),
  cached: z.boolean(),
});

export const streamDeltaEventSchema = z.object({ text: z.string() });

export const streamReplaceEventSchema = z.object({
  /** Text that replaces everything streamed so far. */
  text: z.string(),
  reason: z.literal('guardrail'),
});

export const streamCitationSchema = z.object({
  marker: z.number().int().optional(),
  documentId: z.string(),
  chunkId: z.string().optional(),
  uri: z.string(),
  key: z.string(),
  title: z.string().optional(),
  excerpt: z.string(),
  location: z.object({
    start: z.number().int(),
    end: z.number().int(),
    page: z.number().int().optional(),
    section: z.string().optional(),
    chunkIndex: z.number().int().optional(),
  }),
});

export const streamCitationsEventSchema = z.object({ citations: z.array(streamCitationSchema) });

export const streamDoneEventSchema = z.object({
  requestId: z.string(),
  usage,
  guardrail: z.object({
    action: z.enum(['NONE', 'INTERVENED']),
    blocked: z.boolean(),
    groundingScore: z.number().optional(),
  }),
  model: z.string(),
  fallbackUsed: z.boolean(),
  cached: z.boolean(),
  sessionId: z.string(),
  /** Milliseconds from the request to the first delta (0 when there was none). */
  firstDeltaMs: z.number().min(0),
});

export const streamErrorEventSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
  requestId: z.string(),
});

export const STREAM_EVENT_SCHEMAS = {
  meta: streamMetaEventSchema,
  delta: streamDeltaEventSchema,
  replace: streamReplaceEventSchema,
  citations: streamCitationsEventSchema,
  done: streamDoneEventSchema,
  error: streamErrorEventSchema,
} as const;

export type StreamEventType = keyof typeof STREAM_EVENT_SCHEMAS;
export type StreamEvent = { [K in StreamEventType]: { event: K; data: z.infer<(typeof STREAM_EVENT_SCHEMAS)[K]> } }[StreamEventType];

/** One SSE message (`event:` + `data:` + blank line). JSON never contains a raw newline, so one data line suffices. */
export function formatStreamEvent(event: StreamEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** Parses a complete SSE text into events, validating each; throws on an unknown type or a bad payload. */
export function parseStreamEvents(text: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const lines = block.split('\n');
    const type = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
    const data = lines
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice('data: '.length))
      .join('\n');
    if (!type || !(type in STREAM_EVENT_SCHEMAS)) throw new Error(`Unknown stream event "${type ?? ''}"`);
    const schema = STREAM_EVENT_SCHEMAS[type as StreamEventType];
    events.push({ event: type, data: schema.parse(JSON.parse(data)) } as StreamEvent);
  }
  return events;
}
