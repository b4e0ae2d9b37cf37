import { describeInBrowser as inBrowser, launchChromium } from '../helpers/browser';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, BrowserContextOptions, Page, Route } from 'playwright-core';
import { LocalAuth } from '../../local/auth';
import { createLocalServer } from '../../local/server';
import type { MetricsResponse, StageLatency, UsageFigures, UsageResponse, UsageRow } from '../../shared/contracts/usage';

/**
 * The usage panel of the query page (local/web/app/usage.js) in headless Chromium. `/usage` and `/metrics` are
 * answered in the browser with fixtures typed against shared/contracts/usage.ts, so the panel is tested apart
 * from the server's figures; the page itself comes from the local server (its CSP applies). Screenshots go to
 * ./screenshots.
 *
 * Without /usr/bin/chromium the file skips with one line, unless CI=true or RAG_REQUIRE_BROWSER=1 (as web-page.test.ts).
 */
const describeInBrowser = inBrowser();

const screenshots = path.resolve(__dirname, 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 780 };
const probesScript = { path: path.resolve(__dirname, 'page-probes.js') };

interface Probes {
  unnamedControls(): string[];
  horizontalOverflow(): number;
}
type ProbedWindow = { probes: Probes };
/** The little of the DOM the tests read in the page (the tests are compiled without DOM types). */
interface PageElement {
  id: string;
  tagName: string;
  getAttribute(name: string): string | null;
}
interface PageWindow {
  document: { activeElement: PageElement | null; body: PageElement };
  getComputedStyle(element: unknown): { color: string; outlineStyle: string };
}
const probes = (page: Page) => ({
  unnamedControls: () => page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.unnamedControls()),
  horizontalOverflow: () => page.evaluate(() => (globalThis as unknown as ProbedWindow).probes.horizontalOverflow()),
});

// Noon UTC on 1 Dec 2026: the last 14 UTC days are 18 Nov to 1 Dec.
const NOW = '2026-12-01T12:00:00Z';
const FROM = '2026-11-18';
const TO = '2026-12-01';

const figures = (over: Partial<UsageFigures>): UsageFigures => ({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  unpricedCalls: 0,
  estimatedCalls: 0,
  throttles: 0,
  cacheHits: 0,
  ...over,
});
const ROWS: UsageRow[] = [
  { key: '2026-11-20', ...figures({ calls: 3, inputTokens: 1000, outputTokens: 200, costUsd: 0.005, cacheHits: 1 }) },
  { key: '2026-11-25', ...figures({ calls: 10, inputTokens: 8000, outputTokens: 1500, costUsd: 0.02, unpricedCalls: 2, estimatedCalls: 1, throttles: 3 }) },
  { key: '2026-11-30', ...figures({ calls: 1, inputTokens: 345, outputTokens: 45, costUsd: 0.00005 }) },
  { key: '2026-12-01', ...figures({ calls: 4, inputTokens: 3000, outputTokens: 600, costUsd: 0.02055 }) },
];

/** The sums of the rows, as the server reports them. */
function totalsOf(rows: UsageRow[]): UsageFigures {
  const sum = figures({});
  for (const row of rows) for (const name of Object.keys(sum) as (keyof UsageFigures)[]) sum[name] += row[name];
  return sum;
}

function usageFixture(over: Partial<UsageResponse> = {}): UsageResponse {
  const rows = over.rows ?? ROWS;
  return {
    tenant: 'default',
    from: FROM,
    to: TO,
    groupBy: 'day',
    rows,
    totals: totalsOf(rows),
    budget: { limitUsd: 1, limitTokens: 100_000, usedUsd: 0.85, usedTokens: 12_000, state: 'warning', resetsAt: '2026-12-02T00:00:00.000Z' },
    retentionDays: 90,
    partial: rows.some((r) => r.unpricedCalls > 0 || r.estimatedCalls > 0),
    ...over,
  };
}

