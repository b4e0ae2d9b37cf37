import { type CfnTemplate, packageStack } from '../../../scripts/package-stack';
import {
  ALL_METRIC_NAMES,
  FINDING_TYPE_DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  STAGES,
  stageLatencyMetric,
} from '../../../shared/observability/metric-names';
import dashboard = require('../../../stack/dashboard.js');

/**
 * The dashboard as `serverless package` writes it (stack/dashboard.js through the framework): every metric it
 * charts must be one the service emits or one AWS emits for a resource of this very stack, or the widget shows
 * nothing and nobody notices.
 *
 * Limits (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 * and https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html, read 2026-12-01).
 */
const MAX_WIDGETS = 500;
const MAX_METRICS_PER_WIDGET = 500;
const MAX_METRICS_PER_DASHBOARD = 2500;
const GRID_WIDTH = 24;

/** The resource type an AWS metric dimension must name. */
const DIMENSION_RESOURCE_TYPES: Record<string, string> = {
  FunctionName: 'AWS::Lambda::Function',
  ApiId: 'AWS::ApiGatewayV2::Api',
  StateMachineArn: 'AWS::StepFunctions::StateMachine',
};

interface ChartedMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  stat: string;
  widget: string;
}
interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; stat?: string; metrics?: unknown[][]; alarms?: string[] };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every metric of every metric widget, expressions apart. */
function chartedMetrics(widgets: Widget[]): { metrics: ChartedMetric[]; expressions: string[] } {
  const metrics: ChartedMetric[] = [];
  const expressions: string[] = [];
  for (const widget of widgets.filter((w) => w.type === 'metric')) {
    for (const entry of widget.properties.metrics ?? []) {
      const options = entry.find(isRecord) ?? {};
      if (typeof options.expression === 'string') {
        expressions.push(options.expression);
        continue;
      }
      const [namespace, name, ...rest] = entry.filter((part): part is string => typeof part === 'string');
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i] ?? ''] = rest[i + 1] ?? '';
      const stat = typeof options.stat === 'string' ? options.stat : (widget.properties.stat ?? '');
      metrics.push({ namespace: namespace ?? '', name: name ?? '', dimensions, stat, widget: widget.properties.title ?? '' });
    }
  }
  return { metrics, expressions };
}

let template: CfnTemplate;
let body: string;
let widgets: Widget[];
let charted: { metrics: ChartedMetric[]; expressions: string[] };

beforeAll(async () => {
  const stack = await packageStack({ stage: 'ci' });
  template = stack.template;
  await stack.cleanup();
  const properties = template.Resources.Dashboard?.Properties ?? {};
  const sub = isRecord(properties.DashboardBody) ? properties.DashboardBody['Fn::Sub'] : undefined;
  body = typeof sub === 'string' ? sub : '';
  widgets = (JSON.parse(body) as { widgets: Widget[] }).widgets;
  charted = chartedMetrics(widgets);
}, 120_000);

