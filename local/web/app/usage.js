import { ApiError } from './api.js';
import { element } from './element.js';

/**
 * The usage panel: spend and tokens per day from `GET /usage?groupBy=day` (the last 14 UTC days), the budget and
 * totals from the same answer, and latency percentiles per stage from `GET /metrics` (local runtime only: the AWS
 * deployment answers 404 and has the CloudWatch dashboard instead). Nothing is fetched until the panel is opened.
 * Charts are SVG built element by element (figures never go through innerHTML); each has a role, a summary and
 * the figures in a table.
 *
 * @typedef {import('../../../shared/contracts/usage').UsageResponse} UsageResponse
 * @typedef {import('../../../shared/contracts/usage').UsageFigures} UsageFigures
 * @typedef {import('../../../shared/contracts/usage').BudgetStatus} BudgetStatus
 * @typedef {import('../../../shared/contracts/usage').MetricsResponse} MetricsResponse
 * @typedef {import('../../../shared/contracts/usage').StageLatency} StageLatency
 * @typedef {{ day: string, figures: UsageFigures }} DayUsage
 */

export const USAGE_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;
const SVG_NS = 'http://www.w3.org/2000/svg';
// Chart geometry in CSS pixels: widths are percentages of the panel so text keeps its size from 360 px up.
const DAY_CHART = { height: 170, top: 20, plot: 120 };
const LATENCY_ROW = { label: 18, bar: 15, gap: 10 };
// The longest bar leaves room on its right for its value ("p99 12,345 ms") at 360 px.
const LATENCY_BAR_SHARE = 62;
const PERCENTILES = /** @type {const} */ ([
  ['p50Ms', 'p50'],
  ['p90Ms', 'p90'],
  ['p99Ms', 'p99'],
]);

/** @returns {UsageFigures} */
const zeroFigures = () => ({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  unpricedCalls: 0,
  estimatedCalls: 0,
  throttles: 0,
  cacheHits: 0,
});

/**
 * The UTC days from `from` to `to` inclusive (YYYY-MM-DD); empty when inverted.
 * @param {string} from
 * @param {string} to
 */
export function daysBetween(from, to) {
  const days = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

/**
 * The `count` UTC days that end with the day of `now` (the server counts days in UTC).
 * @param {Date} now
 * @param {number} count
 */
export function lastDays(now, count) {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (count - 1) * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

/**
 * One entry per day of the answer's range: rows with the same day are summed (an all-tenant view has one row
 * per tenant and day), a day without usage is zeros.
 * @param {Pick<UsageResponse, 'from' | 'to' | 'rows'>} usage
 * @returns {DayUsage[]}
 */
export function dailySeries(usage) {
  const byDay = new Map(daysBetween(usage.from, usage.to).map((day) => [day, zeroFigures()]));
  for (const row of usage.rows) {
    const sum = byDay.get(row.key);
    if (!sum) continue;
    for (const name of /** @type {(keyof UsageFigures)[]} */ (Object.keys(sum))) sum[name] += row[name] ?? 0;
  }
  return [...byDay].map(([day, figures]) => ({ day, figures }));
}

/**
 * Bar heights proportional to the values, the largest `full` high; a value above zero is at least 1 so it shows.
 * @param {number[]} values
 * @param {number} full
 * @param {number} [max] the value drawn `full` high (default: the largest value)
 */
export function barHeights(values, full, max = Math.max(0, ...values)) {
  return values.map((value) => (value > 0 && max > 0 ? Math.max(1, (value / max) * full) : 0));
}

/**
 * US dollars for people: `$0` for nothing, `< $0.0001` below that, four decimals below a dollar, cents above.
 * @param {number} usd
 * @param {string | undefined} [locale] default: the browser's
 */
export function formatUsd(usd, locale) {
  const currency = (/** @type {number} */ digits, /** @type {number} */ min = digits) =>
    new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: min, maximumFractionDigits: digits });
  if (usd === 0) return currency(0).format(0);
  if (usd < 0.0001) return `< ${currency(4).format(0.0001)}`;
  if (usd < 1) return currency(4, 2).format(usd);
  return currency(2).format(usd);
}

/**
 * @param {number} value
 * @param {string | undefined} [locale]
 */
export function formatCount(value, locale) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/**
 * @param {number} ms
 * @param {string | undefined} [locale]
 */
