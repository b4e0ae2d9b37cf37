import Ajv2020 from 'ajv/dist/2020';

/**
 * The CloudWatch embedded metric format (EMF) as a checker: a JSON Schema (2020-12) for what a schema can say,
 * and `emfViolations` for the rules that relate members to each other (references to root members, value types).
 *
 * Source: "Specification: Embedded metric format",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
 * read 2026-12-01. The search tool's docs corpus returns the page's opening only; the sentences quoted below
 * come from a public copy of the whole page ("All content copied from https://docs.aws.amazon.com/", the
 * current text: 30 dimension keys, 1 MB, StorageResolution), and the page ends with its own JSON schema
 * (draft style), whose lengths and unit list are carried over here where the prose gives none.
 * Every rule below quotes the sentence it comes from.
 */
export const EMF_SPEC_URL = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html';

/**
 * "Values SHOULD be valid CloudWatch metric units": the page's schema lists them in the `Unit` pattern
 * ("^(Seconds|Microseconds|...|Count\/Second|None)$"), transcribed here as an enum.
 */
export const EMF_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export const EMF_LIMITS = {
  /** "This array MUST NOT contain more than 100 MetricDefinition objects." */
  metricDefinitions: 100,
  /** "A DimensionSet MUST NOT contain more than 30 dimension keys." */
  dimensionKeys: 30,
  /** "Numeric array metric targets MUST NOT have more than 100 members." */
  metricValues: 100,
  /** "The target member MUST have a string value. This value MUST NOT contain more than 1024 characters." */
  dimensionValueChars: 1024,
  /** "...limited to a maximum size of 1 MB." (taken as 1,048,576 bytes of UTF-8) */
  documentBytes: 1024 * 1024,
} as const;

/**
 * "Unless otherwise noted, objects defined by this specification MUST NOT contain any additional members." The
 * metadata object, MetricDirective and MetricDefinition are closed (`additionalProperties: false`); the root node is
 * open: "The root node MAY contain any other members that are not included in the above requirements."
 */
