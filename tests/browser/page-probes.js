/**
 * What the browser tests read inside the page, installed as an init script (before the page's own scripts) and
 * kept in plain JavaScript so that the Node-side test needs no DOM types: `globalThis.probes`.
 * Type-checked with the page: npx tsc -p local/web/tsconfig.json
 */
(() => {
  /** @type {Record<string, string[]>} every status each upload showed, in order */
  const uploadStatuses = {};
  /** @type {string[]} the newest answer's text after each batch of DOM changes */
  const answerTexts = [];

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      // An upload appears (added with its first status) and then changes status.
      for (const node of [record.target, ...record.addedNodes]) {
        if (!(node instanceof Element && node.matches('.upload'))) continue;
        const name = node.getAttribute('data-file') ?? '';
        const status = node.getAttribute('data-status') ?? '';
        uploadStatuses[name] ??= [];
        const seen = uploadStatuses[name];
        if (seen[seen.length - 1] !== status) seen.push(status);
      }
    }
    // One entry per batch: text that arrives in several steps leaves several entries.
    const answers = document.querySelectorAll('.turn .answer-text');
    const text = answers[answers.length - 1]?.textContent ?? '';
    if (text && answerTexts[answerTexts.length - 1] !== text) answerTexts.push(text);
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });

  /** @type {{ text: string, reads: number, complete: boolean }[]} every `POST /query/stream` body, copied off the page's own stream as it arrived */
  const streams = [];
  const pageFetch = globalThis.fetch.bind(globalThis);
  // DevTools cannot give back the body of a response the page read as a stream, so the test gets a tee of it.
  globalThis.fetch = async (input, init) => {
    const response = await pageFetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.endsWith('/query/stream') || !response.body) return response;
    const [forPage, forTest] = response.body.tee();
    const copy = { text: '', reads: 0, complete: false };
    streams.push(copy);
    void (async () => {
      const reader = forTest.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) break;
        copy.reads += 1;
        copy.text += decoder.decode(value, { stream: true });
      }
      copy.complete = true;
    })();
    return new Response(forPage, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  /** @param {Element} el */
  const accessibleName = (el) => {
    const labels = el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement ? [...(el.labels ?? [])] : [];
    return (el.getAttribute('aria-label') || labels.map((l) => l.textContent).join(' ') || el.textContent || '').trim();
  };

  /**
   * @param {string} text
   * @param {number[]} sizes chunk sizes in bytes (0: one chunk)
   */
  const readSse = async (text, sizes) => {
    /** @type {{ readServerSentEvents: (body: ReadableStream<Uint8Array>) => AsyncGenerator<{ event: string, data: string }> }} */
    const { readServerSentEvents } = await import(`${location.origin}/app/sse.js`);
    const bytes = new TextEncoder().encode(text);
    const results = [];
    for (const size of sizes) {
      const chunks = size === 0 ? [bytes] : Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size));
      const body = new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      });
      const events = [];
      for await (const message of readServerSentEvents(body)) events.push({ event: message.event, data: JSON.parse(message.data) });
      results.push(events);
    }
    return results;
  };

  Object.assign(globalThis, {
    probes: {
      uploadStatuses: () => uploadStatuses,
      streams: () => streams,
      answerTexts: () => answerTexts,
      /** Visible controls with no accessible name (label, aria-label or text). */
      unnamedControls: () =>
        [...document.querySelectorAll('button, input, select, textarea, a[href]')]
          .filter((el) => !el.closest('[hidden], dialog:not([open])') && accessibleName(el) === '')
          .map((el) => el.outerHTML.slice(0, 100)),
      /** The focused control and the outline it shows (a hidden file input shows it on its label). */
      focused: () => {
        const el = document.activeElement;
        if (!(el instanceof HTMLElement) || el === document.body) return undefined;
        const shown = el instanceof HTMLInputElement && el.type === 'file' && el.nextElementSibling ? el.nextElementSibling : el;
        const style = getComputedStyle(shown);
        return { id: el.id || accessibleName(el) || el.tagName, outline: style.outlineStyle, outlineWidth: style.outlineWidth };
      },
      /** @param {string} selector */
      isFocused: (selector) => document.activeElement === document.querySelector(selector),
      horizontalOverflow: () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      /**
       * @param {string} name
       * @param {string} base64
       * @param {string} type
       */
      dataTransferOf: (name, base64, type) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
        return transfer;
      },
      token: () => sessionStorage.getItem('rag.bearerToken'),
      readSse,
    },
  });
})();
