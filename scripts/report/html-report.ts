/**
 * The pieces of the self-contained HTML reports that `npm run eval` and `npm run bench` write beside their JSON:
 * an escape function, scales and bins, three SVG charts (histogram, grouped bars, lines) and a page shell.
 *
 * Why SVG written by hand rather than a chart library: no chart library is in node_modules and the reports must
 * not add a dependency; a library inlined would put hundreds of kB of script in every report, and the page would
 * show nothing without JavaScript. Strings of SVG are deterministic (the same result gives the same bytes, so two
 * reports diff), need no script (the page's Content-Security-Policy forbids all), and open from file:// with no
 * network. Colours come from CSS custom properties, so a dark or light system scheme both read.
 *
 * Every string that may come from a dataset or a result (names, ids, labels) goes through `escapeHtml`.
 */

/** Text and attribute values safe inside HTML and inline SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** `results/query.json` → `results/query.html`; a name without `.json` gets `.html` appended. */
export function htmlPathFor(jsonPath: string): string {
  return /\.json$/i.test(jsonPath) ? jsonPath.replace(/\.json$/i, '.html') : `${jsonPath}.html`;
}

/** A number for a label: integers as they are, others to 3 significant digits, large values with k/M/G. */
export function formatValue(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  if (Number.isInteger(value)) return String(value);
  return trim(value);
}

const trim = (value: number): string => String(Number(value.toPrecision(3)));

/** A step of 1, 2 or 5 times a power of ten, close to `span / count`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** A domain widened to whole steps, and its ticks. A single-value or empty domain becomes a unit around it. */
export function niceDomain(min: number, max: number, count = 5): { min: number; max: number; ticks: number[] } {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : lo + 1;
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    if (lo === 0) hi = 1;
    else if (lo > 0) lo = 0;
    else hi = 0;
  }
  const step = niceStep(hi - lo, count);
  const niceMin = Math.floor(lo / step + 1e-9) * step;
  const niceMax = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; niceMin + i * step <= niceMax + step * 1e-9; i += 1) ticks.push(Number((niceMin + i * step).toPrecision(12)));
  return { min: niceMin, max: niceMax, ticks };
}

/** Maps [d0, d1] onto [r0, r1] linearly; a zero-width domain maps everything to the middle of the range. */
export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** Smallest and largest of a sample of any size (Math.min(...values) overflows the stack past ~100,000 values). */
export const minOf = (values: readonly number[]): number => values.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
export const maxOf = (values: readonly number[]): number => values.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);

export interface Bin {
  /** Inclusive lower edge. */
  from: number;
  /** Exclusive upper edge, inclusive for the last bin. */
  to: number;
  count: number;
}

export interface Binned {
  bins: Bin[];
  /** NaN, ±Infinity and values outside [min, max]: counted here, in no bin. */
  leftOut: number;
}

/**
 * Equal-width bins over [min, max] (default: the finite values' range). Values outside the range and non-finite
 * values are left out and counted, never silently clamped into an edge bin.
 */
export function histogramBins(values: readonly number[], options: { bins?: number; min?: number; max?: number } = {}): Binned {
  const count = Math.max(1, Math.floor(options.bins ?? 10));
  const finite = values.filter((v) => Number.isFinite(v));
  let min = options.min ?? (finite.length > 0 ? minOf(finite) : 0);
  let max = options.max ?? (finite.length > 0 ? maxOf(finite) : 1);
  if (max === min) {
    min -= 0.5;
    max += 0.5;
  }
  // Edges as min + (i / count) * span, not min + i * width: 0.6 then is an edge exactly, where 6 * 0.1 is 0.6000000000000001.
  const edge = (i: number): number => (i >= count ? max : min + (i / count) * (max - min));
  const bins: Bin[] = Array.from({ length: count }, (_, i) => ({ from: edge(i), to: edge(i + 1), count: 0 }));
  let leftOut = values.length - finite.length;
  for (const value of finite) {
    if (value < min || value > max) {
      leftOut += 1;
      continue;
    }
    let index = Math.min(count - 1, Math.floor(((value - min) / (max - min)) * count));
    if (index < count - 1 && value >= edge(index + 1)) index += 1;
    else if (index > 0 && value < edge(index)) index -= 1;
    (bins[index] as Bin).count += 1;
  }
  return { bins, leftOut };
}

