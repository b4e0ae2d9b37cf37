import { ApiError } from './api.js';
import { citedSpan, describeLocation, resolveMarkers, sentenceBefore, splitAnswer } from './answer-text.js';
import { element } from './element.js';
import { readServerSentEvents } from './sse.js';

/**
 * The conversation: each question streams its answer from `POST /query/stream` (shared/contracts/stream.ts),
 * follow-ups carry the session id the server gave, and each `[n]` marker opens the passage it cites.
 *
 * @typedef {{ marker?: number, documentId: string, key: string, title?: string, uri: string, excerpt: string,
 *   location: { start: number, end: number, page?: number, section?: string, chunkIndex?: number } }} Citation
 * @typedef {{ text: string, citations: Citation[], done: boolean }} AnswerState
 */

/** A stream that broke: an `error` event, or an event that is not what the contract says. */
class StreamBrokenError extends Error {}

/** @param {Citation} citation */
function documentName(citation) {
  return citation.title || citation.key.split('/').pop() || citation.key;
}

let turnIds = 0;

/** One question and its answer on the page. */
class TurnView {
  /** @param {string} question */
  constructor(question) {
    turnIds += 1;
    this.id = `turn-${turnIds}`;
    this.root = element('li', { className: 'turn', attrs: { id: this.id } });
    const asked = element('p', { className: 'question' });
    asked.append(element('span', { className: 'visually-hidden', text: 'You asked: ' }), question);
    this.rewritten = element('p', { className: 'note rewritten', attrs: { hidden: '' } });
    this.note = element('p', { className: 'note', attrs: { hidden: '' } });
    this.answer = element('div', { className: 'answer', attrs: { 'aria-busy': 'true', 'aria-label': 'Answer' } });
    this.answerText = element('p', { className: 'answer-text' });
    this.answer.append(this.answerText);
    this.status = element('p', { className: 'turn-status', text: 'Waiting for the answer…' });
    this.sources = element('ol', { className: 'sources', attrs: { 'aria-label': 'Sources', hidden: '' } });
    this.panel = element('section', { className: 'citation', attrs: { id: `${this.id}-source`, hidden: '', tabindex: '-1' } });
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.closeCitation();
    });
    this.root.append(asked, this.rewritten, this.note, this.answer, this.status, this.sources, this.panel);
    /** @type {Citation[]} */
    this.citations = [];
    /** @type {Map<number, number>} marker segment → citation */
    this.markerCitations = new Map();
    /** @type {Map<number, string>} citation → the answer's sentence that cites it */
    this.citedSentences = new Map();
    /** @type {string | undefined} `marker-<segment>` or `source-<marker>`: which button the open passage belongs to */
    this.openKey = undefined;
    /** @type {HTMLElement | undefined} */
    this.opener = undefined;
  }

  /** @param {string} text */
  showRewritten(text) {
    this.rewritten.hidden = false;
    this.rewritten.replaceChildren(element('span', { className: 'label', text: 'Searched as: ' }), `“${text}”`);
  }

  /** @param {string} text */
  showNote(text) {
    this.note.hidden = false;
    this.note.textContent = text;
  }

  /**
   * @param {string} text
   * @param {'progress' | 'done' | 'error'} kind
   */
  setStatus(text, kind) {
    this.status.textContent = text;
    this.status.className = `turn-status ${kind}`;
    if (kind === 'error') this.status.setAttribute('role', 'alert');
    else this.status.removeAttribute('role');
    if (kind !== 'progress') this.answer.setAttribute('aria-busy', 'false');
  }

  /** @param {AnswerState} state */
  render(state) {
    const segments = splitAnswer(state.text);
    this.citations = state.citations;
    this.markerCitations = resolveMarkers(segments, state.citations);
    this.citedSentences = new Map([...this.markerCitations].reverse().map(([segment, citation]) => [citation, sentenceBefore(segments, segment)]));
    /** @type {(Node | string)[]} */
    const nodes = [];
    for (const [i, segment] of segments.entries()) {
      if (segment.kind === 'marker') {
        if (segments[i - 1]?.kind !== 'text') nodes.push(this.markerNode(i, segment.marker));
        continue;
      }
      const next = segments[i + 1];
      if (next?.kind !== 'marker') {
        nodes.push(segment.text);
        continue;
      }
      // The word before a marker and the marker wrap together, so a marker never starts a line alone.
      const split = /\S+\s*$/.exec(segment.text)?.index ?? segment.text.length;
      const kept = element('span', { className: 'keep-together', text: segment.text.slice(split) });
      kept.append(this.markerNode(i + 1, next.marker));
      nodes.push(segment.text.slice(0, split), kept);
    }
    this.answerText.replaceChildren(...nodes);

    // One entry per source (marker number), however many of its passages the answer cites.
    /** @type {Map<number, number[]>} */
    const sources = new Map();
    this.citations.forEach((citation, i) => {
      const marker = citation.marker ?? i + 1;
      sources.set(marker, [...(sources.get(marker) ?? []), i]);
    });
    this.sources.hidden = sources.size === 0;
    this.sources.replaceChildren(
      ...[...sources].map(([marker, indexes]) => {
        const name = documentName(this.citations[indexes[0] ?? 0]);
        const button = this.citationButton(`source-${marker}`, indexes, marker, 'source-button', `[${marker}] ${name}`);
        button.setAttribute('aria-label', `Source ${marker}: ${name}${indexes.length > 1 ? `, ${indexes.length} passages` : ''}`);
        const item = element('li');
        item.append(button);
        return item;
      }),
    );
    if (this.openKey) {
      // The buttons were drawn anew: the open passage now belongs to the new one.
      const opener = this.root.querySelector(`[data-key="${this.openKey}"]`);
      if (opener instanceof HTMLElement) this.opener = opener;
      else this.closeCitation();
    }
  }

  /**
   * @param {number} segment the marker's index among the answer's segments
   * @param {number} marker
   */
  markerNode(segment, marker) {
    const citation = this.markerCitations.get(segment);
    if (citation === undefined) return element('span', { className: 'marker pending', text: `[${marker}]` });
    const button = this.citationButton(`marker-${segment}`, [citation], marker, 'marker', '');
    // The brackets stay in the text (copying the answer keeps them) but only the number shows.
    button.append(element('span', { className: 'visually-hidden', text: '[' }), String(marker), element('span', { className: 'visually-hidden', text: ']' }));
    button.setAttribute('aria-label', `Source ${marker}: ${documentName(this.citations[citation])}`);
    return button;
  }

  /**
   * @param {string} key
   * @param {number[]} citations
   * @param {number} marker
   * @param {string} className
   * @param {string} text
   */
  citationButton(key, citations, marker, className, text) {
    const button = element('button', {
      className,
      text,
      attrs: { type: 'button', 'data-key': key, 'data-marker': String(marker), 'aria-controls': this.panel.id, 'aria-expanded': String(this.openKey === key) },
    });
    button.addEventListener('click', () => (this.openKey === key ? this.closeCitation() : this.openCitation(key, citations, marker, button)));
    return button;
  }

  /**
   * Shows the cited passages: the document's name and key, where in it, each excerpt with the cited span marked.
   * @param {string} key
   * @param {number[]} citations
   * @param {number} marker
   * @param {HTMLElement} opener
   */
  openCitation(key, citations, marker, opener) {
    const shown = citations.flatMap((i) => (this.citations[i] ? [{ citation: this.citations[i], sentence: this.citedSentences.get(i) ?? '' }] : []));
    const first = shown[0]?.citation;
    if (!first) return;
    this.openKey = key;
    this.opener = opener;
    const close = element('button', { className: 'close', text: 'Close', attrs: { type: 'button', 'aria-label': `Close source ${marker}` } });
    close.addEventListener('click', () => this.closeCitation());
    const head = element('div', { className: 'citation-head' });
    head.append(element('h3', { text: `Source ${marker}: ${documentName(first)}` }), close);
    this.panel.replaceChildren(head);
    for (const { citation, sentence } of shown) {
      const span = citedSpan(citation.excerpt, citation.location, sentence);
      const quote = element('blockquote', { className: 'excerpt' });
      quote.append(
        citation.excerpt.slice(0, span.start),
        element('mark', { text: citation.excerpt.slice(span.start, span.end) }),
        citation.excerpt.slice(span.end),
      );
      const where = [`Document ${citation.key}`, describeLocation(citation.location)];
      if (citation.location.chunkIndex !== undefined) where.push(`chunk ${citation.location.chunkIndex + 1}`);
      this.panel.append(element('p', { className: 'citation-where', text: where.join(' · ') }), quote);
    }
    this.panel.setAttribute('aria-label', `Source ${marker}`);
    this.panel.hidden = false;
    this.syncExpanded();
    this.panel.focus();
  }

  closeCitation() {
    this.panel.hidden = true;
    this.openKey = undefined;
    this.syncExpanded();
    if (this.opener?.isConnected) this.opener.focus();
    this.opener = undefined;
  }

  syncExpanded() {
    for (const button of this.root.querySelectorAll('button[data-key]')) {
      button.setAttribute('aria-expanded', String(!this.panel.hidden && button.getAttribute('data-key') === this.openKey));
    }
  }
}

