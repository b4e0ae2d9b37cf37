import { STREAM_EVENT_SCHEMAS, type StreamEvent, type StreamEventType } from '../../shared/contracts/stream';
import { StreamBrokenError } from './errors';

/**
 * Turns a `text/event-stream` body, arriving in arbitrary chunks, into the contract's events
 * (shared/contracts/stream.ts) as soon as each is complete. Framing follows the SSE specification
 * (WHATWG HTML §9.2.6): CRLF, LF or CR line ends, `:` comment lines (keep-alives), `field:value` with
 * one optional space, several `data:` lines joined by LF, a blank line dispatching the event.
 * Event types this client does not know are skipped, so the server may add some; a known type whose
 * payload breaks its schema is a broken stream.
 */
export async function* readStreamEvents(chunks: AsyncIterable<string>): AsyncGenerator<StreamEvent> {
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += chunk;
    // A CR at the very end may be the first half of a CRLF split across chunks: keep it for the next one.
    const held = buffer.endsWith('\r') ? '\r' : '';
    let text = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, '\n');
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const event = parseBlock(text.slice(0, end));
      text = text.slice(end + 2);
      if (event) yield event;
    }
    buffer = text + held;
  }
  // An event not closed by a blank line when the stream ends is discarded (as the specification says).
}

function parseBlock(block: string): StreamEvent | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    // A `:` comment line has an empty field name: ignored like every field but `event` and `data`.
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 || !Object.hasOwn(STREAM_EVENT_SCHEMAS, type)) return undefined;
  const schema = STREAM_EVENT_SCHEMAS[type as StreamEventType];
  let json: unknown;
  try {
    json = JSON.parse(data.join('\n'));
  } catch (error) {
    throw new StreamBrokenError(`a "${type}" event is not JSON`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StreamBrokenError(
      `a "${type}" event breaks the stream contract (${issue ? `${issue.path.join('.') || '(data)'}: ${issue.message}` : 'invalid'})`,
    );
  }
  return { event: type, data: parsed.data } as StreamEvent;
}
