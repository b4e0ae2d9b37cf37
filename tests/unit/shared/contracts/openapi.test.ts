import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
// ajv 8 and ajv-formats come with fastify, serverless and asl-validator (not declared here): an independent
// JSON Schema 2020-12 implementation, so the generated schemas are checked by something other than zod.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { z } from 'zod';
import { documentView } from '../../../../functions/api/documents';
import { makeHandler as makeHealthHandler } from '../../../../functions/api/health';
import { errorResponse, type HttpEvent } from '../../../../functions/api/http';
import { makeHandler } from '../../../../functions/api/openapi';
import { type HttpRoute, httpRoutes, routeKey } from '../../../../functions/api/routes';
import { lambdaContext } from '../../../../local/lambda-context';
import { loadConfig } from '../../../../shared/config/config';
import { type DocumentView, documentsListQuerySchema, documentViewSchema } from '../../../../shared/contracts/documents';
import { usageQuerySchema } from '../../../../shared/contracts/usage';
import {
  API_VERSION,
  buildOpenApiDocument,
  describedRouteKeys,
  errorResponseSchema,
  healthResponseSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  openApiComponentSchemas,
  openApiDocumentSchema,
  streamEventComponent,
} from '../../../../shared/contracts/openapi';
import type { QueryResponse } from '../../../../shared/contracts/query';
import type { queryResponseSchema } from '../../../../shared/contracts/query-response';
import { parseStreamEvents, STREAM_EVENT_SCHEMAS, type StreamEventType } from '../../../../shared/contracts/stream';
import * as errors from '../../../../shared/errors';
import type { DocumentManifest } from '../../../../shared/pipeline/manifest';
import type { Services } from '../../../../shared/pipeline/services';

/**
 * GET /openapi.json: every route of the route table described, every example valid against the zod
 * schema it was generated from and against its JSON Schema, the SSE events one component each, the
 * error shape of functions/api/http.ts for every status it can take.
 */

type Json = { [key: string]: unknown };

// The response schemas describe the contract's types exactly (a change to either one fails tsc here).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const queryResponseIsTheContract: Same<z.infer<typeof queryResponseSchema>, QueryResponse> = true;
const documentViewIsWhatTheHandlerShapes: Same<DocumentView, ReturnType<typeof documentView>> = true;

const config = loadConfig({});
const options = { limits: config.query, maxUploadBytes: config.ingestion.maxUploadBytes, tenantClaim: config.tenancy.tenantClaim };
const document = buildOpenApiDocument(httpRoutes, options);
const zodComponents = openApiComponentSchemas(options.limits);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

const openApiPathOf = (routePath: string): string => routePath.replace(/\{(\w+)\+\}/g, '{$1}');

function operationsOf(doc: OpenApiDocument): { key: string; operation: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${p}`, operation })),
  );
}

/** Follows a local `$ref` ("#/components/...") through the document. */
function resolve(doc: unknown, value: Json): Json {
  if (typeof value.$ref !== 'string') return value;
  const target = value.$ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  if (target === undefined) throw new Error(`Unresolved $ref ${value.$ref}`);
  return target as Json;
}

/** Every value under `key` anywhere in the tree, with where it is. */
function collect(node: unknown, key: string, at = '#'): { at: string; value: unknown }[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) => [...(k === key ? [{ at: `${at}/${k}`, value: v }] : []), ...collect(v, key, `${at}/${k}`)]);
}

interface Example {
  where: string;
  /** The media type, or `parameter` / `component`. */
  kind: string;
  schema: Json;
  example: unknown;
}

/** Every example of the document with the schema it must satisfy. */
function examplesOf(doc: OpenApiDocument): Example[] {
  const found: Example[] = [];
  const media = (where: string, content: unknown) => {
    for (const [type, entry] of Object.entries((content ?? {}) as Record<string, Json>)) {
      if ('example' in entry) found.push({ where: `${where} ${type}`, kind: type, schema: entry.schema as Json, example: entry.example });
    }
  };
  for (const { key, operation } of operationsOf(doc)) {
    for (const parameter of (operation.parameters ?? []).map((p) => resolve(doc, p))) {
      if ('example' in parameter) found.push({ where: `${key} parameter ${parameter.name}`, kind: 'parameter', schema: parameter, example: parameter.example });
    }
    media(`${key} request`, operation.requestBody?.content);
    for (const [status, response] of Object.entries(operation.responses)) if (!('$ref' in response)) media(`${key} ${status}`, response.content);
  }
  for (const [name, response] of Object.entries(doc.components.responses)) media(`components.responses.${name}`, response.content);
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    for (const example of (schema.examples as unknown[] | undefined) ?? [])
      found.push({ where: `components.schemas.${name}`, kind: 'component', schema: { $ref: `#/components/schemas/${name}` }, example });
  }
  return found;
}

