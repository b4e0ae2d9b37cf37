import {
  binnedHistogramChart,
  dataTable,
  escapeHtml,
  flatten,
  formatValue,
  groupedBarChart,
  histogramBins,
  histogramChart,
  histogramOf,
  htmlPage,
  htmlPathFor,
  linearScale,
  maxOf,
  minOf,
  lineChart,
  niceBins,
  niceDomain,
  tickMode,
} from '../../../scripts/report/html-report';

/** The drawn bars of an SVG string: their series and heights. */
function bars(svg: string): { series: number; height: number; title: string }[] {
  return [...svg.matchAll(/<rect class="bar series-\d" data-series="(\d+)" [^>]*height="([^"]+)"><title>([^<]*)<\/title>/g)].map((m) => ({
    series: Number(m[1]),
    height: Number(m[2]),
    title: m[3] as string,
  }));
}

const TEXT = { title: 'Scores', xLabel: 'score', yLabel: 'queries' };

describe('escapeHtml', () => {
  it('turns every markup character into an entity, so a dataset string stays text', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'q'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  });
});

describe('htmlPathFor', () => {
  it('puts the report beside the JSON under the same name', () => {
    expect(htmlPathFor('bench/results/query-quick.json')).toBe('bench/results/query-quick.html');
    expect(htmlPathFor('/tmp/x/RESULT.JSON')).toBe('/tmp/x/RESULT.html');
    expect(htmlPathFor('out/result')).toBe('out/result.html');
    expect(htmlPathFor('out.json.d/result.json')).toBe('out.json.d/result.html');
  });
});

describe('scales', () => {
  it('widens a domain to whole 1-2-5 steps with ticks at each step', () => {
    expect(niceDomain(0, 87)).toEqual({ min: 0, max: 100, ticks: [0, 20, 40, 60, 80, 100] });
    expect(niceDomain(0, 1)).toEqual({ min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceDomain(-3, 7).ticks).toEqual([-4, -2, 0, 2, 4, 6, 8]);
  });

  it('gives a single value, an inverted range and non-finite bounds a usable domain', () => {
    expect(niceDomain(5, 5)).toMatchObject({ min: 0 });
    expect(niceDomain(5, 5).max).toBeGreaterThanOrEqual(5);
    expect(niceDomain(0, 0)).toMatchObject({ min: 0, max: 1 });
    expect(niceDomain(10, 0)).toMatchObject({ min: 0, max: 10 });
    const wild = niceDomain(Number.NaN, Number.POSITIVE_INFINITY);
    expect(wild.ticks.length).toBeGreaterThan(1);
    expect(wild.ticks.every(Number.isFinite)).toBe(true);
  });

  it('maps a domain onto a range linearly, inverted ranges included', () => {
    const y = linearScale([0, 100], [300, 100]);
    expect([y(0), y(50), y(100)]).toEqual([300, 200, 100]);
    expect(linearScale([2, 2], [0, 10])(7)).toBe(5);
  });

  it('formats labels compactly and says n/a for what is not a number', () => {
    expect([formatValue(3), formatValue(0.123456), formatValue(15_000), formatValue(2.5e6), formatValue(Number.NaN), formatValue(undefined)]).toEqual([
      '3',
      '0.123',
      '15k',
      '2.5M',
      'n/a',
      'n/a',
    ]);
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('∞');
  });
});

describe('minOf and maxOf', () => {
  it('take samples far larger than the call stack allows as arguments', () => {
    const samples = Array.from({ length: 300_000 }, (_, i) => (i % 2 === 0 ? i : 300_000 - i));
    expect(() => Math.min(...samples)).toThrow(RangeError);
    expect([minOf(samples), maxOf(samples)]).toEqual([0, 299_999]);
    expect(histogramOf(samples, 10).reduce((sum, b) => sum + b.count, 0)).toBe(300_000);
  });
});

describe('histogramBins', () => {
  it('counts values into equal bins, lower edge inclusive and the last bin closed', () => {
    const { bins, leftOut } = histogramBins([0, 0.05, 0.1, 0.35, 0.95, 1], { bins: 10, min: 0, max: 1 });
    expect(bins.map((b) => b.count)).toEqual([2, 1, 0, 1, 0, 0, 0, 0, 0, 2]);
    expect(bins[0]).toMatchObject({ from: 0, to: 0.1 });
    expect(bins[9]?.to).toBe(1);
    expect(leftOut).toBe(0);
  });

  it('puts a value on an edge in the bin that starts there, whatever the floating-point quotient says', () => {
    // 0.6 / 0.1 is 5.999999999999999 and 0.7 / 0.1 is 6.999999999999999 in floating point.
    const { bins } = histogramBins([0.3, 0.6, 0.7], { bins: 10, min: 0, max: 1 });
    expect(bins.map((b) => b.count)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0]);
    expect(bins[6]).toEqual({ from: 0.6, to: 0.7, count: 1 });
  });

  it('leaves NaN, ±Infinity and out-of-range values out and counts them, never in an edge bin', () => {
    const { bins, leftOut } = histogramBins([0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5, 1.5], { bins: 2, min: 0, max: 1 });
    expect(bins.map((b) => b.count)).toEqual([0, 1]);
    expect(leftOut).toBe(5);
  });

  it('spans the data when no range is given, and a single repeated value still gets a bin', () => {
    expect(histogramBins([10, 20, 30], { bins: 2 }).bins.map((b) => [b.from, b.to, b.count])).toEqual([
      [10, 20, 1],
      [20, 30, 2],
    ]);
    expect(histogramBins([4, 4, 4], { bins: 3 }).bins.reduce((sum, b) => sum + b.count, 0)).toBe(3);
    expect(histogramBins([], { bins: 4 }).bins).toHaveLength(4);
  });
});