describe('CloudWatch dashboard (stack/dashboard.js, packaged)', () => {
  it('is a dashboard whose body is JSON with Fn::Sub placeholders, named after the stage', () => {
    // Assess
    expect(template.Resources.Dashboard?.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(template.Resources.Dashboard?.Properties.DashboardName).toBe('serverless-rag-ci');
    expect(widgets.length).toBeGreaterThan(0);
    expect(body).toContain(`\${AWS::Region}`);
  });

  it("charts only metric names the service emits, with the service's dimension set", () => {
    // Act
    const own = charted.metrics.filter((m) => m.namespace === METRICS_NAMESPACE);

    // Assess
    expect(own.length).toBeGreaterThan(0);
    for (const metric of own) {
      expect([metric.name, ALL_METRIC_NAMES.includes(metric.name)]).toEqual([metric.name, true]);
      expect([metric.name, metric.dimensions]).toEqual([metric.name, { service: METRICS_SERVICE }]);
    }
  });

  it('searches GuardrailFindings by findingType within the service dimension set only (no tenant dimension)', () => {
    // Act
    const searches = charted.expressions.map((e) => /^SEARCH\('\{([^}]*)\} MetricName="(\w+)"'/.exec(e));

    // Assess
    expect(searches.length).toBeGreaterThan(0);
    for (const match of searches) {
      expect(match).not.toBeNull();
      expect(match?.[1]?.split(',')).toEqual([METRICS_NAMESPACE, FINDING_TYPE_DIMENSION, 'service']);
      expect(ALL_METRIC_NAMES).toContain(match?.[2]);
    }
    expect(searches.map((m) => m?.[2])).toContain(METRIC.guardrailFindings);
  });

  it('names only resources of this stack, of the right type, in AWS metrics', () => {
    // Act
    const awsMetrics = charted.metrics.filter((m) => m.namespace.startsWith('AWS/'));
    const placeholders = [...body.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] ?? '');

    // Assess
    expect(awsMetrics.length).toBeGreaterThan(0);
    for (const metric of awsMetrics) {
      expect(Object.keys(metric.dimensions).length).toBeGreaterThan(0);
      for (const [dimension, value] of Object.entries(metric.dimensions)) {
        const logicalId = /^\$\{(\w+)\}$/.exec(value)?.[1] ?? `(not a resource: ${value})`;
        expect([metric.name, dimension, template.Resources[logicalId]?.Type]).toEqual([metric.name, dimension, DIMENSION_RESOURCE_TYPES[dimension]]);
      }
    }
    for (const name of placeholders) {
      const logicalId = name.split('.')[0] ?? '';
      if (!name.startsWith('AWS::')) expect([name, template.Resources[logicalId] !== undefined]).toEqual([name, true]);
    }
  });

  it('charts Lambda errors of every function of the stack', () => {
    // Prepare
    const functions = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => `\${${id}}`)
      .sort();

    // Act
    const charted_ = charted.metrics.filter((m) => m.namespace === 'AWS/Lambda' && m.name === 'Errors').map((m) => m.dimensions.FunctionName);

    // Assess
    expect([...charted_].sort()).toEqual(functions);
  });

  it('shows the state of every alarm of the stack', () => {
    // Prepare
    const alarms = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => `\${${id}.Arn}`)
      .sort();

    // Act
    const shown = widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms ?? []);

    // Assess
    expect([...shown].sort()).toEqual(alarms);
  });

  it('covers latency percentiles per stage, tokens and cost, throttles, errors, guardrails, ingestion, budgets, cache and fallbacks', () => {
    // Prepare
    const latency = [...STAGES.map(stageLatencyMetric), METRIC.queryLatency, METRIC.firstDelta, METRIC.modelLatency];
    const sums = [
      METRIC.modelInputTokens,
      METRIC.modelOutputTokens,
      METRIC.modelCost,
      METRIC.queryCost,
      METRIC.modelThrottles,
      METRIC.modelRetries,
      METRIC.modelErrors,
      METRIC.streamsBroken,
      METRIC.guardrailInterventions,
      METRIC.failedDocuments,
      METRIC.budgetWarnings,
      METRIC.budgetExhausted,
      METRIC.budgetRejections,
      METRIC.answerCacheHits,
      METRIC.modelFallbacks,
    ];
    const key = (m: { namespace: string; name: string; stat: string }) => `${m.namespace}/${m.name}/${m.stat}`;
    const resourceKey = (m: ChartedMetric) => `${m.namespace}/${m.name}/${Object.values(m.dimensions).join(',')}`;

    // Act
    const keys = new Set(charted.metrics.map(key));
    const resourceKeys = new Set(charted.metrics.map(resourceKey));

    // Assess
    for (const name of latency) for (const stat of ['p50', 'p90', 'p99']) expect(keys).toContain(`${METRICS_NAMESPACE}/${name}/${stat}`);
    for (const name of sums) expect(keys).toContain(`${METRICS_NAMESPACE}/${name}/Sum`);
    for (const fn of dashboard.API_FUNCTIONS) expect(resourceKeys).toContain(`AWS/Lambda/Throttles/\${${dashboard.functionLogicalId(fn)}}`);
    expect(resourceKeys).toContain(`AWS/States/ExecutionThrottled/\${QueryStateMachine}`);
    expect(resourceKeys).toContain(`AWS/States/ExecutionsFailed/\${IngestStateMachine}`);
    expect(resourceKeys).toContain(`AWS/ApiGateway/4xx/\${HttpApi}`);
    expect(resourceKeys).toContain(`AWS/ApiGateway/5xx/\${HttpApi}`);
  });

  it('stays within the documented dashboard limits and the 24-unit grid, without overlapping widgets', () => {
    // Act
    const perWidget = widgets.map((w) => w.properties.metrics?.length ?? 0);
    const cells = new Set<string>();
    let overlaps = 0;
    for (const w of widgets) {
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          if (cells.has(`${x},${y}`)) overlaps++;
          cells.add(`${x},${y}`);
        }
      }
    }

    // Assess
    expect(widgets.length).toBeLessThanOrEqual(MAX_WIDGETS);
    expect(Math.max(...perWidget)).toBeLessThanOrEqual(MAX_METRICS_PER_WIDGET);
    expect(perWidget.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_METRICS_PER_DASHBOARD);
    for (const w of widgets) expect([w.properties.title, w.x + w.width <= GRID_WIDTH]).toEqual([w.properties.title, true]);
    expect(overlaps).toBe(0);
  });
});