const WIDTH = 600;
const HEIGHT = 340;
const MARGIN = { top: 64, right: 24, bottom: 68, left: 72 };
/** Where a chart draws: the SVG's size and the plot area inside it (y0 is the bottom edge, y1 the top). */
interface Layout {
  width: number;
  height: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The standard chart, made taller by `extraBottom` for labels written at a slant. */
function layout(extraBottom = 0): Layout {
  const height = HEIGHT + extraBottom;
  return { width: WIDTH, height, x0: MARGIN.left, x1: WIDTH - MARGIN.right, y0: HEIGHT - MARGIN.bottom, y1: MARGIN.top };
}

const PLOT = layout();

export interface ChartText {
  /** Also the figure's id (slugged) and the start of its aria-label. */
  title: string;
  xLabel: string;
  yLabel: string;
  /** One sentence under the chart: what was measured, and how. */
  caption?: string;
}

const num = (value: number): string => String(Math.round(value * 10) / 10);

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'chart'
  );
}

function frame(text: ChartText, label: string, body: string, legend: string[], L: Layout = PLOT): string {
  const legendItems = legend
    .map((name, i) => {
      const x = L.x0 + (i % 3) * 170;
      const y = 32 + Math.floor(i / 3) * 16;
      return `<g class="legend-item"><rect class="series-${i % 6}" x="${x}" y="${y}" width="12" height="12"/><text x="${x + 18}" y="${y + 10}">${escapeHtml(name)}</text></g>`;
    })
    .join('');
  const caption = text.caption ? `<figcaption>${escapeHtml(text.caption)}</figcaption>` : '';
  return (
    `<figure class="chart" id="${slug(text.title)}">` +
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(`${text.title}: ${label}`)}" viewBox="0 0 ${L.width} ${L.height}" width="${L.width}" height="${L.height}">` +
    `<title>${escapeHtml(text.title)}</title>` +
    `<text class="chart-title" x="${L.x0}" y="22">${escapeHtml(text.title)}</text>` +
    (legend.length > 0 ? `<g class="legend">${legendItems}</g>` : '') +
    body +
    `</svg>${caption}</figure>`
  );
}

function noData(text: ChartText, reason: string): string {
  const body = `<text class="no-data" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">No data${reason ? `: ${escapeHtml(reason)}` : ''}</text>`;
  return frame(text, `no data${reason ? `: ${reason}` : ''}`, body, []).replace('class="chart"', 'class="chart no-data-chart"');
}

function yAxis(ticks: number[], y: (v: number) => number, label: string, L: Layout = PLOT): string {
  const lines = ticks
    .map(
      (t) =>
        `<line class="grid" x1="${L.x0}" x2="${L.x1}" y1="${num(y(t))}" y2="${num(y(t))}"/>` +
        `<text class="tick" x="${L.x0 - 6}" y="${num(y(t) + 4)}" text-anchor="end">${escapeHtml(formatValue(t))}</text>`,
    )
    .join('');
  const middle = (L.y0 + L.y1) / 2;
  return (
    `<g class="axis y-axis">${lines}<line class="axis-line" x1="${L.x0}" x2="${L.x0}" y1="${L.y1}" y2="${L.y0}"/>` +
    `<text class="axis-label" x="16" y="${middle}" transform="rotate(-90 16 ${middle})" text-anchor="middle">${escapeHtml(label)}</text></g>`
  );
}

/** About the width of a character of a 12px tick label. */
const LABEL_CHAR_PX = 7;
/** Slanted labels longer than this are cut (the whole label is in their tooltip). */
const SLANTED_MAX_CHARS = 28;