export function formatMs(ms, locale) {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: ms < 10 ? 1 : 0 }).format(ms)} ms`;
}

/**
 * A UTC day as a person reads it, e.g. "1 Dec 2026".
 * @param {string} day
 * @param {Intl.DateTimeFormatOptions} [options]
 */
function formatDay(day, options = { day: 'numeric', month: 'short', year: 'numeric' }) {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { ...options, timeZone: 'UTC' });
}

/** @param {UsageFigures} figures */
function costText(figures) {
  const unpriced = figures.unpricedCalls > 0 ? ` + ${formatCount(figures.unpricedCalls)} unpriced call${figures.unpricedCalls === 1 ? '' : 's'}` : '';
  return `${formatUsd(figures.costUsd)}${unpriced}`;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 */
function svgElement(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {number} share 0..100 */
const percent = (share) => `${share.toFixed(3)}%`;

/**
 * A bar chart with one bar per day, stacked when there is more than one series.
 * @param {{ className: string, label: string, days: string[], series: { name: string, className: string, values: number[] }[],
 *   format: (value: number) => string }} spec
 */
function dayChart(spec) {
  const totals = spec.days.map((_, i) => spec.series.reduce((sum, s) => sum + s.values[i], 0));
  const max = Math.max(0, ...totals);
  const { height, top, plot } = DAY_CHART;
  const chart = svgElement('svg', { class: `chart ${spec.className}`, role: 'img', 'aria-label': spec.label, width: '100%', height, tabindex: 0 });
  chart.append(
    svgElement('text', { class: 'chart-scale', x: 0, y: top - 6 }, max > 0 ? spec.format(max) : 'no usage'),
    svgElement('line', { class: 'chart-grid', x1: '0%', x2: '100%', y1: top, y2: top }),
    svgElement('line', { class: 'chart-axis', x1: '0%', x2: '100%', y1: top + plot, y2: top + plot }),
  );
  const n = spec.days.length;
  const heights = spec.series.map((s) => barHeights(s.values, plot, max));
  spec.days.forEach((day, i) => {
    const group = svgElement('g', { class: 'day', 'data-day': day });
    group.append(svgElement('title', {}, `${formatDay(day)}: ${spec.series.map((s) => `${s.name} ${spec.format(s.values[i])}`).join(', ')}`));
    let base = top + plot;
    spec.series.forEach((s, k) => {
      const h = heights[k][i];
      base -= h;
      group.append(
        svgElement('rect', {
          class: `bar ${s.className}`,
          x: percent(((i + 0.15) / n) * 100),
          width: percent((0.7 / n) * 100),
          y: base.toFixed(2),
          height: h.toFixed(2),
          'data-value': s.values[i],
        }),
      );
    });
    group.append(
      svgElement(
        'text',
        { class: 'chart-label', x: percent(((i + 0.5) / n) * 100), y: height - 14, 'text-anchor': 'middle' },
        formatDay(day, { day: 'numeric' }),
      ),
    );
    chart.append(group);
  });
  const first = spec.days[0];
  const last = spec.days[n - 1];
  if (first && last) {
    chart.append(
      svgElement('text', { class: 'chart-label', x: 0, y: height - 1 }, formatDay(first, { month: 'short' })),
      svgElement('text', { class: 'chart-label', x: '100%', y: height - 1, 'text-anchor': 'end' }, formatDay(last, { month: 'short' })),
    );
  }
  return chart;
}

/** @param {{ name: string, className: string }[]} entries */
function legend(entries) {
  const list = element('ul', { className: 'chart-legend' });
  for (const entry of entries) {
    const item = element('li');
    item.append(element('span', { className: `swatch ${entry.className}`, attrs: { 'aria-hidden': 'true' } }), document.createTextNode(entry.name));
    list.append(item);
  }
  return list;
}

/**
 * @param {string} caption
 * @param {string[]} headings
 * @param {string[][]} rows
 * @param {string} [className]
 */
function figuresTable(caption, headings, rows, className = '') {
  const table = element('table', { className: `figures ${className}`.trim() });
  table.append(element('caption', { text: caption }));
  const headRow = element('tr');
  for (const heading of headings) headRow.append(element('th', { text: heading, attrs: { scope: 'col' } }));
  const head = element('thead');
  head.append(headRow);
  table.append(head);
  const body = element('tbody');
  for (const row of rows) {
    const tr = element('tr');
    tr.append(...row.map((cell, i) => element(i === 0 ? 'th' : 'td', { text: cell, attrs: i === 0 ? { scope: 'row' } : {} })));
    body.append(tr);
  }
  table.append(body);
  return table;
}

/** @param {DayUsage[]} series */
function spendAndTokens(series) {
  const days = series.map((d) => d.day);
  const range = days.length > 0 ? `${formatDay(days[0])} to ${formatDay(days[days.length - 1])}` : 'no days';
  const costs = series.map((d) => d.figures.costUsd);
  const tokens = series.map((d) => d.figures.inputTokens + d.figures.outputTokens);
  const busiest = (/** @type {number[]} */ values, /** @type {(v: number) => string} */ format) => {
    const max = Math.max(0, ...values);
    return max > 0 ? `, most on ${formatDay(days[values.indexOf(max)])} (${format(max)})` : ', none on any day';
  };
  const sum = (/** @type {number[]} */ values) => values.reduce((a, b) => a + b, 0);
  const inputTokens = sum(series.map((d) => d.figures.inputTokens));
  const outputTokens = sum(series.map((d) => d.figures.outputTokens));

  const part = element('div', { className: 'usage-days' });
  const spend = element('figure', { className: 'usage-chart' });
  spend.append(
    element('figcaption', { text: 'Spend per day (USD)' }),
    dayChart({
      className: 'chart-spend',
      label: `Spend per day from ${range}: ${formatUsd(sum(costs))} in total${busiest(costs, formatUsd)}.`,
      days,
      series: [{ name: 'cost', className: 'bar-cost', values: costs }],
      format: formatUsd,
    }),
  );
  const tokenChart = element('figure', { className: 'usage-chart' });
  tokenChart.append(
    element('figcaption', { text: 'Tokens per day' }),
    dayChart({
      className: 'chart-tokens',
      label: `Tokens per day from ${range}: ${formatCount(inputTokens)} input and ${formatCount(outputTokens)} output in total${busiest(tokens, formatCount)}.`,
      days,
      series: [
        { name: 'input', className: 'bar-input', values: series.map((d) => d.figures.inputTokens) },
        { name: 'output', className: 'bar-output', values: series.map((d) => d.figures.outputTokens) },
      ],
      format: formatCount,
    }),
    legend([
      { name: 'Input tokens', className: 'bar-input' },
      { name: 'Output tokens', className: 'bar-output' },
    ]),
  );
  // A table ignores the 1 px width of .visually-hidden and would widen the page: the hidden box is a div around it.
  const hiddenFigures = element('div', { className: 'visually-hidden' });
  hiddenFigures.append(
    figuresTable(
      'Usage per day (UTC)',
      ['Day', 'Calls', 'Input tokens', 'Output tokens', 'Cost'],
      series.map((d) => [
        formatDay(d.day),
        formatCount(d.figures.calls),
        formatCount(d.figures.inputTokens),
        formatCount(d.figures.outputTokens),
        costText(d.figures),
      ]),
      'usage-day-table',
    ),
  );
  part.append(spend, tokenChart, hiddenFigures);
  return part;
}

const budgetStates = {
  ok: 'OK',
  warning: 'Warning: 80% or more of a daily limit is used',
  exhausted: 'Exhausted: requests are refused until the reset',
};

/** @param {BudgetStatus} budget */
function budgetPart(budget) {
  const part = element('div', { className: 'usage-budget', attrs: { 'data-state': budget.state } });
  part.append(element('h3', { text: 'Today’s budget (UTC day)' }));
  const state = element('p', { className: 'budget-state' });
  state.append(element('span', { className: `badge budget-${budget.state}`, text: budgetStates[budget.state] ?? budget.state }));
  part.append(state);
  /** @param {string} name @param {number} used @param {number} limit @param {(n: number) => string} format */
  const limitLine = (name, used, limit, format) => {
    const line = element('p', { className: 'budget-line' });
    const share = limit > 0 ? Math.round((used / limit) * 100) : 100;
    line.append(element('span', { text: `${name}: ${format(used)} of ${format(limit)} (${formatCount(share)}%)` }));
    const meter = /** @type {HTMLMeterElement} */ (element('meter', { attrs: { 'aria-label': `${name} used` } }));
    meter.max = limit;
    meter.value = Math.min(used, limit);
    meter.low = limit * 0.8;
    meter.high = limit * 0.9999;
    meter.optimum = 0;
    line.append(meter);
    return line;
  };
  if (budget.limitUsd !== undefined) part.append(limitLine('Spend', budget.usedUsd, budget.limitUsd, formatUsd));
  if (budget.limitTokens !== undefined) part.append(limitLine('Tokens', budget.usedTokens, budget.limitTokens, formatCount));
  const resets = new Date(budget.resetsAt);
  part.append(
    element('p', {
      className: 'budget-reset',
      text: `Resets ${Number.isNaN(resets.getTime()) ? budget.resetsAt : resets.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}.`,
    }),
  );
  return part;
}

/** @param {UsageResponse} usage */
function totalsPart(usage) {
  const part = element('div', { className: 'usage-totals' });
  part.append(element('h3', { text: 'Totals' }));
  const list = element('dl', { className: 'totals' });
  const t = usage.totals;
  for (const [term, value] of [
    ['Cost', costText(t)],
    ['Calls', formatCount(t.calls)],
    ['Input tokens', formatCount(t.inputTokens)],
    ['Output tokens', formatCount(t.outputTokens)],
    ['Throttles', formatCount(t.throttles)],
    ['Cache hits', formatCount(t.cacheHits)],
  ]) {
    const entry = element('div', { attrs: { 'data-total': term } });
    entry.append(element('dt', { text: term }), element('dd', { text: value }));
    list.append(entry);
  }
  part.append(list);
  if (usage.partial) {
    const details = [];
    if (t.unpricedCalls > 0) details.push(`${formatCount(t.unpricedCalls)} without a price, not in the cost`);
    if (t.estimatedCalls > 0) details.push(`${formatCount(t.estimatedCalls)} with estimated token counts`);
    part.append(
      element('p', {
        className: 'note usage-partial',
        text: `Some calls are unpriced or estimated${details.length > 0 ? `: ${details.join('; ')}` : ''}.`,
      }),
    );
  }
  return part;
}

/**
 * Horizontal bars: per stage its name, then p50, p90 and p99, all on one scale.
 * @param {StageLatency[]} stages
 */
function latencyChart(stages) {
  const max = Math.max(0, ...stages.map((s) => s.p99Ms));
  const rowHeight = LATENCY_ROW.label + PERCENTILES.length * LATENCY_ROW.bar + LATENCY_ROW.gap;
  const slowest = stages.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a), stages[0]);
  const chart = svgElement('svg', {
    class: 'chart chart-latency',
    role: 'img',
    'aria-label': `Latency percentiles for ${stages.length} stage${stages.length === 1 ? '' : 's'}: the slowest p99 is ${slowest.stage} at ${formatMs(slowest.p99Ms)}.`,
    width: '100%',
    height: stages.length * rowHeight,
    tabindex: 0,
  });
  stages.forEach((stage, i) => {
    const y = i * rowHeight;
    const group = svgElement('g', { class: 'stage', 'data-stage': stage.stage });
    group.append(svgElement('text', { class: 'chart-label stage-name', x: 0, y: y + LATENCY_ROW.label - 4 }, stage.stage));
    const widths = barHeights(
      PERCENTILES.map(([key]) => stage[key]),
      LATENCY_BAR_SHARE,
      max,
    );
    PERCENTILES.forEach(([key, name], k) => {
      const top = y + LATENCY_ROW.label + k * LATENCY_ROW.bar;
      const bar = svgElement('rect', {
        class: `bar bar-${name}`,
        x: 0,
        y: top + 1,
        width: percent(widths[k]),
        height: LATENCY_ROW.bar - 3,
        'data-value': stage[key],
      });
      bar.append(svgElement('title', {}, `${stage.stage} ${name}: ${formatMs(stage[key])}`));
      group.append(
        bar,
        svgElement('text', { class: 'chart-value', x: percent(widths[k] + 1), y: top + LATENCY_ROW.bar - 4 }, `${name} ${formatMs(stage[key])}`),
      );
    });
    chart.append(group);
  });
  return chart;
}

/** @param {MetricsResponse} metrics */
function latencyPart(metrics) {
  const part = element('div', { className: 'usage-latency-figures' });
  const since = new Date(metrics.since);
  const sinceText = Number.isNaN(since.getTime()) ? metrics.since : since.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  if (metrics.stages.length === 0) {
    part.append(element('p', { className: 'empty', text: `No requests recorded since ${sinceText}.` }));
    return part;
  }
  const figure = element('figure', { className: 'usage-chart' });
  figure.append(
    element('figcaption', { text: `Recorded since ${sinceText}` }),
    latencyChart(metrics.stages),
    legend(PERCENTILES.map(([, name]) => ({ name, className: `bar-${name}` }))),
  );
  const scroller = element('div', { className: 'table-scroll', attrs: { tabindex: '0', role: 'region', 'aria-label': 'Latency figures' } });
  scroller.append(
    figuresTable(
      'Latency percentiles per stage',
      ['Stage', 'Calls', 'p50', 'p90', 'p99', 'max'],
      metrics.stages.map((s) => [s.stage, formatCount(s.count), formatMs(s.p50Ms), formatMs(s.p90Ms), formatMs(s.p99Ms), formatMs(s.maxMs)]),
      'latency-table',
    ),
  );
  part.append(figure, scroller);
  return part;
}

/** @param {unknown} error */
const explain = (error) => (error instanceof ApiError ? error.userMessage : 'The service sent an answer this page cannot read. Try again later.');

/**
 * @param {{ api: import('./api.js').ApiClient, toggle: HTMLButtonElement, refresh: HTMLButtonElement, body: HTMLElement,
 *   status: HTMLElement, figures: HTMLElement, latency: HTMLElement, announce: (message: string) => void }} ui
 */
export function createUsagePanel(ui) {
  const { api } = ui;
  let generation = 0;

  /** @param {string} text */
  function showError(text) {
    ui.status.hidden = false;
    ui.status.classList.add('error');
    ui.status.setAttribute('role', 'alert');
    ui.status.textContent = text;
  }

  async function loadUsage() {
    const range = lastDays(new Date(), USAGE_DAYS);
    const query = new URLSearchParams({ from: range.from, to: range.to, groupBy: 'day' });
    /** @type {UsageResponse} */
    const usage = await (await api.request(`/usage?${query}`)).json();
    if (!Array.isArray(usage?.rows) || typeof usage.totals !== 'object') throw new TypeError('unexpected /usage answer');
    return usage;
  }

  async function loadMetrics() {
    /** @type {MetricsResponse} */
    const metrics = await (await api.request('/metrics')).json();
    if (!Array.isArray(metrics?.stages)) throw new TypeError('unexpected /metrics answer');
    return metrics;
  }

  async function load() {
    generation += 1;
    const mine = generation;
    ui.refresh.disabled = true;
    ui.body.setAttribute('aria-busy', 'true');
    ui.status.hidden = false;
    ui.status.classList.remove('error');
    ui.status.removeAttribute('role');
    ui.status.textContent = 'Loading usage…';
    const [usage, metrics] = await Promise.allSettled([loadUsage(), loadMetrics()]);
    if (mine !== generation) return;
    ui.refresh.disabled = false;
    ui.body.removeAttribute('aria-busy');
    ui.status.hidden = true;

    if (usage.status === 'fulfilled') {
      const value = usage.value;
      const head = element('p', {
        className: 'usage-scope',
        text: `${value.tenant === '*' ? 'All tenants' : `Tenant ${value.tenant}`} · ${formatDay(value.from)} to ${formatDay(value.to)} (UTC days) · kept ${formatCount(value.retentionDays)} days`,
      });
      const parts = [head, spendAndTokens(dailySeries(value)), totalsPart(value)];
      if (value.budget) parts.push(budgetPart(value.budget));
      ui.figures.replaceChildren(...parts);
    } else {
      ui.figures.replaceChildren();
      showError(`Could not load the usage. ${explain(usage.reason)}`);
    }

    const latencyTitle = element('h3', { text: 'Latency per stage' });
    if (metrics.status === 'fulfilled') {
      ui.latency.replaceChildren(latencyTitle, latencyPart(metrics.value));
    } else if (metrics.reason instanceof ApiError && metrics.reason.status === 404) {
      ui.latency.replaceChildren(
        latencyTitle,
        element('p', {
          className: 'empty latency-unavailable',
          text: 'This service does not report latency here (only the local service has /metrics); on AWS, see the CloudWatch dashboard.',
        }),
      );
    } else {
      ui.latency.replaceChildren(
        latencyTitle,
        element('p', { className: 'empty error', text: `Could not load the latency figures. ${explain(metrics.reason)}`, attrs: { role: 'alert' } }),
      );
    }
    ui.announce(usage.status === 'fulfilled' ? 'Usage loaded.' : 'Could not load the usage.');
  }

  const isOpen = () => ui.toggle.getAttribute('aria-expanded') === 'true';

  ui.toggle.addEventListener('click', () => {
    const open = !isOpen();
    ui.toggle.setAttribute('aria-expanded', String(open));
    ui.toggle.textContent = open ? 'Hide usage' : 'Show usage';
    ui.body.hidden = !open;
    ui.refresh.hidden = !open;
    if (open) void load();
  });
  ui.refresh.addEventListener('click', () => void load());

  /** Loads again when the panel is open (e.g. after a new token); a closed panel fetches nothing. */
  function reload() {
    return isOpen() ? load() : Promise.resolve();
  }

  return { reload };
}