describe('niceBins', () => {
  it('puts bin edges on round numbers around the data, about as many bins as asked', () => {
    expect(niceBins(13.6, 41.2, 20)).toEqual({ min: 12, max: 42, bins: 15 });
    expect(niceBins(0, 1, 10)).toEqual({ min: 0, max: 1, bins: 10 });
    expect(niceBins(5, 5, 10)).toEqual({ min: 5, max: 6, bins: 1 });
  });

  it('is what a histogram without a given range uses', () => {
    const svg = histogramChart(TEXT, [{ name: 'latency', values: [13.6, 20, 41.2] }], { bins: 20 });
    expect(svg).toContain('latency: 1 in [12, 14)');
    expect(svg).toContain('latency: 1 in [40, 42]');
    expect(svg).toContain('in 15 bins');
  });
});

describe('histogramOf', () => {
  it('keeps a distribution as round-edged bins that hold every finite sample', () => {
    const samples = [12, 18, 18, 25, 61, Number.NaN];
    const bins = histogramOf(samples, 5);
    expect(bins.map((b) => [b.from, b.to, b.count])).toEqual([
      [10, 20, 3],
      [20, 30, 1],
      [30, 40, 0],
      [40, 50, 0],
      [50, 60, 0],
      [60, 70, 1],
    ]);
    expect(histogramOf([Number.NaN])).toEqual([]);
    expect(bars(binnedHistogramChart(TEXT, [{ name: 'latency', bins }]))).toHaveLength(3);
  });
});

describe('histogramChart', () => {
  it('draws one bar per non-empty bin and series, taller for larger counts, with a tooltip each', () => {
    const svg = histogramChart(
      TEXT,
      [
        { name: 'service', values: [0, 0.35, 0.35, 1] },
        { name: 'BM25', values: [0.1, 0.15, 0.5] },
      ],
      { bins: 10, min: 0, max: 1 },
    );
    const drawn = bars(svg);
    expect(drawn.filter((b) => b.series === 0)).toHaveLength(3);
    expect(drawn.filter((b) => b.series === 1)).toHaveLength(2);
    expect(drawn.every((b) => b.height > 0)).toBe(true);
    const two = drawn.find((b) => b.title.startsWith('service: 2 in [0.3, 0.4)'));
    const one = drawn.find((b) => b.title.startsWith('service: 1 in [0, 0.1)'));
    expect(two?.height).toBeCloseTo(2 * (one?.height ?? 0), 0);
    expect(drawn.some((b) => b.title === 'service: 1 in [0.9, 1]')).toBe(true);
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/aria-label="Scores: service 4 values, BM25 3 values in 10 bins"/);
    expect(svg).toContain('>score</text>');
    expect(svg).toContain('>queries</text>');
  });

  it('shows "No data" for an empty series instead of failing, and says when nothing is finite', () => {
    const empty = histogramChart(TEXT, [{ name: 'service', values: [] }]);
    expect(empty).toContain('No data');
    expect(bars(empty)).toHaveLength(0);
    const nan = histogramChart(TEXT, [{ name: 'service', values: [Number.NaN, Number.POSITIVE_INFINITY] }]);
    expect(nan).toContain('No data: no finite value');
    expect(histogramChart(TEXT, [])).toContain('No data');
  });

  it('draws the finite values and says how many were left out, with no NaN in the markup', () => {
    const svg = histogramChart(TEXT, [{ name: 'service', values: [0.2, Number.NaN, 0.8] }], { bins: 5, min: 0, max: 1 });
    expect(bars(svg)).toHaveLength(2);
    expect(svg).toContain('service: 1 left out (not finite or out of range).');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('escapes series names and titles', () => {
    const svg = histogramChart({ ...TEXT, title: '<b>t</b>' }, [{ name: '<script>x</script>', values: [1] }]);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).not.toContain('<b>');
  });
});