export type TickMode = 'flat' | 'stagger' | 'slant';

/** Labels that fit their spacing stay flat, twice their spacing alternate between two rows, longer ones slant at 30°. */
export function tickMode(labels: readonly string[], spacing: number): TickMode {
  const widest = Math.max(0, ...labels.map((l) => l.length)) * LABEL_CHAR_PX;
  return widest <= spacing ? 'flat' : widest <= 2 * spacing ? 'stagger' : 'slant';
}

/** The height slanted labels need below the usual axis room (sin 30° of the longest). */
function slantRoom(labels: readonly string[]): number {
  return Math.ceil(Math.min(SLANTED_MAX_CHARS, Math.max(0, ...labels.map((l) => l.length))) * LABEL_CHAR_PX * 0.5);
}

function xAxis(ticks: { at: number; label: string }[], label: string, L: Layout = PLOT): string {
  const spacing = ticks.length > 1 ? Math.abs((ticks[1]?.at ?? 0) - (ticks[0]?.at ?? 0)) : Number.POSITIVE_INFINITY;
  const mode = tickMode(
    ticks.map((t) => t.label),
    spacing,
  );
  const items = ticks
    .map((t, i) => {
      const low = mode === 'stagger' && i % 2 === 1;
      const mark = `<line class="tick-mark" x1="${num(t.at)}" x2="${num(t.at)}" y1="${L.y0}" y2="${L.y0 + (low ? 18 : 5)}"/>`;
      if (mode !== 'slant')
        return `${mark}<text class="tick" x="${num(t.at)}" y="${L.y0 + (low ? 32 : 18)}" text-anchor="middle">${escapeHtml(t.label)}</text>`;
      const shown = t.label.length > SLANTED_MAX_CHARS ? `${t.label.slice(0, SLANTED_MAX_CHARS - 1)}…` : t.label;
      const y = L.y0 + 14;
      return `${mark}<text class="tick" x="${num(t.at)}" y="${y}" text-anchor="end" transform="rotate(-30 ${num(t.at)} ${y})"><title>${escapeHtml(t.label)}</title>${escapeHtml(shown)}</text>`;
    })
    .join('');
  return (
    `<g class="axis x-axis"><line class="axis-line" x1="${L.x0}" x2="${L.x1}" y1="${L.y0}" y2="${L.y0}"/>${items}` +
    `<text class="axis-label" x="${(L.x0 + L.x1) / 2}" y="${L.height - 10}" text-anchor="middle">${escapeHtml(label)}</text></g>`
  );
}

export interface HistogramSeries {
  name: string;
  /** Raw values; binned over the chart's common range so the series compare bin by bin. */
  values: readonly number[];
}

/**
 * Histogram of one or more series over the same bins, bars of a bin side by side. Only bins with a count get a
 * bar (each with a tooltip); values left out (non-finite, out of range) are said in the label and the caption.
 */
export function histogramChart(text: ChartText, series: readonly HistogramSeries[], options: { bins?: number; min?: number; max?: number } = {}): string {
  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  if (finite.length === 0) return noData(text, series.some((s) => s.values.length > 0) ? 'no finite value' : '');
  const range = options.min !== undefined && options.max !== undefined ? { ...options } : niceBins(minOf(finite), maxOf(finite), options.bins ?? 10);
  return binnedHistogramChart(
    text,
    series.map((s) => ({ name: s.name, ...histogramBins(s.values, { ...range, min: options.min ?? range.min, max: options.max ?? range.max }) })),
  );
}

/** About `bins` bins over [min, max] with edges on round numbers (1, 2 or 5 times a power of ten). */
export function niceBins(min: number, max: number, bins: number): { min: number; max: number; bins: number } {
  const step = niceStep(max - min, bins);
  const lo = Math.floor(min / step) * step;
  const hi = Math.max(lo + step, Math.ceil(max / step) * step);
  return { min: Number(lo.toPrecision(12)), max: Number(hi.toPrecision(12)), bins: Math.round((hi - lo) / step) };
}

