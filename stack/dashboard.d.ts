// Types of stack/dashboard.js (a Serverless variable source, plain CommonJS) for the tests.
declare function dashboard(context: { resolveConfigurationProperty(path: string[]): Promise<unknown> }): Promise<{ Resources: Record<string, unknown> }>;
declare namespace dashboard {
  /** The DashboardBody text, JSON with `${LogicalId}` placeholders that Fn::Sub fills in. */
  function dashboardBody(options: {
    functions: readonly string[];
    apiFunctions: readonly string[];
    alarms?: readonly string[];
    /** shared/observability/metric-names.ts (loaded by the packager when omitted). */
    names?: typeof import('../shared/observability/metric-names');
  }): string;
  function functionLogicalId(name: string): string;
  const API_FUNCTIONS: readonly string[];
  const ALARMS: readonly string[];
}
export = dashboard;