/** The zod schema an example was generated from: a component's, or a query parameter's field. */
function zodSourceOf(example: Example): z.ZodType | undefined {
  if (example.kind === 'parameter') {
    const parameter = example.schema;
    if (parameter.in === 'query') {
      const shape: Record<string, z.ZodType> = example.where.startsWith('GET /usage ') ? usageQuerySchema.shape : documentsListQuerySchema.shape;
      return shape[String(parameter.name)];
    }
    return zodComponents[
      String((parameter.schema as Json).$ref)
        .split('/')
        .pop() ?? ''
    ];
  }
  const ref = example.schema?.$ref;
  return typeof ref === 'string' ? zodComponents[ref.split('/').pop() ?? ''] : undefined;
}

/** An ajv that knows every component, so that "#/components/schemas/X" resolves. */
function jsonSchemaValidator(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const base = 'https://rag.example/openapi.json';
  const relocate = (node: unknown): unknown => JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', `"${base}#/$defs/`)) as unknown;
  ajv.addSchema({ $id: base, $defs: relocate(doc.components.schemas) as Json });
  return { ajv, relocate };
}

describe('buildOpenApiDocument', () => {
  it('describes every route of the route table, by method and path, and nothing else', () => {
    const described = operationsOf(document).map((o) => o.key);

    const routes = httpRoutes.map((route) => `${route.method} ${openApiPathOf(route.path)}`);

    expect(described.sort()).toEqual([...routes].sort());
  });

  it('keeps no description of a route the table no longer has', () => {
    const routes = httpRoutes.map((route) => `${route.method} ${route.path}`);

    expect(describedRouteKeys(options).filter((key) => !routes.includes(key))).toEqual([]);
  });

  it('refuses a route it has no description for, naming it', () => {
    const unknown: HttpRoute = { method: 'GET', path: '/documents/{documentId}/chunks', function: 'api-documents' };

    const build = () => buildOpenApiDocument([...httpRoutes, unknown], options);

    expect(build).toThrow(`No OpenAPI description for ${routeKey(unknown)}`);
  });

  it('secures every route but the public ones, which can then neither answer 401 nor 403', () => {
    for (const route of httpRoutes) {
      const operation = document.paths[openApiPathOf(route.path)]?.[route.method.toLowerCase()] as OpenApiOperation;

      const statuses = Object.keys(operation.responses);

      if (route.public) {
        expect({ route: routeKey(route), security: operation.security }).toEqual({ route: routeKey(route), security: [] });
        expect(statuses).not.toEqual(expect.arrayContaining(['401']));
      } else {
        expect({ route: routeKey(route), security: operation.security }).toEqual({ route: routeKey(route), security: undefined });
        expect({ route: routeKey(route), statuses }).toEqual({ route: routeKey(route), statuses: expect.arrayContaining(['401', '403', '429', '503']) });
      }
    }
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('is an OpenAPI 3.1.x document whose references all resolve', () => {
    const refs = collect(document, '$ref').map(({ value }) => value as string);

    const unresolved = refs.filter((ref) => {
      try {
        resolve(document, { $ref: ref });
        return false;
      } catch {
        return true;
      }
    });

    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(openApiDocumentSchema.safeParse(document).success).toBe(true);
    expect(document.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(refs.length).toBeGreaterThan(0);
    expect(unresolved).toEqual([]);
    const ids = operationsOf(document).map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(API_VERSION).toBe((JSON.parse(readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8')) as { version: string }).version);
  });

  it('declares each path template variable as a path parameter', () => {
    for (const { key, operation } of operationsOf(document)) {
      const variables = [...key.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

      const declared = (operation.parameters ?? [])
        .map((p) => resolve(document, p))
        .filter((p) => p.in === 'path' && p.required === true)
        .map((p) => p.name);

      expect({ key, declared: declared.sort() }).toEqual({ key, declared: variables.sort() });
    }
  });

  it('gives valid JSON Schema 2020-12 for every schema it contains', () => {
    const { ajv, relocate } = jsonSchemaValidator(document);
    const schemas = [
      ...Object.entries(document.components.schemas).map(([name, schema]) => ({ at: `components.schemas.${name}`, value: schema })),
      ...collect(document.paths, 'schema'),
      ...collect(document.components.parameters, 'schema'),
      ...collect(document.components.responses, 'schema'),
      ...collect(document.components.headers, 'schema'),
    ];

    const invalid = schemas.filter(({ value }) => !ajv.validateSchema(relocate(value) as Json)).map(({ at }) => `${at}: ${ajv.errorsText()}`);
    // Compiling resolves every reference and rejects unknown keywords and formats (strict mode).
    const uncompilable = schemas.flatMap(({ at, value }) => {
      try {
        ajv.compile(relocate(value) as Json);
        return [];
      } catch (error) {
        return [`${at}: ${(error as Error).message}`];
      }
    });

    expect(schemas.length).toBeGreaterThan(20);
    expect(invalid).toEqual([]);
    expect(uncompilable).toEqual([]);
  });

  it('has an example for every operation and every media type', () => {
    const examples = examplesOf(document);

    const withoutExample = operationsOf(document)
      .filter(({ key }) => !examples.some((e) => e.where.startsWith(`${key} `)))
      .map(({ key }) => key);
    const mediaWithoutExample = collect(document, 'content').flatMap(({ at, value }) =>
      Object.entries(value as Record<string, Json>)
        .filter(([, entry]) => !('example' in entry))
        .map(([type]) => `${at} ${type}`),
    );

    expect(withoutExample).toEqual([]);
    expect(mediaWithoutExample).toEqual([]);
  });

  it('gives examples that the zod schemas they were generated from accept', () => {
    const examples = examplesOf(document).filter((e) => e.kind === 'application/json' || e.kind === 'parameter' || e.kind === 'component');

    const rejected = examples.flatMap((example) => {
      const source = zodSourceOf(example);
      if (!source) return [`${example.where}: no zod schema`];
      const parsed = source.safeParse(example.example);
      return parsed.success ? [] : [`${example.where}: ${parsed.error.message}`];
    });

    expect(examples.length).toBeGreaterThan(25);
    expect(rejected).toEqual([]);
  });

  it('gives examples that their JSON Schemas accept, the uploads and the event stream included', () => {
    const { ajv, relocate } = jsonSchemaValidator(document);
    const examples = examplesOf(document).map((e) => ({ ...e, schema: e.kind === 'parameter' ? (e.schema.schema as Json) : e.schema }));

    const rejected = examples
      .filter(({ schema, example }) => !ajv.validate(relocate(schema) as Json, example))
      .map(({ where }) => `${where}: ${ajv.errorsText()}`);
    const upload = examples.find((e) => e.kind === '*/*');
    const stream = examples.find((e) => e.kind === 'text/event-stream');

    expect(rejected).toEqual([]);
    expect(Buffer.byteLength(String(upload?.example))).toBeGreaterThan(0);
    expect(Buffer.byteLength(String(upload?.example))).toBeLessThanOrEqual(options.maxUploadBytes);
    const events = parseStreamEvents(String(stream?.example)).map((e) => e.event);
    expect(events[0]).toBe('meta');
    expect(events.at(-1)).toBe('done');
  });
});

describe('the SSE events of POST /query/stream', () => {
  const types = Object.keys(STREAM_EVENT_SCHEMAS) as StreamEventType[];
  const operation = document.paths['/query/stream']?.post as OpenApiOperation;

  it('has one component per event type of STREAM_EVENT_SCHEMAS, and a union of them all', () => {
    const eventComponents = Object.keys(document.components.schemas).filter((name) => /^Stream\w+Event$/.test(name));

    const union = document.components.schemas.StreamEvent?.oneOf as Json[];

    expect(eventComponents.sort()).toEqual(types.map(streamEventComponent).sort());
    expect(union.map((branch) => [((branch.properties as Json).event as Json).const, ((branch.properties as Json).data as Json).$ref]).sort()).toEqual(
      types.map((type) => [type, `#/components/schemas/${streamEventComponent(type)}`]).sort(),
    );
  });

  it('answers text/event-stream, naming every event type and the order they come in', () => {
    const response = operation.responses['200'] as Json;

    const description = String(response.description);

    expect(Object.keys(response.content as Json)).toEqual(['text/event-stream']);
    expect(((response.content as Json)['text/event-stream'] as Json)['x-event-schema']).toEqual({ $ref: '#/components/schemas/StreamEvent' });
    for (const type of types) expect(description).toContain(`\`${type}\`: components.schemas.${streamEventComponent(type)}`);
    expect(description).toContain('meta → delta* → (replace)? → citations → done');
    expect(description).toContain('meta → delta* → error');
  });

  it('takes the body of POST /query', () => {
    expect(operation.requestBody).toEqual(document.paths['/query']?.post?.requestBody);
  });
});

describe('the error responses', () => {
  const STATUSES = [400, 401, 403, 404, 413, 429, 503] as const;
  const classes: Record<number, errors.RagError> = {
    400: new errors.ValidationError('Invalid request', [{ path: 'question', message: 'is required' }]),
    401: new errors.UnauthorizedError('Authentication required'),
    403: new errors.ForbiddenError('No tenant'),
    404: new errors.NotFoundError('No such document'),
    413: new errors.PayloadTooLargeError('Too large'),
    429: new errors.ThrottlingError('Throttled', 7),
    503: new errors.DependencyUnavailableError('Down'),
  };

  const responseFor = (status: number): Json => {
    const used = operationsOf(document).flatMap(({ operation }) => (operation.responses[String(status)] ? [operation.responses[String(status)] as Json] : []));
    const first = used[0];
    if (!first) throw new Error(`No operation answers ${status}`);
    return resolve(document, first);
  };

  it.each(STATUSES)('describes %d with the error shape that functions/api/http.ts produces', (status) => {
    const real = errorResponse(classes[status], 'req-1');

    const described = responseFor(status);
    const body = JSON.parse(real.body ?? '') as unknown;

    expect(real.statusCode).toBe(status);
    expect(((described.content as Json)['application/json'] as Json).schema).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
    // Parsing strips nothing: the schema names every field the mapper writes.
    expect(errorResponseSchema.parse(body)).toEqual(body);
    const example = ((described.content as Json)['application/json'] as Json).example as { error: { code: string } };
    expect(example.error.code).toBe(classes[status]?.name);
  });

  it('says when to retry a 429, as the mapper does', () => {
    const real = errorResponse(new errors.ThrottlingError('Throttled', 7), 'req-1');

    const headers = responseFor(429).headers as Json;

    expect(real.headers?.['retry-after']).toBe('7');
    expect(resolve(document, headers['Retry-After'] as Json)).toMatchObject({ required: true, schema: { type: 'integer' } });
  });
});

describe('the response schemas describe what the handlers return', () => {
  it("accepts documentView's shape of a manifest, stripping nothing", () => {
    const manifest: DocumentManifest = {
      tenant: 'acme',
      key: 'acme/policies/returns.md',
      documentId: '3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c1e',
      status: 'FAILED',
      etag: '"abc"',
      contentType: 'text/markdown',
      bytes: 10,
      chunkIds: ['x'],
      chunkCount: 0,
      failure: { error: 'UnsupportedDocumentError', reason: 'broken', at: '2026-11-30T09:12:44.512Z' },
      attempts: 2,
      createdAt: '2026-11-30T09:12:44.512Z',
      updatedAt: '2026-11-30T09:12:44.512Z',
    };

    const view = documentView(manifest);

    expect(documentViewSchema.parse(view)).toEqual(view);
    expect(queryResponseIsTheContract && documentViewIsWhatTheHandlerShapes).toBe(true);
  });

  it("accepts GET /health's answer, stripping nothing", async () => {
    const health = makeHealthHandler(
      async () =>
        ({ config, embedder: { modelId: 'local-hash-v1' }, generator: { modelId: 'local-extractive-v1' } }) as unknown as Pick<
          Services,
          'config' | 'embedder' | 'generator'
        >,
    );
    const event = { routeKey: 'GET /health', rawPath: '/health', headers: {}, requestContext: { requestId: 'req-1' } } as unknown as HttpEvent;

    const result = (await health(event, lambdaContext('api-health'))) as APIGatewayProxyStructuredResultV2;

    const body = JSON.parse(result.body ?? '') as unknown;
    expect(healthResponseSchema.parse(body)).toEqual(body);
  });
});

describe('GET /openapi.json', () => {
  it('answers the document for the configuration, without authentication', async () => {
    const handler = makeHandler(async () => ({ config }));
    const event = { routeKey: 'GET /openapi.json', rawPath: '/openapi.json', headers: {}, requestContext: { requestId: 'req-1' } } as unknown as HttpEvent;

    const result = (await handler(event, lambdaContext('api-openapi'))) as APIGatewayProxyStructuredResultV2;

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(result.body ?? '')).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
