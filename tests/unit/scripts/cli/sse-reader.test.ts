import { StreamBrokenError } from '../../../../scripts/cli/errors';
import { readStreamEvents } from '../../../../scripts/cli/sse-reader';
import { formatStreamEvent, parseStreamEvents, type StreamEvent } from '../../../../shared/contracts/stream';

async function* chunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function collect(chunks: AsyncIterable<string>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of readStreamEvents(chunks)) events.push(event);
  return events;
}

const events: StreamEvent[] = [
  { event: 'meta', data: { requestId: 'r', model: 'm', promptVersion: 'v1', sessionId: 'sess-0001', cached: false } },
  { event: 'delta', data: { text: 'line one\nline "two" ü' } },
  { event: 'citations', data: { citations: [] } },
  { event: 'error', data: { error: { code: 'GenerationError', message: 'broke' }, requestId: 'r' } },
];
const wire = events.map(formatStreamEvent).join('');

describe('readStreamEvents', () => {
  it.each([1, 2, 7, 1000])('yields the contract events whatever the chunk size (%i characters)', async (size) => {
    expect(await collect(chunksOf(wire, size))).toEqual(parseStreamEvents(wire));
  });

  it('follows the SSE framing: CRLF and CR line ends (a CRLF split across chunks too), comments, no space after the colon, data over several lines', async () => {
    const text =
      ': keep-alive\r\n\r\n' +
      'event:delta\r\ndata:{"text":\r\ndata:"a"}\r\n\r\n' +
      'event: delta\rdata: {"text":"b"}\r\r' +
      'retry: 1000\nid: 7\nevent: delta\ndata: {"text":"c"}\n\n';
    // Between the CR and the LF that end "event:delta": read as two line ends, the event would lose its type.
    const cutInsideCrlf = text.indexOf('event:delta\r\n') + 'event:delta\r'.length;
    const chunks = (async function* () {
      yield text.slice(0, cutInsideCrlf);
      yield text.slice(cutInsideCrlf);
    })();

    expect(await collect(chunks)).toEqual([
      { event: 'delta', data: { text: 'a' } },
      { event: 'delta', data: { text: 'b' } },
      { event: 'delta', data: { text: 'c' } },
    ]);
  });

  it('skips event types it does not know and drops an event the stream did not finish', async () => {
    const text = `event: heartbeat\ndata: {}\n\ndata: {"untyped":true}\n\n${formatStreamEvent(events[1] as StreamEvent)}event: delta\ndata: {"text":"cut`;

    expect(await collect(chunksOf(text, 5))).toEqual([events[1]]);
  });

  it('throws StreamBrokenError on a known event whose payload breaks its schema, or is not JSON', async () => {
    await expect(collect(chunksOf('event: done\ndata: {"requestId":"r"}\n\n', 4))).rejects.toThrow(
      new StreamBrokenError('a "done" event breaks the stream contract (usage: Invalid input: expected object, received undefined)'),
    );
    await expect(collect(chunksOf('event: delta\ndata: {text\n\n', 4))).rejects.toBeInstanceOf(StreamBrokenError);
  });
});
