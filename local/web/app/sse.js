/**
 * Server-Sent Events read from a fetch body: `EventSource` cannot POST a question, so the page reads
 * the stream itself. Parsing follows the HTML standard's rules: a line ends in CRLF, LF or CR; a blank
 * line dispatches the message; `:` starts a comment; one space after a field's colon is dropped; data
 * lines join with LF; and a message not closed by a blank line when the stream ends is discarded, which
 * is what makes a cut-off stream detectable.
 *
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ event: string, data: string }, void, undefined>}
 */
export async function* readServerSentEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let eventType = '';
  /** @type {string[]} */
  let data = [];
  let finished = false;
  try {
    while (!finished) {
      const { value, done } = await reader.read();
      finished = done;
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      for (;;) {
        const end = lineEnd(buffer, start);
        if (end === -1) break;
        // A CR at the very end may be the first half of a CRLF split across two reads.
        if (buffer[end] === '\r' && end === buffer.length - 1 && !finished) break;
        const line = buffer.slice(start, end);
        start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
        if (line === '') {
          if (data.length > 0) yield { event: eventType || 'message', data: data.join('\n') };
          eventType = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const fieldValue = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
          if (field === 'event') eventType = fieldValue;
          else if (field === 'data') data.push(fieldValue);
        }
      }
      buffer = buffer.slice(start);
    }
  } finally {
    // The consumer stopped early (an error event, the Stop button): close the connection too.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * @param {string} text
 * @param {number} from
 */
function lineEnd(text, from) {
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === '\n' || text[i] === '\r') return i;
  }
  return -1;
}