/**
 * Samples reduced to about `bins` bins on round edges, for a result file to keep a distribution instead of every
 * sample (e.g. a bench row's latencies, drawn later by `binnedHistogramChart`). Empty when no value is finite.
 */
export function histogramOf(values: readonly number[], bins = 20): Bin[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [];
  return histogramBins(finite, niceBins(minOf(finite), maxOf(finite), bins)).bins;
}

export interface BinnedSeries {
  name: string;
  /** Bins in order; series drawn together should share their edges. */
  bins: readonly Bin[];
  leftOut?: number;
}

/** A histogram of bins counted elsewhere (e.g. kept in a bench result instead of every sample). */
export function binnedHistogramChart(text: ChartText, series: readonly BinnedSeries[]): string {
  const usable = series.map((s) => ({
    ...s,
    bins: s.bins.filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to) && Number.isFinite(b.count) && b.to >= b.from),
  }));
  const edges = usable.flatMap((s) => s.bins);
  if (edges.length === 0 || edges.every((b) => b.count <= 0)) return noData(text, '');
  const lo = minOf(edges.map((b) => b.from));
  const hi = maxOf(edges.map((b) => b.to));
  const top = niceDomain(0, Math.max(1, maxOf(edges.map((b) => b.count))));
  const y = linearScale([0, top.max], [PLOT.y0, PLOT.y1]);
  const x = linearScale([lo, hi === lo ? lo + 1 : hi], [PLOT.x0, PLOT.x1]);
  const bars: string[] = [];
  usable.forEach((s, si) => {
    s.bins.forEach((bin, bi) => {
      if (bin.count <= 0) return;
      const left = x(bin.from);
      const slot = Math.max(2, x(bin.to) - left) / usable.length;
      bars.push(
        `<rect class="bar series-${si % 6}" data-series="${si}" x="${num(left + si * slot + 0.5)}" y="${num(y(bin.count))}" width="${num(Math.max(1, slot - 1))}" height="${num(Math.max(1, PLOT.y0 - y(bin.count)))}">` +
          `<title>${escapeHtml(`${s.name}: ${formatValue(bin.count)} in [${formatValue(bin.from)}, ${formatValue(bin.to)}${bi === s.bins.length - 1 ? ']' : ')'}`)}</title></rect>`,
      );
    });
  });
  const first = usable.find((s) => s.bins.length > 0)?.bins ?? [];
  const boundaries = [...first.map((b) => b.from), first[first.length - 1]?.to ?? hi];
  const every = Math.ceil(boundaries.length / 11);
  const ticks = boundaries.filter((_, i, all) => i % every === 0 || i === all.length - 1).map((v) => ({ at: x(v), label: formatValue(v) }));
  const leftOut = usable.map((s) => (s.leftOut ? `${s.name}: ${s.leftOut} left out (not finite or out of range).` : '')).filter(Boolean);
  const counted = (s: BinnedSeries): number => s.bins.reduce((sum, b) => sum + (Number.isFinite(b.count) ? b.count : 0), 0);
  const label = `${usable.map((s) => `${s.name} ${counted(s)} values`).join(', ')} in ${first.length} bins${leftOut.length > 0 ? `; ${leftOut.join(' ')}` : ''}`;
  const caption = [text.caption, ...leftOut].filter(Boolean).join(' ');
  return frame(
    { ...text, ...(caption ? { caption } : {}) },
    label,
    yAxis(top.ticks, y, text.yLabel) + xAxis(ticks, text.xLabel) + bars.join(''),
    usable.map((s) => s.name),
  );
}

export interface BarSeries {
  name: string;
  /** One value per category; undefined or non-finite draws no bar (the tooltip-less gap reads n/a in the table). */
  values: readonly (number | undefined)[];
}