describe('binnedHistogramChart', () => {
  it('draws bins counted elsewhere and skips empty or malformed ones', () => {
    const svg = binnedHistogramChart(TEXT, [
      {
        name: 'latency',
        bins: [
          { from: 0, to: 10, count: 3 },
          { from: 10, to: 20, count: 0 },
          { from: 20, to: 30, count: 1 },
          { from: 30, to: Number.NaN, count: 4 },
        ],
      },
    ]);
    expect(bars(svg)).toHaveLength(2);
    expect(binnedHistogramChart(TEXT, [{ name: 'latency', bins: [] }])).toContain('No data');
  });
});

describe('groupedBarChart', () => {
  it('draws a bar per finite value, none for undefined or NaN, bars from zero for negative values', () => {
    const svg = groupedBarChart(
      TEXT,
      ['a', 'b', 'c'],
      [
        { name: 'one', values: [1, undefined, -2] },
        { name: 'two', values: [Number.NaN, 3, 0.5] },
      ],
    );
    const drawn = bars(svg);
    expect(drawn).toHaveLength(4);
    expect(drawn.map((b) => b.title)).toEqual(['one, a: 1', 'one, c: -2', 'two, b: 3', 'two, c: 0.5']);
    expect(svg).not.toMatch(/NaN/);
    expect(svg).toContain('>-2</text>');
  });

  it('gives no categories or no finite values a "No data" chart', () => {
    expect(groupedBarChart(TEXT, [], [])).toContain('No data');
    expect(groupedBarChart(TEXT, ['a'], [{ name: 'one', values: [Number.NaN] }])).toContain('No data: no finite value');
  });
});

describe('category labels', () => {
  it('stay flat when they fit, alternate rows at up to twice their room, slant beyond', () => {
    expect(tickMode(['p50', 'p95'], 100)).toBe('flat');
    expect(tickMode(['Recall@100', 'MRR@10'], 60)).toBe('stagger');
    expect(tickMode(['ingest-embed-batch', 'api-query'], 30)).toBe('slant');
  });

  it('slant in a taller chart, long ones cut with the whole name in their tooltip', () => {
    const names = Array.from({ length: 12 }, (_, i) => `function-with-a-rather-long-name-${i}`);
    const svg = groupedBarChart(TEXT, names, [{ name: 'ms', values: names.map((_, i) => i + 1) }]);
    expect(svg).toMatch(/<svg [^>]*height="(\d+)"/);
    expect(Number(/<svg [^>]*height="(\d+)"/.exec(svg)?.[1])).toBeGreaterThan(340);
    expect(svg.match(/transform="rotate\(-30 /g)).toHaveLength(12);
    expect(svg).toContain('<title>function-with-a-rather-long-name-0</title>function-with-a-rather-long…</text>');
    const flat = groupedBarChart(TEXT, ['a', 'b'], [{ name: 'ms', values: [1, 2] }]);
    expect(flat).toContain('height="340"');
    expect(flat).not.toContain('rotate(-30');
  });
});

describe('lineChart', () => {
  it('draws a marker per finite point and skips the others', () => {
    const svg = lineChart(TEXT, [
      {
        name: 'rate',
        points: [
          { x: 0, y: 1 },
          { x: 1, y: Number.NaN },
          { x: 2, y: 3, label: 'two <seconds>' },
        ],
      },
    ]);
    expect(svg.match(/<circle class="point/g)).toHaveLength(2);
    expect(svg).toContain('<polyline class="line series-0"');
    expect(svg).toContain('rate: two &lt;seconds&gt;');
    expect(svg).not.toMatch(/NaN/);
    expect(lineChart(TEXT, [{ name: 'rate', points: [] }])).toContain('No data');
  });
});

describe('tables and pages', () => {
  it('escapes cells, right-aligns numbers and writes n/a for missing ones', () => {
    const html = dataTable(
      'Queries',
      ['id', 'score'],
      [
        ['<script>alert(1)</script>', 0.5],
        ['q2', undefined],
      ],
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="num">0.5</td>');
    expect(html).toContain('<td>n/a</td>');
  });

  it('flattens nested results into dotted paths', () => {
    expect(flatten({ a: { b: 1, c: [1, 2] }, d: [{ e: 'x' }], f: true, g: null })).toEqual([
      ['a.b', 1],
      ['a.c', '1, 2'],
      ['d.0.e', 'x'],
      ['f', 'true'],
      ['g', undefined],
    ]);
  });

  it('builds one self-contained page: no script, no external resource, a policy that forbids fetching', () => {
    const page = htmlPage('<Report>', 'sub', [{ heading: 'Charts', html: histogramChart(TEXT, [{ name: 's', values: [1, 2] }]), note: 'a & b' }]);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    expect(page).not.toMatch(/<script|<link|\ssrc=|\shref=|@import|url\(/i);
    expect(page).toContain('<title>&lt;Report&gt;</title>');
    expect(page).toContain('prefers-color-scheme: dark');
    expect(page).toContain('a &amp; b');
  });
});
