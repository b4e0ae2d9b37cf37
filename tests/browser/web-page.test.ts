import { describeInBrowser as inBrowser, launchChromium } from '../helpers/browser';
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { formatStreamEvent, parseStreamEvents, type StreamEvent } from '../../shared/contracts/stream';
import { DEV_AUTHORIZATION } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * The query page (local/web) driven in headless Chromium against the local runtime: uploads through the
 * page, a streamed answer, a citation opened, a follow-up in the same conversation, and every error the
 * page must explain (API responses stubbed in the browser for those). Screenshots go to ./screenshots.
 *
 * Without /usr/bin/chromium the file skips with one line, unless CI=true or RAG_REQUIRE_BROWSER=1, when a
 * missing browser fails (CI never skips): `apt-get install -y chromium` provides it.
 */
const describeInBrowser = inBrowser();

const fixtures = path.resolve(__dirname, '../fixtures/documents');
const screenshots = path.resolve(__dirname, 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 780 };

/** What the tests read inside the page (tests/browser/page-probes.js); typed here, since the tests have no DOM types. */
interface Probes {
  uploadStatuses(): Record<string, string[]>;
  streams(): { text: string; reads: number; complete: boolean }[];
  answerTexts(): string[];
  unnamedControls(): string[];
  focused(): { id: string; outline: string; outlineWidth: string } | undefined;
  isFocused(selector: string): boolean;
  horizontalOverflow(): number;
  dataTransferOf(name: string, base64: string, type: string): unknown;
  token(): string | null;
  readSse(text: string, sizes: number[]): Promise<{ event: string; data: unknown }[][]>;
}
type ProbedWindow = { probes: Probes };
const probesScript = { path: path.resolve(__dirname, 'page-probes.js') };

interface PageProblems {
  errors: string[];
}

/** A page on the service, with the page's own errors collected (a 4xx the page explains is not one). */
async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of [45]\d\d/.test(message.text())) {
      problems.errors.push(`console: ${message.text()}`);
    }
  });
  await page.goto(url);
  await page.waitForSelector('body.ready');
  return { page, problems };
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** Drops a file on the drop zone the way a browser does: dragenter, dragover, drop with a DataTransfer. */
async function dropFile(page: Page, file: string, type: string): Promise<void> {
  const base64 = (await readFile(path.join(fixtures, file))).toString('base64');
  const dataTransfer = await page.evaluateHandle(
    ({ name, base64, type }) => (globalThis as unknown as ProbedWindow).probes.dataTransferOf(name, base64, type),
    { name: file, base64, type },
  );
  for (const event of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('#drop-zone', event, { dataTransfer });
}

/** Waits until the newest turn has finished, and says how. */
async function lastTurnOutcome(page: Page): Promise<{ ok: boolean; status: string }> {
  const status = page.locator('.turn').last().locator('.turn-status.done, .turn-status.error');
  await status.waitFor({ timeout: 60_000 });
  return { ok: (await status.getAttribute('class'))?.includes('done') ?? false, status: (await status.textContent()) ?? '' };
}

/** An SSE body as the server would send it, from contract events. */
const sse = (events: StreamEvent[]): string => events.map(formatStreamEvent).join('');
const meta: StreamEvent = { event: 'meta', data: { requestId: 'r-1', model: 'stub-model', promptVersion: 'v1', sessionId: 'session-stub-1', cached: false } };

/** The local development token, in this tab's storage before the page's scripts run (as if typed once). */
const devTokenScript = (): void => {
  if (!sessionStorage.getItem('rag.bearerToken')) sessionStorage.setItem('rag.bearerToken', 'dev');
};

/** Answers one route of the API with a JSON error, as the service does. */
const jsonError =
  (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  (route: Route) =>
    route.fulfill({
      status,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ error: { code, message }, requestId: 'req-stub' }),
    });