/** Bars grouped by category, one colour per series, from zero (negative values go below the axis). */
export function groupedBarChart(text: ChartText, categories: readonly string[], series: readonly BarSeries[]): string {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  if (categories.length === 0 || values.length === 0) return noData(text, categories.length > 0 ? 'no finite value' : '');
  const domain = niceDomain(Math.min(0, minOf(values)), Math.max(0, maxOf(values)));
  const band = (PLOT.x1 - PLOT.x0) / categories.length;
  const L = layout(tickMode(categories, band) === 'slant' ? slantRoom(categories) : 0);
  const y = linearScale([domain.min, domain.max], [L.y0, L.y1]);
  const slot = (band * 0.8) / Math.max(1, series.length);
  const bars: string[] = [];
  series.forEach((s, si) => {
    s.values.forEach((value, ci) => {
      if (value === undefined || !Number.isFinite(value)) return;
      const left = L.x0 + ci * band + band * 0.1 + si * slot;
      const top = Math.min(y(value), y(0));
      bars.push(
        `<rect class="bar series-${si % 6}" data-series="${si}" x="${num(left)}" y="${num(top)}" width="${num(Math.max(1, slot - 1))}" height="${num(Math.max(1, Math.abs(y(value) - y(0))))}">` +
          `<title>${escapeHtml(`${s.name}, ${categories[ci]}: ${formatValue(value)}`)}</title></rect>`,
      );
    });
  });
  const ticks = categories.map((c, i) => ({ at: L.x0 + (i + 0.5) * band, label: c }));
  const label = `${series.map((s) => s.name).join(', ')} for ${categories.join(', ')}`;
  return frame(
    text,
    label,
    yAxis(domain.ticks, y, text.yLabel, L) + xAxis(ticks, text.xLabel, L) + bars.join(''),
    series.map((s) => s.name),
    L,
  );
}

export interface LinePoint {
  x: number;
  y: number;
  /** Tooltip; default "x, y". */
  label?: string;
}

export interface LineSeries {
  name: string;
  points: readonly LinePoint[];
}

/** Lines over a numeric x axis with a marker per point; points with a non-finite coordinate are skipped. */
export function lineChart(text: ChartText, series: readonly LineSeries[]): string {
  const clean = series.map((s) => ({ name: s.name, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)) }));
  const all = clean.flatMap((s) => s.points);
  if (all.length === 0) return noData(text, series.some((s) => s.points.length > 0) ? 'no finite point' : '');
  const xs = niceDomain(minOf(all.map((p) => p.x)), maxOf(all.map((p) => p.x)));
  const ys = niceDomain(Math.min(0, minOf(all.map((p) => p.y))), maxOf(all.map((p) => p.y)));
  const x = linearScale([xs.min, xs.max], [PLOT.x0, PLOT.x1]);
  const y = linearScale([ys.min, ys.max], [PLOT.y0, PLOT.y1]);
  const body = clean
    .map((s, si) => {
      const path = s.points.map((p) => `${num(x(p.x))},${num(y(p.y))}`).join(' ');
      const points = s.points
        .map(
          (p) =>
            `<circle class="point series-${si % 6}" data-series="${si}" cx="${num(x(p.x))}" cy="${num(y(p.y))}" r="4"><title>${escapeHtml(`${s.name}: ${p.label ?? `${formatValue(p.x)}, ${formatValue(p.y)}`}`)}</title></circle>`,
        )
        .join('');
      return `<g class="line-series"><polyline class="line series-${si % 6}" points="${path}"/>${points}</g>`;
    })
    .join('');
  const label = `${clean.map((s) => `${s.name} ${s.points.length} points`).join(', ')}`;
  return frame(
    text,
    label,
    yAxis(ys.ticks, y, text.yLabel) +
      xAxis(
        xs.ticks.map((t) => ({ at: x(t), label: formatValue(t) })),
        text.xLabel,
      ) +
      body,
    clean.map((s) => s.name),
  );
}