const STAGES: StageLatency[] = [
  { stage: 'GuardInput', count: 20, p50Ms: 3, p90Ms: 5.5, p99Ms: 9, maxMs: 12 },
  { stage: 'Retrieve', count: 20, p50Ms: 40, p90Ms: 80, p99Ms: 150, maxMs: 210 },
  { stage: 'Rerank', count: 20, p50Ms: 120, p90Ms: 260, p99Ms: 480, maxMs: 600 },
  { stage: 'Generate', count: 18, p50Ms: 900, p90Ms: 1800, p99Ms: 2400, maxMs: 3100 },
  { stage: 'Query', count: 1234, p50Ms: 1100, p90Ms: 2100, p99Ms: 3010, maxMs: 3400 },
];
const metricsFixture = (stages = STAGES): MetricsResponse => ({
  since: '2026-12-01T08:00:00.000Z',
  stages,
  counters: { ModelThrottles: 3 },
  gauges: { queriesInFlight: 0, queriesRefused: 0 },
});

const json =
  (body: unknown, status = 200) =>
  (route: Route) =>
    route.fulfill({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const jsonError = (status: number, code: string, message: string) => json({ error: { code, message }, requestId: 'req-stub' }, status);
const isPath = (pathname: string) => (url: URL) => url.pathname === pathname;

const devTokenScript = (): void => {
  if (!sessionStorage.getItem('rag.bearerToken')) sessionStorage.setItem('rag.bearerToken', 'dev');
};

describeInBrowser('the usage panel of the query page in Chromium', () => {
  let server: FastifyInstance;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let errors: string[];

  /** A context with the clock at NOW, the dev token, `/documents` empty and the page's errors collected. */
  async function newContext(options: BrowserContextOptions = {}, withToken = true): Promise<BrowserContext> {
    const created = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC', ...options });
    await created.clock.setFixedTime(NOW);
    await created.addInitScript(probesScript);
    if (withToken) await created.addInitScript(devTokenScript);
    // The page lists documents on load; the server here is not ready (503), so the list is answered in the browser.
    await created.route(isPath('/documents'), json({ documents: [] }));
    return created;
  }

  async function open(from: BrowserContext = context): Promise<Page> {
    const page = await from.newPage();
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of [45]\d\d/.test(message.text())) {
        errors.push(`console: ${message.text()}`);
      }
    });
    await page.goto(base);
    await page.waitForSelector('body.ready');
    return page;
  }

  /** Opens the panel and waits for both parts to be drawn (or explained). */
  async function openPanel(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Show usage' }).click();
    await page.locator('#usage-latency h3').waitFor();
    await page.locator('#usage-body[aria-busy]').waitFor({ state: 'detached' });
  }

  const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
  const heightOf = async (page: Page, chart: string, day: string, bar = 'rect') =>
    Number(await page.locator(`.${chart} g.day[data-day="${day}"] ${bar}`).getAttribute('height'));

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    server = await createLocalServer({
      host: '127.0.0.1',
      port: 0,
      tenantClaim: 'custom:tenant',
      auth: new LocalAuth([{ token: 'dev', tenant: 'default', admin: true }]),
      isReady: () => false,
    });
    const address = server.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    errors = [];
    context = await newContext();
  });

  afterEach(async () => {
    await context.close();
    expect(errors).toEqual([]);
  });

  it('fetches nothing while closed; opened, it asks for the last 14 UTC days and /metrics and draws a bar per day', async () => {
    const asked: string[] = [];
    await context.route(isPath('/usage'), (route) => {
      asked.push(route.request().url());
      return json(usageFixture())(route);
    });
    await context.route(isPath('/metrics'), (route) => {
      asked.push(route.request().url());
      return json(metricsFixture())(route);
    });
    const page = await open();
    await expect(page.locator('#usage-body').isHidden()).resolves.toBe(true);
    expect(asked).toEqual([]);

    await openPanel(page);
    const usageUrl = new URL(asked.find((u) => u.includes('/usage')) ?? '');
    expect(Object.fromEntries(usageUrl.searchParams)).toEqual({ from: FROM, to: TO, groupBy: 'day' });
    expect(asked.filter((u) => new URL(u).pathname === '/metrics')).toHaveLength(1);
    await expect(page.getByRole('button', { name: 'Hide usage' }).getAttribute('aria-expanded')).resolves.toBe('true');

    await expect(page.locator('.chart-spend g.day').count()).resolves.toBe(14);
    await expect(page.locator('.chart-tokens g.day').count()).resolves.toBe(14);
    const days = await page.locator('.chart-spend g.day').evaluateAll((groups) => groups.map((g) => g.getAttribute('data-day')));
    expect(days[0]).toBe(FROM);
    expect(days[13]).toBe(TO);
    // The hidden table has a row per day too, a day without usage as zero.
    await expect(page.locator('.usage-day-table tbody tr').count()).resolves.toBe(14);
    await expect(page.locator('.usage-day-table tbody tr').nth(1).locator('td').allTextContents()).resolves.toEqual(['0', '0', '0', '$0']);
    await expect(page.locator('.usage-day-table tbody tr').nth(7).locator('td').allTextContents()).resolves.toEqual([
      '10',
      '8,000',
      '1,500',
      '$0.02 + 2 unpriced calls',
    ]);
    await shoot(page, 'usage-1-desktop');
  });

  it('draws bar heights in proportion to the figures, a day without usage as no bar and a tiny one still visible', async () => {
    await context.route(isPath('/usage'), json(usageFixture()));
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    await openPanel(page);

    const high = await heightOf(page, 'chart-spend', '2026-11-25');
    const low = await heightOf(page, 'chart-spend', '2026-11-20');
    expect(high / low).toBeCloseTo(0.02 / 0.005, 2);
    // The day with the most spend fills the plot (120 px).
    await expect(heightOf(page, 'chart-spend', '2026-12-01')).resolves.toBeCloseTo(120, 1);
    await expect(heightOf(page, 'chart-spend', '2026-11-19')).resolves.toBe(0);
    await expect(heightOf(page, 'chart-spend', '2026-11-30')).resolves.toBe(1);

    // Tokens are stacked: input and output on one scale, the busiest day (9,500 tokens) full height.
    const input25 = await heightOf(page, 'chart-tokens', '2026-11-25', 'rect.bar-input');
    const output25 = await heightOf(page, 'chart-tokens', '2026-11-25', 'rect.bar-output');
    expect(input25 + output25).toBeCloseTo(120, 1);
    expect(input25 / output25).toBeCloseTo(8000 / 1500, 2);
    // Output sits on input, input on the axis (the plot spans y 20 to 140).
    const yOf = async (bar: string) => Number(await page.locator(`.chart-tokens g.day[data-day="2026-11-25"] ${bar}`).getAttribute('y'));
    expect((await yOf('rect.bar-input')) + input25).toBeCloseTo(140, 1);
    expect((await yOf('rect.bar-output')) + output25).toBeCloseTo(await yOf('rect.bar-input'), 1);
    const input20 = await heightOf(page, 'chart-tokens', '2026-11-20', 'rect.bar-input');
    expect(input25 / input20).toBeCloseTo(8000 / 1000, 2);
  });

  it('summarises each chart for assistive technology, shows totals, the budget and the partial note', async () => {
    await context.close();
    // Tokyo, British English: the budget resets at UTC midnight, 09:00 there.
    context = await newContext({ locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
    await context.route(isPath('/usage'), json(usageFixture()));
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    await openPanel(page);

    const spend = page.getByRole('img', { name: /^Spend per day/ });
    await expect(spend.getAttribute('aria-label')).resolves.toBe(
      'Spend per day from 18 Nov 2026 to 1 Dec 2026: US$0.0456 in total, most on 1 Dec 2026 (US$0.0206).',
    );
    await expect(page.getByRole('img', { name: /^Tokens per day/ }).getAttribute('aria-label')).resolves.toBe(
      'Tokens per day from 18 Nov 2026 to 1 Dec 2026: 12,345 input and 2,345 output in total, most on 25 Nov 2026 (9,500).',
    );
    await expect(page.locator('.chart-spend g.day[data-day="2026-11-25"] title').textContent()).resolves.toBe('25 Nov 2026: cost US$0.02');

    const totals = await page
      .locator('.totals > div')
      .evaluateAll((entries) => entries.map((e) => [e.querySelector('dt')?.textContent, e.querySelector('dd')?.textContent]));
    expect(totals).toEqual([
      ['Cost', 'US$0.0456 + 2 unpriced calls'],
      ['Calls', '18'],
      ['Input tokens', '12,345'],
      ['Output tokens', '2,345'],
      ['Throttles', '3'],
      ['Cache hits', '1'],
    ]);
    await expect(page.locator('.usage-partial').textContent()).resolves.toBe(
      'Some calls are unpriced or estimated: 2 without a price, not in the cost; 1 with estimated token counts.',
    );

    const budget = page.locator('.usage-budget');
    await expect(budget.getAttribute('data-state')).resolves.toBe('warning');
    await expect(budget.locator('.budget-state').textContent()).resolves.toBe('Warning: 80% or more of a daily limit is used');
    await expect(budget.locator('.budget-line').allTextContents()).resolves.toEqual(['Spend: US$0.85 of US$1.00 (85%)', 'Tokens: 12,000 of 100,000 (12%)']);
    await expect(budget.locator('.budget-reset').textContent()).resolves.toBe('Resets 2 Dec 2026, 09:00.');
    // The state has a colour of its own besides its text.
    const colour = (selector: string) => page.locator(selector).evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).color);
    await expect(colour('.usage-budget .badge')).resolves.toBe('rgb(138, 90, 0)');
    await expect(colour('.usage-scope')).resolves.not.toBe('rgb(138, 90, 0)');
  });

  it('lists the latency of every stage of the fixture, p50/p90/p99 bars on one scale', async () => {
    await context.route(isPath('/usage'), json(usageFixture()));
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    await openPanel(page);

    const rows = await page.locator('.latency-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(rows).toEqual([
      ['GuardInput', '20', '3 ms', '5.5 ms', '9 ms', '12 ms'],
      ['Retrieve', '20', '40 ms', '80 ms', '150 ms', '210 ms'],
      ['Rerank', '20', '120 ms', '260 ms', '480 ms', '600 ms'],
      ['Generate', '18', '900 ms', '1,800 ms', '2,400 ms', '3,100 ms'],
      ['Query', '1,234', '1,100 ms', '2,100 ms', '3,010 ms', '3,400 ms'],
    ]);
    const stages = await page.locator('.chart-latency g.stage').evaluateAll((groups) => groups.map((g) => g.getAttribute('data-stage')));
    expect(stages).toEqual(STAGES.map((s) => s.stage));
    const width = async (stage: string, bar: string) =>
      Number.parseFloat((await page.locator(`.chart-latency g.stage[data-stage="${stage}"] rect.${bar}`).getAttribute('width')) ?? '');
    const slowest = await width('Query', 'bar-p99');
    expect(await width('Generate', 'bar-p99')).toBeCloseTo((slowest * 2400) / 3010, 2);
    expect(await width('Generate', 'bar-p50')).toBeCloseTo((slowest * 900) / 3010, 2);
    await expect(page.getByRole('img', { name: /^Latency percentiles/ }).getAttribute('aria-label')).resolves.toBe(
      'Latency percentiles for 5 stages: the slowest p99 is Query at 3,010 ms.',
    );
  });

  it('shows the service’s error without a stack on a 500 from /usage, and still draws the latency', async () => {
    await context.route(isPath('/usage'), jsonError(500, 'InternalError', 'TypeError: x is undefined\n    at sumRows (/work/shared/usage.ts:12:3)'));
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    await openPanel(page);
    const status = page.locator('#usage-status');
    await expect(status.textContent()).resolves.toBe('Could not load the usage. The service failed (500), request req-stub. Try again later.');
    await expect(status.getAttribute('role')).resolves.toBe('alert');
    const panelText = (await page.locator('#usage-body').textContent()) ?? '';
    expect(panelText).not.toMatch(/TypeError|\bat \S+ \(|\.ts:\d+/);
    await expect(page.locator('.chart-spend').count()).resolves.toBe(0);
    await expect(page.locator('.latency-table tbody tr').count()).resolves.toBe(STAGES.length);
  });

  it('says why there is no latency when /metrics is 404 (AWS), and leaves out the partial note and the budget when absent', async () => {
    await context.route(isPath('/usage'), json(usageFixture({ tenant: '*', rows: ROWS.slice(0, 1), budget: undefined, partial: false })));
    await context.route(isPath('/metrics'), jsonError(404, 'NotFoundError', 'No route GET /metrics'));
    const page = await open();
    await openPanel(page);
    await expect(page.locator('.latency-unavailable').textContent()).resolves.toMatch(/only the local service has \/metrics.*CloudWatch dashboard/);
    await expect(page.locator('.chart-latency').count()).resolves.toBe(0);
    await expect(page.locator('.usage-partial').count()).resolves.toBe(0);
    await expect(page.locator('.usage-budget').count()).resolves.toBe(0);
    await expect(page.locator('.chart-spend g.day').count()).resolves.toBe(14);
    await expect(page.locator('.usage-scope').textContent()).resolves.toMatch(/^All tenants · Nov 18, 2026 to Dec 1, 2026 \(UTC days\)/);
  });

  it('says the answer cannot be read when /usage sends something other than the contract’s JSON', async () => {
    await context.route(isPath('/usage'), (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>proxy</html>' }));
    await context.route(isPath('/metrics'), json({ since: '2026-12-01T08:00:00.000Z' }));
    const page = await open();
    await openPanel(page);
    await expect(page.locator('#usage-status').textContent()).resolves.toBe(
      'Could not load the usage. The service sent an answer this page cannot read. Try again later.',
    );
    await expect(page.locator('#usage-latency .error').textContent()).resolves.toBe(
      'Could not load the latency figures. The service sent an answer this page cannot read. Try again later.',
    );
  });

  it('an exhausted budget says so in text and in red', async () => {
    const budget = { limitTokens: 10_000, usedUsd: 0.2, usedTokens: 10_400, state: 'exhausted' as const, resetsAt: '2026-12-02T00:00:00.000Z' };
    await context.route(isPath('/usage'), json(usageFixture({ budget })));
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    await openPanel(page);
    await expect(page.locator('.usage-budget .budget-state').textContent()).resolves.toBe('Exhausted: requests are refused until the reset');
    await expect(page.locator('.usage-budget .budget-line').allTextContents()).resolves.toEqual(['Tokens: 10,400 of 10,000 (104%)']);
    await expect(page.locator('.usage-budget .badge').evaluate((b) => (globalThis as unknown as PageWindow).getComputedStyle(b).color)).resolves.toBe(
      'rgb(179, 38, 30)',
    );
  });

  it('asks for the bearer token once on a 401, like the rest of the page, then draws the panel', async () => {
    await context.close();
    context = await newContext({}, false);
    const seen: (string | undefined)[] = [];
    const guarded = (body: unknown) => (route: Route) => {
      const authorization = route.request().headers().authorization;
      seen.push(authorization);
      return authorization === 'Bearer dev' ? json(body)(route) : jsonError(401, 'UnauthorizedError', 'A bearer token is required')(route);
    };
    await context.route(isPath('/usage'), guarded(usageFixture()));
    await context.route(isPath('/metrics'), guarded(metricsFixture()));
    const page = await open();
    await page.getByRole('button', { name: 'Show usage' }).click();
    const dialog = page.getByRole('dialog', { name: 'Bearer token' });
    await dialog.waitFor();
    await page.getByLabel('Token', { exact: true }).fill('dev');
    await page.keyboard.press('Enter');
    await page.locator('.chart-spend').waitFor();
    await page.locator('.latency-table').waitFor();
    expect(seen.filter((s) => s === undefined)).toHaveLength(2);
    expect(seen.filter((s) => s === 'Bearer dev')).toHaveLength(2);
  });

  it('refresh fetches again and redraws', async () => {
    let calls = 0;
    await context.route(isPath('/usage'), (route) => {
      calls += 1;
      const rows = calls === 1 ? ROWS : [{ key: TO, ...figures({ calls: 1, inputTokens: 7, outputTokens: 3, costUsd: 0 }) }];
      return json(usageFixture({ rows }))(route);
    });
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    await openPanel(page);
    await expect(page.locator('[data-total="Input tokens"] dd').textContent()).resolves.toBe('12,345');
    await page.getByRole('button', { name: 'Refresh usage' }).click();
    await page.locator('[data-total="Input tokens"] dd', { hasText: /^7$/ }).waitFor();
    await expect(page.locator('[data-total="Cost"] dd').textContent()).resolves.toBe('$0');
    expect(calls).toBe(2);
    // Closing hides the figures; reopening loads them again.
    await page.getByRole('button', { name: 'Hide usage' }).click();
    await expect(page.locator('#usage-body').isHidden()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Refresh usage' }).isHidden()).resolves.toBe(true);
  });

  it('is reachable and usable from the keyboard, every control named, and fits a 360 px screen', async () => {
    await context.route(isPath('/usage'), json(usageFixture()));
    await context.route(isPath('/metrics'), json(metricsFixture()));
    const page = await open();
    /** The focused element's id or accessible name, and the outline it shows. */
    const focused = () =>
      page.evaluate(() => {
        const window = globalThis as unknown as PageWindow;
        const el = window.document.activeElement;
        if (!el || el === window.document.body) return undefined;
        return { name: el.id || el.getAttribute('aria-label') || el.tagName, outline: window.getComputedStyle(el).outlineStyle };
      });
    await page.locator('#refresh-documents').focus();
    let now: { name: string; outline: string } | undefined;
    for (let i = 0; i < 10 && now?.name !== 'usage-toggle'; i += 1) {
      await page.keyboard.press('Tab');
      now = await focused();
    }
    expect(now).toEqual({ name: 'usage-toggle', outline: 'solid' });
    await page.keyboard.press('Enter');
    await page.locator('#usage-latency h3').waitFor();
    await page.keyboard.press('Shift+Tab');
    await expect(focused()).resolves.toEqual({ name: 'refresh-usage', outline: 'solid' });
    await page.keyboard.press('Tab');
    const reached = [];
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      reached.push(await focused());
    }
    expect(reached).toEqual([
      { name: expect.stringMatching(/^Spend per day/), outline: 'solid' },
      { name: expect.stringMatching(/^Tokens per day/), outline: 'solid' },
      { name: expect.stringMatching(/^Latency percentiles/), outline: 'solid' },
      { name: 'Latency figures', outline: 'solid' },
    ]);
    await expect(probes(page).unnamedControls()).resolves.toEqual([]);

    const phone = await newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      await phone.route(isPath('/usage'), json(usageFixture()));
      await phone.route(isPath('/metrics'), json(metricsFixture()));
      const small = await open(phone);
      await openPanel(small);
      await expect(probes(small).horizontalOverflow()).resolves.toBe(0);
      await small.locator('#usage-title').scrollIntoViewIfNeeded();
      await small.screenshot({ path: path.join(screenshots, 'usage-2-phone.png') });
      await shoot(small, 'usage-3-phone-full-page');
    } finally {
      await phone.close();
    }
  });

  it('formats costs and counts for the person’s locale, and fills and sums the days (usage.js functions)', async () => {
    const page = await open();
    const tenantRows: UsageRow[] = [
      { key: '2026-11-30', tenant: 'a', ...figures({ calls: 1, inputTokens: 10, costUsd: 0.25 }) },
      { key: '2026-11-30', tenant: 'b', ...figures({ calls: 2, inputTokens: 5, costUsd: 0.5, unpricedCalls: 1 }) },
      { key: '2026-11-01', tenant: 'a', ...figures({ calls: 9 }) },
    ];
    // A string, so that the import runs in the page rather than being compiled for Node.
    const result = (await page.evaluate(`import('/app/usage.js').then((m) => ({
      usd: [0, 0.00004, 0.0001, 0.0123, 0.012345, 0.5, 1234.5].map((v) => m.formatUsd(v, 'en-US')),
      usdDe: m.formatUsd(1234.5, 'de-DE'),
      countDe: m.formatCount(1234567, 'de-DE'),
      ms: [m.formatMs(0.25, 'en-US'), m.formatMs(1234.6, 'en-US')],
      days: m.daysBetween('2026-11-29', '2026-12-02'),
      inverted: m.daysBetween('2026-12-02', '2026-12-01'),
      last: m.lastDays(new Date('2026-03-01T23:59:00Z'), 3),
      series: m.dailySeries({ from: '2026-11-30', to: '2026-12-01', rows: ${JSON.stringify(tenantRows)} }),
      heights: m.barHeights([0, 0.001, 5, 10], 120),
    }))`)) as Record<string, unknown>;
    expect(result).toEqual({
      usd: ['$0', '< $0.0001', '$0.0001', '$0.0123', '$0.0123', '$0.50', '$1,234.50'],
      usdDe: '1.234,50\u00a0$',
      countDe: '1.234.567',
      ms: ['0.3 ms', '1,235 ms'],
      days: ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02'],
      inverted: [],
      last: { from: '2026-02-27', to: '2026-03-01' },
      series: [
        { day: '2026-11-30', figures: figures({ calls: 3, inputTokens: 15, costUsd: 0.75, unpricedCalls: 1 }) },
        { day: '2026-12-01', figures: figures({}) },
      ],
      heights: [0, 1, 60, 120],
    });
  });
});