/**
 * @param {{ usage?: { inputTokens: number, outputTokens: number, costUsd: number }, model?: string, cached?: boolean,
 *   firstDeltaMs?: number, guardrail?: { blocked: boolean, action: string } }} done
 * @param {number} elapsedMs
 */
function summary(done, elapsedMs) {
  if (done.guardrail?.blocked) return 'The guardrail blocked this question.';
  const parts = [done.cached ? 'Answered from the cache' : `Answered by ${done.model ?? 'the model'} in ${(elapsedMs / 1000).toFixed(1)} s`];
  if (!done.cached && done.firstDeltaMs) parts.push(`first words after ${done.firstDeltaMs} ms`);
  if (done.usage) parts.push(`${done.usage.inputTokens + done.usage.outputTokens} tokens`);
  // The embedded models cost nothing: a column of zeros would only be noise.
  if (done.usage && done.usage.costUsd > 0) parts.push(`$${done.usage.costUsd.toFixed(5)}`);
  return parts.join(' · ');
}

/**
 * @param {{ api: import('./api.js').ApiClient, form: HTMLFormElement, question: HTMLTextAreaElement, ask: HTMLButtonElement,
 *   stop: HTMLButtonElement, newConversation: HTMLButtonElement, turns: HTMLOListElement, empty: HTMLElement,
 *   announce: (message: string) => void }} ui
 */