export type Cell = string | number | undefined;

/** A table; numbers right-aligned and formatted, strings escaped. */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cell = (value: Cell, tag: 'td' | 'th' = 'td'): string =>
    typeof value === 'number' ? `<${tag} class="num">${escapeHtml(formatCell(value))}</${tag}>` : `<${tag}>${escapeHtml(value ?? 'n/a')}</${tag}>`;
  return (
    `<table><caption>${escapeHtml(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((row) => `<tr>${row.map((v) => cell(v)).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** Table cells keep more digits than chart labels: a figure to read, not a tick. */
function formatCell(value: number): string {
  if (!Number.isFinite(value)) return formatValue(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : Number(value.toPrecision(4)).toString();
}

/**
 * Every leaf of a JSON value as [dotted path, value]: what a result holds beyond its charts, as a table.
 * Arrays of primitives are joined; arrays of objects are indexed (`rows.0.p50`).
 */
export function flatten(value: unknown, prefix = ''): [string, Cell][] {
  if (value === null || value === undefined) return prefix ? [[prefix, undefined]] : [];
  if (typeof value === 'number' || typeof value === 'string') return [[prefix, value]];
  if (typeof value === 'boolean') return [[prefix, String(value)]];
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) return [[prefix, value.map((item) => String(item)).join(', ')]];
    return value.flatMap((item, i) => flatten(item, prefix ? `${prefix}.${i}` : String(i)));
  }
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => flatten(item, prefix ? `${prefix}.${key}` : key));
  }
  return [[prefix, String(value)]];
}

export interface PageSection {
  heading: string;
  /** HTML built by the functions of this module (already escaped). */
  html: string;
  /** Plain-text note under the heading. */
  note?: string;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #57606a; --grid: #d0d7de; --panel: #f6f8fa;
  --s0: #0969da; --s1: #d1242f; --s2: #1a7f37; --s3: #9a6700; --s4: #8250df; --s5: #57606a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --grid: #30363d; --panel: #161b22;
  --s0: #4493f8; --s1: #f85149; --s2: #3fb950; --s3: #d29922; --s4: #ab7df8; --s5: #9198a1; } }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1440px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--grid); }
p.note, figcaption, .subtitle { color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.chart { margin: 0; background: var(--panel); border-radius: 6px; padding: .5rem; max-width: 100%; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { max-width: ${WIDTH}px; font-size: .85rem; padding: 0 .25rem; }
svg text { fill: var(--fg); font-size: 12px; } svg .chart-title { font-size: 15px; font-weight: 600; }
svg .axis-label { font-size: 13px; } svg .tick { fill: var(--muted); } svg .no-data { fill: var(--muted); font-size: 15px; }
svg .grid { stroke: var(--grid); stroke-width: 1; } svg .axis-line, svg .tick-mark { stroke: var(--muted); stroke-width: 1; }
svg .line { fill: none; stroke-width: 2; }
${[0, 1, 2, 3, 4, 5].map((i) => `svg .series-${i} { fill: var(--s${i}); } svg .line.series-${i} { stroke: var(--s${i}); fill: none; }`).join('\n')}
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--grid); padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

/**
 * The whole document: one file, inline CSS, no script, and a Content-Security-Policy that forbids every fetch,
 * so the report opens from file:// and never reaches the network.
 */
export function htmlPage(title: string, subtitle: string, sections: readonly PageSection[]): string {
  const body = sections
    .map(
      (s) =>
        `<section id="${slug(s.heading)}"><h2>${escapeHtml(s.heading)}</h2>${s.note ? `<p class="note">${escapeHtml(s.note)}</p>` : ''}${s.html}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="subtitle">${escapeHtml(subtitle)}</p>
${body}
</body>
</html>
`;
}

/** Charts laid out side by side (wrapping on a narrow window). */
export function chartRow(charts: readonly string[]): string {
  return `<div class="charts">${charts.join('')}</div>`;
}