describeInBrowser('the query page in Chromium', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let desktop: BrowserContext;

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    const temp = await tempConfig({ RAG_WATCH: 'off' });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0 });
    browser = await launchChromium();
    desktop = await browser.newContext({ viewport: DESKTOP });
    await desktop.addInitScript(probesScript);
    await desktop.addInitScript(devTokenScript);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await cleanup?.();
  });

  // One person's session, step by step: each test goes on from where the one before left the page.
  describe('against the local service', () => {
    let page: Page;
    let problems: PageProblems;

    beforeAll(async () => {
      ({ page, problems } = await openPage(desktop, runtime.url));
    });

    afterEach(() => {
      expect(problems.errors.splice(0)).toEqual([]);
    });

    it('uploads a picked file and a dropped one and shows each go PENDING → INDEXED, or FAILED with its reason', async () => {
      await page.setInputFiles('#file-input', path.join(fixtures, 'library-hours.txt'));
      await dropFile(page, 'whitespace-only.txt', 'text/plain');

      const indexed = page.locator('.upload[data-file="library-hours.txt"]');
      await indexed.and(page.locator('[data-status="INDEXED"]')).waitFor({ timeout: 60_000 });
      await expect(indexed.textContent()).resolves.toMatch(/INDEXED\s*\d+ chunks?/);
      const failed = page.locator('.upload[data-file="whitespace-only.txt"]');
      await failed.and(page.locator('[data-status="FAILED"]')).waitFor({ timeout: 60_000 });
      await expect(failed.locator('.upload-detail').textContent()).resolves.toMatch(/UnsupportedDocumentError: \S+/);

      const statuses = await page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.uploadStatuses());
      expect(statuses['library-hours.txt']).toEqual(['UPLOADING', 'PENDING', 'INDEXED']);
      expect(statuses['whitespace-only.txt']).toEqual(['UPLOADING', 'PENDING', 'FAILED']);

      // The documents list: status, chunk count, the failure's reason, re-drive only where it can help.
      const listed = page.locator('#document-list .document[data-status="INDEXED"]', { hasText: 'library-hours.txt' });
      await listed.waitFor();
      await expect(listed.locator('.chunk-count').textContent()).resolves.toMatch(/^[1-9]\d* chunks?$/);
      await expect(listed.getByRole('button', { name: 'Re-drive library-hours.txt' }).count()).resolves.toBe(0);
      const failedRow = page.locator('#document-list .document[data-status="FAILED"]', { hasText: 'whitespace-only.txt' });
      await expect(failedRow.locator('.failure').textContent()).resolves.toMatch(/UnsupportedDocumentError/);
      await expect(failedRow.getByRole('button', { name: 'Re-drive whitespace-only.txt' }).isEnabled()).resolves.toBe(true);
      await shoot(page, 'desktop-1-uploads');
    }, 120_000);

    it('re-drives a failed document and deletes it from the list', async () => {
      const failedRow = page.locator('#document-list .document', { hasText: 'whitespace-only.txt' });
      const redrive = page.waitForRequest((r) => r.method() === 'POST' && /\/documents\/[0-9a-f]{32}\/redrive$/.test(r.url()));
      await failedRow.getByRole('button', { name: 'Re-drive whitespace-only.txt' }).click();
      await redrive;
      await page.locator('#document-list .document[data-status="FAILED"]', { hasText: 'whitespace-only.txt' }).waitFor({ timeout: 60_000 });

      page.once('dialog', (dialog) => void dialog.accept());
      await page.locator('#document-list .document', { hasText: 'whitespace-only.txt' }).getByRole('button', { name: 'Delete whitespace-only.txt' }).click();
      await page.locator('#document-list .document', { hasText: 'whitespace-only.txt' }).waitFor({ state: 'detached', timeout: 60_000 });
      const listing = (await (await fetch(`${runtime.url}/documents`, { headers: { authorization: DEV_AUTHORIZATION } })).json()) as {
        documents: { key: string }[];
      };
      expect(listing.documents.map((d) => d.key)).toEqual(['default/library-hours.txt']);
    }, 120_000);

    it('streams an answer in more than one step, opens its citation, and answers a follow-up in the same conversation', async () => {
      const streamBodies: Record<string, unknown>[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/query/stream')) streamBodies.push(JSON.parse(r.postData() ?? '{}'));
      });
      /** The SSE text of the n-th stream the page read, once it has ended. */
      const streamText = async (n: number) => {
        const handle = await page.waitForFunction((i) => {
          const copy = (globalThis as unknown as ProbedWindow).probes.streams()[i];
          return copy?.complete ? copy.text : undefined;
        }, n);
        return (await handle.jsonValue()) as string;
      };

      await page.getByLabel('Your question').fill('Until what time is the library open on Thursdays?');
      await page.getByLabel('Your question').press('Enter');
      const first = await lastTurnOutcome(page);
      expect(first).toEqual({ ok: true, status: expect.stringMatching(/^Answered/) });

      const answer = (await page.locator('.turn').last().locator('.answer-text').textContent()) ?? '';
      expect(answer).toContain('20:00');
      const steps = await page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.answerTexts());
      expect(steps.length).toBeGreaterThan(1);
      for (const step of steps) expect(answer.startsWith(step)).toBe(true);

      // The server's stream is the contract's: every event validates, in order, ending in done.
      const firstEvents = parseStreamEvents(await streamText(0));
      expect(firstEvents.map((e) => e.event)).toEqual(expect.arrayContaining(['meta', 'delta', 'citations', 'done']));
      expect(firstEvents.at(-1)?.event).toBe('done');
      const sessionId = firstEvents.find((e) => e.event === 'done')?.data as { sessionId: string };

      // A marker opens the passage it cites: the document, where in it, the cited span highlighted.
      const marker = page.locator('.turn').last().locator('.answer-text .keep-together', { hasText: 'Thursdays.' }).locator('button.marker');
      await marker.click();
      const source = page.locator('.turn').last().locator('.citation');
      await expect(source.isVisible()).resolves.toBe(true);
      await expect(marker.getAttribute('aria-expanded')).resolves.toBe('true');
      await expect(source.locator('h3').textContent()).resolves.toContain('library-hours.txt');
      await expect(source.locator('.citation-where').textContent()).resolves.toMatch(/default\/library-hours\.txt · characters \d+–\d+/);
      await expect(source.locator('mark').textContent()).resolves.toContain('until 20:00 on Thursdays');
      await shoot(page, 'desktop-2-answer-with-source');
      // Escape closes it and gives focus back to the marker.
      await page.keyboard.press('Escape');
      await expect(source.isHidden()).resolves.toBe(true);
      const markerSelector = `.turn:last-child button[data-key="${await marker.getAttribute('data-key')}"]`;
      await expect(page.evaluate((selector) => (globalThis as unknown as ProbedWindow).probes.isFocused(selector), markerSelector)).resolves.toBe(true);

      await page.getByLabel('Your question').fill('And on Saturdays?');
      await page.getByRole('button', { name: 'Ask', exact: true }).click();
      const second = await lastTurnOutcome(page);
      expect(second).toEqual({ ok: true, status: expect.stringMatching(/^Answered/) });
      expect(streamBodies).toEqual([
        { question: 'Until what time is the library open on Thursdays?' },
        { question: 'And on Saturdays?', sessionId: sessionId.sessionId },
      ]);
      const secondEvents = parseStreamEvents(await streamText(1));
      const secondMeta = secondEvents.find((e) => e.event === 'meta')?.data as { sessionId: string; rewrittenQuestion?: string };
      expect(secondMeta.sessionId).toBe(sessionId.sessionId);
      const followUp = page.locator('.turn').last();
      await expect(followUp.locator('.answer-text').textContent()).resolves.toContain('13:00');
      await expect(followUp.locator('.source-button').first().textContent()).resolves.toContain('library-hours.txt');
      if (secondMeta.rewrittenQuestion) {
        await expect(followUp.locator('.rewritten').textContent()).resolves.toBe(`Searched as: “${secondMeta.rewrittenQuestion}”`);
      }
      await expect(page.locator('.turn').count()).resolves.toBe(2);
      await shoot(page, 'desktop-3-follow-up');

      // A new conversation forgets the session.
      await page.getByRole('button', { name: 'New conversation' }).click();
      await expect(page.locator('.turn').count()).resolves.toBe(0);
      await page.getByLabel('Your question').fill('Until what time is the library open on Thursdays?');
      await page.getByLabel('Your question').press('Enter');
      await lastTurnOutcome(page);
      expect(streamBodies[2]).toEqual({ question: 'Until what time is the library open on Thursdays?' });
    }, 180_000);

    it('names every control, shows focus, and reaches them all from the keyboard', async () => {
      await expect(page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.unnamedControls())).resolves.toEqual([]);

      await page.locator('body').focus();
      const reached = new Set<string>();
      for (let i = 0; i < 40; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.focused());
        if (!focused) continue;
        reached.add(focused.id);
        expect({ id: focused.id, outline: focused.outline }).toEqual({ id: focused.id, outline: 'solid' });
      }
      for (const id of ['question', 'ask', 'file-input', 'status-filter', 'refresh-documents', 'token-button']) expect(reached).toContain(id);
    }, 60_000);

    it('fits a 360 px wide phone screen', async () => {
      const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      await phone.addInitScript(probesScript);
      await phone.addInitScript(devTokenScript);
      try {
        const { page: small, problems: smallProblems } = await openPage(phone, runtime.url);
        await small.locator('#document-list .document').first().waitFor();
        await small.getByLabel('Your question').fill('Until what time is the library open on Thursdays?');
        await small.getByRole('button', { name: 'Ask', exact: true }).click();
        await expect(lastTurnOutcome(small)).resolves.toMatchObject({ ok: true });
        await small.locator('.turn .answer-text button.marker').first().click();
        const overflow = await small.evaluate(() => (globalThis as unknown as ProbedWindow).probes.horizontalOverflow());
        expect(overflow).toBe(0);
        await small.screenshot({ path: path.join(screenshots, 'phone-1-answer.png') });
        await shoot(small, 'phone-2-full-page');
        expect(smallProblems.errors).toEqual([]);
      } finally {
        await phone.close();
      }
    }, 120_000);
  });

  describe('explains what went wrong (API answers stubbed in the browser)', () => {
    let context: BrowserContext;
    let problems: PageProblems;
    const open = async () => {
      const opened = await openPage(context, runtime.url);
      problems = opened.problems;
      return opened.page;
    };

    beforeEach(async () => {
      context = await browser.newContext({ viewport: DESKTOP });
      await context.addInitScript(probesScript);
      await context.addInitScript(devTokenScript);
      problems = { errors: [] };
    });

    afterEach(async () => {
      await context.close();
      expect(problems.errors).toEqual([]);
    });

    const ask = async (page: Page, question = 'Until what time is the library open on Thursdays?') => {
      await page.getByLabel('Your question').fill(question);
      await page.getByLabel('Your question').press('Enter');
      return lastTurnOutcome(page);
    };

    it('asks for a bearer token once on the service’s own 401, keeps it for the tab and sends it', async () => {
      // A tab with no token yet: the local service itself answers 401 until the development token is given.
      const fresh = await browser.newContext({ viewport: DESKTOP });
      await fresh.addInitScript(probesScript);
      try {
        const seen: (string | undefined)[] = [];
        fresh.on('request', (request) => {
          if (new URL(request.url()).pathname === '/documents') seen.push(request.headers().authorization);
        });
        const page = await fresh.newPage();
        await page.goto(runtime.url);
        const dialog = page.getByRole('dialog', { name: 'Bearer token' });
        await dialog.waitFor();
        await expect(dialog.textContent()).resolves.toContain('answered 401');
        await shoot(page, 'desktop-4-token-prompt');
        await page.getByLabel('Token', { exact: true }).fill('dev');
        await page.keyboard.press('Enter');
        await page.locator('#document-list .document').first().waitFor();
        expect(seen).toEqual([undefined, 'Bearer dev']);
        await expect(page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.token())).resolves.toBe('dev');
        await expect(page.getByRole('button', { name: 'Forget token' }).isVisible()).resolves.toBe(true);

        // The next request carries it without asking again, also after a reload of the tab.
        await page.reload();
        await page.locator('#document-list .document').first().waitFor();
        expect(seen.at(-1)).toBe('Bearer dev');
        await expect(dialog.isVisible()).resolves.toBe(false);
      } finally {
        await fresh.close();
      }
    }, 60_000);

    it('says access is denied on a 403', async () => {
      await context.route('**/query/stream', jsonError(403, 'ForbiddenError', 'The identity carries no valid tenant'));
      const page = await open();
      await expect(ask(page)).resolves.toEqual({ ok: false, status: expect.stringMatching(/^Access denied \(403\)/) });
    });

    it('says a file is too large on a 413, with the limit from the message', async () => {
      await context.route(
        '**/documents/content/**',
        jsonError(413, 'PayloadTooLargeError', 'Upload is 5000000 bytes, above the limit of 4613734; put larger files into the documents bucket directly'),
      );
      const page = await open();
      await page.setInputFiles('#file-input', path.join(fixtures, 'library-hours.txt'));
      const upload = page.locator('.upload[data-file="library-hours.txt"][data-status="NOT UPLOADED"]');
      await upload.waitFor();
      await expect(upload.locator('.upload-detail').textContent()).resolves.toBe(
        'The file is too large (413): uploads are limited to 4.4 MiB. Put larger files into the documents bucket directly.',
      );
      await shoot(page, 'desktop-5-upload-too-large');
    });

    it('says when to try again on a 429, from Retry-After', async () => {
      await context.route('**/query/stream', jsonError(429, 'ThrottlingError', 'The models are throttled', { 'retry-after': '7' }));
      const page = await open();
      await expect(ask(page)).resolves.toEqual({ ok: false, status: 'Too many requests (429): the models are busy. Try again in 7 seconds.' });
      // The question is kept, ready to send again.
      await expect(page.getByLabel('Your question').inputValue()).resolves.toBe('Until what time is the library open on Thursdays?');
    });

    it('says the service is unavailable on a 503', async () => {
      await context.route(
        (url) => url.pathname === '/documents',
        jsonError(503, 'DependencyUnavailableError', 'The vector store is unavailable', { 'retry-after': '2' }),
      );
      const page = await open();
      await expect(page.locator('#document-list-status').textContent()).resolves.toBe(
        'Could not load the documents. The service is unavailable (503): it is starting or a dependency is down. Try again in 2 seconds.',
      );
    });

    it('keeps the partial answer and says it is incomplete when the stream sends an error event', async () => {
      const body = sse([
        meta,
        { event: 'delta', data: { text: 'The library is open ' } },
        { event: 'error', data: { error: { code: 'DependencyUnavailableError', message: 'The model stopped answering' }, requestId: 'r-1' } },
      ]);
      await context.route('**/query/stream', (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body }));
      const page = await open();
      await expect(ask(page)).resolves.toEqual({
        ok: false,
        status: 'The answer above is incomplete: the service stopped with an error (The model stopped answering).',
      });
      await expect(page.locator('.turn .answer-text').textContent()).resolves.toBe('The library is open ');
      await shoot(page, 'desktop-6-broken-stream');
    });

    it('says the answer is incomplete when the stream ends without done', async () => {
      const body = sse([meta, { event: 'delta', data: { text: 'The library is open until' } }]);
      await context.route('**/query/stream', (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body }));
      const page = await open();
      await expect(ask(page)).resolves.toEqual({
        ok: false,
        status: 'The answer above is incomplete: the connection closed before the answer was finished.',
      });
    });

    it('says so when the server started a new session instead of continuing the one the page sent', async () => {
      const sent: unknown[] = [];
      let n = 0;
      await context.route('**/query/stream', (route) => {
        sent.push(route.request().postDataJSON());
        n += 1;
        const sessionId = `session-stub-${n}`;
        const body = sse([
          { event: 'meta', data: { ...meta.data, sessionId } as never },
          { event: 'delta', data: { text: 'An answer.' } },
        ]);
        return route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
      });
      const page = await open();
      await ask(page, 'First question?');
      await ask(page, 'A follow-up?');
      expect(sent).toEqual([{ question: 'First question?' }, { question: 'A follow-up?', sessionId: 'session-stub-1' }]);
      await expect(page.locator('.turn').last().locator('.note:not(.rewritten)').textContent()).resolves.toBe(
        'The earlier conversation had expired, so this question started a new one.',
      );
    });

    it('replaces the streamed text when the guardrail intervenes, and links every marker to its citation', async () => {
      const citation = {
        marker: 1,
        documentId: 'a'.repeat(32),
        uri: 'default/handbook.pdf',
        key: 'default/handbook.pdf',
        excerpt: 'Intro. Expense reports are due within 30 days. More text follows here.',
        location: { start: 100, end: 142, page: 3, section: 'Expenses' },
      };
      const body = sse([
        meta,
        { event: 'delta', data: { text: 'Something the guardrail will not allow' } },
        { event: 'replace', data: { text: 'Expense reports are due within 30 days. [1]', reason: 'guardrail' } },
        { event: 'citations', data: { citations: [citation] } },
        {
          event: 'done',
          data: {
            requestId: 'r-1',
            usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.0001 },
            guardrail: { action: 'INTERVENED', blocked: false },
            model: 'stub-model',
            fallbackUsed: false,
            cached: false,
            sessionId: 'session-stub-1',
            firstDeltaMs: 5,
          },
        },
      ]);
      await context.route('**/query/stream', (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body }));
      const page = await open();
      await expect(ask(page)).resolves.toMatchObject({ ok: true });
      await expect(page.locator('.turn .answer-text').textContent()).resolves.toBe('Expense reports are due within 30 days. [1]');
      await expect(page.locator('.turn .note:not(.rewritten)').textContent()).resolves.toBe('The guardrail replaced the answer that was streaming.');
      await page.getByRole('button', { name: 'Source 1: handbook.pdf' }).first().click();
      const source = page.locator('.turn .citation');
      await expect(source.locator('.citation-where').textContent()).resolves.toBe(
        'Document default/handbook.pdf · page 3 · section “Expenses” · characters 100–142',
      );
      // The excerpt is longer than the cited span: the answer's sentence is what is highlighted.
      await expect(source.locator('mark').textContent()).resolves.toBe('Expense reports are due within 30 days.');
    });
  });

  describe('the SSE reader (local/web/app/sse.js) in the browser', () => {
    it('reads the contract’s events however the bytes are split, and drops a message cut off at the end', async () => {
      const events: StreamEvent[] = [
        {
          event: 'meta',
          data: { requestId: 'r', model: 'm', promptVersion: 'v1', sessionId: 'session-1', cached: false, rewrittenQuestion: 'When is it open?' },
        },
        { event: 'delta', data: { text: 'Öffnungszeiten: 09:00–18:00 ✓ 📚\nnext line' } },
        { event: 'delta', data: { text: ' [1]' } },
        { event: 'citations', data: { citations: [] } },
      ];
      const text = sse(events);
      const expected = parseStreamEvents(text).map((e) => ({ event: e.event, data: e.data }));
      const context = await browser.newContext();
      await context.addInitScript(probesScript);
      try {
        const page = await context.newPage();
        await page.goto(runtime.url);
        const crlf = text.replaceAll('\n\n', '\r\n\r\n').replace(/\n(?=data:)/g, '\r\n');
        const read = (body: string, sizes: number[]) =>
          page.evaluate(([b, s]) => (globalThis as unknown as ProbedWindow).probes.readSse(b, s), [body, sizes] as const);
        const [whole, byteByByte, bySeven] = await read(text, [0, 1, 7]);
        const [crlfByteByByte] = await read(crlf, [1]);
        const [withComment] = await read(`: keep-alive\n\n${text}`, [5]);
        const [truncated] = await read(text.slice(0, -1), [0]);
        const results = { whole, byteByByte, bySeven, crlfByteByByte, withComment, truncated };
        expect(results.whole).toEqual(expected);
        expect(results.byteByByte).toEqual(expected);
        expect(results.bySeven).toEqual(expected);
        expect(results.crlfByteByByte).toEqual(expected);
        expect(results.withComment).toEqual(expected);
        expect(results.truncated).toEqual(expected.slice(0, -1));
      } finally {
        await context.close();
      }
    });
  });
});