export const EMF_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://example.invalid/emf.schema.json',
  title: 'CloudWatch embedded metric format document',
  type: 'object',
  // "Embedded metric format documents MUST contain the following top-level member on the root node ... `_aws`"
  required: ['_aws'],
  properties: { _aws: { $ref: '#/$defs/metadata' } },
  $defs: {
    metadata: {
      // "The value MUST be an object and MUST contain the following members: CloudWatchMetrics ... Timestamp"
      type: 'object',
      required: ['CloudWatchMetrics', 'Timestamp'],
      additionalProperties: false,
      properties: {
        // "CloudWatchMetrics— An array of MetricDirective object used to instruct CloudWatch to extract metrics"
        CloudWatchMetrics: { type: 'array', items: { $ref: '#/$defs/metricDirective' } },
        // "Timestamp— A number ... Values MUST be expressed as the number of milliseconds after Jan 1, 1970 00:00:00 UTC."
        // The page's schema: "type": "integer".
        Timestamp: { type: 'integer', minimum: 0 },
      },
    },
    metricDirective: {
      // "MetricDirectives MUST contain the following members: Namespace ... Dimensions ... Metrics"
      type: 'object',
      required: ['Namespace', 'Dimensions', 'Metrics'],
      additionalProperties: false,
      properties: {
        // "Namespace— A string representing the CloudWatch namespace for the metric." Lengths: the page's schema.
        Namespace: { type: 'string', minLength: 1, maxLength: 1024 },
        // "Dimensions— A DimensionSet array." The page's schema: "minItems": 1.
        Dimensions: { type: 'array', minItems: 1, items: { $ref: '#/$defs/dimensionSet' } },
        // "Metrics— An array of MetricDefinition objects. This array MUST NOT contain more than 100 MetricDefinition objects."
        Metrics: { type: 'array', maxItems: EMF_LIMITS.metricDefinitions, items: { $ref: '#/$defs/metricDefinition' } },
      },
    },
    dimensionSet: {
      // "A DimensionSet is an array of strings containing the dimension keys ..."
      // "A DimensionSet MUST NOT contain more than 30 dimension keys. A DimensionSet MAY be empty."
      // Key lengths: the page's schema ("DimensionReference": "minLength": 1, "maxLength": 250).
      type: 'array',
      maxItems: EMF_LIMITS.dimensionKeys,
      items: { type: 'string', minLength: 1, maxLength: 250 },
    },
    metricDefinition: {
      // "A MetricDefinition is an object that MUST contain the following member: Name"
      type: 'object',
      required: ['Name'],
      additionalProperties: false,
      properties: {
        // "Name— A string Reference values to a metric Target members." Lengths: the page's schema ("MetricName").
        Name: { type: 'string', minLength: 1, maxLength: 1024 },
        // "Unit— An OPTIONAL string value ... Values SHOULD be valid CloudWatch metric units."
        Unit: { enum: EMF_UNITS },
        // "StorageResolution— An OPTIONAL integer value ... Values SHOULD be valid CloudWatch supported resolutions, 1 or 60."
        StorageResolution: { type: 'integer', enum: [1, 60] },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validateSchema = ajv.compile(EMF_SCHEMA);

/** What the JSON Schema finds wrong with `document` (`<path> <message>` each); empty when it conforms. */
export function emfSchemaErrors(document: unknown): string[] {
  if (validateSchema(document)) return [];
  return (validateSchema.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The rules a JSON Schema cannot express, because they tie a reference in `_aws` to a member of the root:
 * - "The root node MUST contain all Target members members defined by the references in the MetricDirective object."
 * - "Valid targets MUST be members on the root node and cannot be nested objects." (a reference "A.a" names the member
 *   "A.a", never A's member a)
 * - "A metric target MUST be a numeric value or an array of numeric values. Numeric array metric targets MUST NOT have
 *   more than 100 members." (JSON numbers are finite: NaN and Infinity serialize as null)
 * - "A dimension target MUST have a string value." "This value MUST NOT contain more than 1024 characters."
 * - "...limited to a maximum size of 1 MB."
 * Structural faults are left to the schema (`emfSchemaErrors`); this reads what it can and skips the rest.
 */
export function emfViolations(document: unknown): string[] {
  if (!isObject(document)) return ['the document is not a JSON object'];
  const violations: string[] = [];
  const size = Buffer.byteLength(JSON.stringify(document), 'utf8');
  if (size > EMF_LIMITS.documentBytes) violations.push(`the document is ${size} bytes, over ${EMF_LIMITS.documentBytes}`);
  const metadata = document._aws;
  const directives = isObject(metadata) ? arrayOf(metadata.CloudWatchMetrics) : [];
  const has = (key: string) => key !== '_aws' && Object.hasOwn(document, key);
  directives.forEach((directive, d) => {
    if (!isObject(directive)) return;
    for (const set of arrayOf(directive.Dimensions)) {
      for (const key of arrayOf(set)) {
        if (typeof key !== 'string') continue;
        const value = document[key];
        if (!has(key)) violations.push(`directive ${d}: dimension "${key}" is not a member of the root`);
        else if (typeof value !== 'string') violations.push(`directive ${d}: dimension "${key}" is not a string (${JSON.stringify(value)})`);
        else if (value.length > EMF_LIMITS.dimensionValueChars) violations.push(`directive ${d}: dimension "${key}" has ${value.length} characters`);
      }
    }
    for (const definition of arrayOf(directive.Metrics)) {
      if (!isObject(definition) || typeof definition.Name !== 'string') continue;
      const name = definition.Name;
      const value = document[name];
      if (!has(name)) violations.push(`directive ${d}: metric "${name}" is not a member of the root`);
      else if (Array.isArray(value)) {
        if (!value.every(isNumber)) violations.push(`directive ${d}: metric "${name}" holds a value that is not a number`);
        if (value.length > EMF_LIMITS.metricValues)
          violations.push(`directive ${d}: metric "${name}" has ${value.length} values, over ${EMF_LIMITS.metricValues}`);
      } else if (!isNumber(value)) violations.push(`directive ${d}: metric "${name}" is neither a number nor an array of numbers (${JSON.stringify(value)})`);
    }
  });
  return violations;
}

/** Everything wrong with one EMF document: the schema's findings, then the cross-member rules. */
export function emfProblems(document: unknown): string[] {
  return [...emfSchemaErrors(document), ...emfViolations(document)];
}