export function createConversation(ui) {
  /** @type {string | undefined} */
  let sessionId;
  /** @type {AbortController | undefined} */
  let running;

  const setBusy = (/** @type {boolean} */ busy) => {
    ui.ask.disabled = busy;
    ui.stop.hidden = !busy;
    ui.newConversation.disabled = busy || ui.turns.children.length === 0;
    ui.question.placeholder = ui.turns.children.length > 0 ? 'Ask a follow-up question…' : 'Ask a question about your documents…';
  };

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const question = ui.question.value.trim();
    if (!question || running) return;
    ui.question.value = '';
    void askQuestion(question);
  });
  // Enter sends, Shift+Enter makes a new line (and an IME composition is never cut short).
  ui.question.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.stop.addEventListener('click', () => running?.abort());
  ui.newConversation.addEventListener('click', () => {
    sessionId = undefined;
    ui.turns.replaceChildren();
    ui.empty.hidden = false;
    setBusy(false);
    ui.announce('New conversation: earlier questions are forgotten.');
    ui.question.focus();
  });
  setBusy(false);

  /** @param {string} question */
  async function askQuestion(question) {
    const turn = new TurnView(question);
    ui.empty.hidden = true;
    ui.turns.append(turn.root);
    turn.root.scrollIntoView({ block: 'nearest' });
    const controller = new AbortController();
    running = controller;
    setBusy(true);
    const sentSession = sessionId;
    /** @type {AnswerState} */
    const state = { text: '', citations: [], done: false };
    const started = performance.now();
    try {
      const response = await ui.api.request('/query/stream', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ question, ...(sentSession ? { sessionId: sentSession } : {}) }),
        signal: controller.signal,
      });
      if (!response.body || !/^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '')) {
        throw new StreamBrokenError('the service did not answer with an event stream');
      }
      turn.setStatus('Answering…', 'progress');
      for await (const message of readServerSentEvents(response.body)) {
        /** @type {any} */
        let data;
        try {
          data = JSON.parse(message.data);
        } catch {
          throw new StreamBrokenError(`the “${message.event}” event was not valid JSON`);
        }
        switch (message.event) {
          case 'meta':
            if (sentSession && data.sessionId !== sentSession) turn.showNote('The earlier conversation had expired, so this question started a new one.');
            sessionId = data.sessionId;
            if (data.rewrittenQuestion) turn.showRewritten(data.rewrittenQuestion);
            break;
          case 'delta':
            state.text += String(data.text ?? '');
            turn.render(state);
            break;
          case 'replace':
            state.text = String(data.text ?? '');
            turn.showNote('The guardrail replaced the answer that was streaming.');
            turn.render(state);
            break;
          case 'citations':
            state.citations = Array.isArray(data.citations) ? data.citations : [];
            turn.render(state);
            break;
          case 'done':
            state.done = true;
            if (data.sessionId) sessionId = data.sessionId;
            turn.setStatus(summary(data, performance.now() - started), 'done');
            break;
          case 'error':
            throw new StreamBrokenError(`the service stopped with an error (${data.error?.message ?? data.error?.code ?? 'no reason given'})`);
          default:
            // An event type this page does not know yet: newer servers may add some.
            break;
        }
        if (state.done) break;
      }
      if (!state.done) throw new StreamBrokenError('the connection closed before the answer was finished');
      ui.announce('The answer is complete.');
    } catch (error) {
      turn.setStatus(failureMessage(error, state.text.length > 0), 'error');
      if (error instanceof ApiError && !ui.question.value) ui.question.value = question;
      ui.announce(turn.status.textContent ?? '');
    } finally {
      running = undefined;
      setBusy(false);
    }
  }
}

/**
 * @param {unknown} error
 * @param {boolean} partial some text arrived before it broke
 */
function failureMessage(error, partial) {
  const incomplete = partial ? 'The answer above is incomplete' : 'The answer is incomplete (nothing arrived)';
  if (error instanceof DOMException && error.name === 'AbortError') return `Stopped. ${incomplete}.`;
  if (error instanceof ApiError) return error.userMessage;
  if (error instanceof StreamBrokenError) return `${incomplete}: ${error.message}.`;
  // fetch's body reader fails with a TypeError when the connection drops mid-stream.
  return `${incomplete}: the connection broke (${error instanceof Error ? error.message : String(error)}).`;
}
