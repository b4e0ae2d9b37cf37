// Types of stack/guardrail.js (a Serverless variable source, plain CommonJS) for the tests.
declare function guardrail(context: unknown): Promise<{ Resources: Record<string, unknown> }>;
declare namespace guardrail {
  function definitionHash(properties: unknown): string;
  function guardrailProperties(name: string, params: { groundingThreshold: number; relevanceThreshold: number }): Record<string, unknown>;
}
export = guardrail;
