import { type EmulatorRequest, type EmulatorResponse, ServiceEmulator } from './http-emulator';

/**
 * Amazon DynamoDB on 127.0.0.1, speaking the awsJson1_0 protocol the real `@aws-sdk/client-dynamodb`
 * uses (AwsJson1_0Protocol with serviceTarget "DynamoDB_20120810", @aws-sdk/client-dynamodb 3.1164.0
 * dist-cjs/index.js): `POST /` with `X-Amz-Target: DynamoDB_20120810.<Operation>`, wire-format
 * AttributeValues (`{"S": ...}`, `{"N": "1"}`, ...), errors as `{"__type": "<namespace>#<Code>", "message"}`
 * with status 400. The SDK keeps what follows the `#` as the error name (loadJsonRpcErrorCode in
 * @smithy/core 3.41.1 protocols), so the namespaces below are those the service sends, as quoted in the
 * threads cited beside them (read 2026-11-30).
 *
 * Implemented: exactly what shared/conversations/dynamodb-conversation-store.ts and
 * shared/usage/dynamodb-usage-store.ts send, and nothing that would let a request the emulator does not
 * understand succeed.
 * - GetItem: Key, ConsistentRead (recorded; a single copy is always consistent).
 * - PutItem: Item, ConditionExpression `attribute_not_exists(path)`, `attribute_exists(path)` or
 *   `operand = operand`, with ExpressionAttributeNames/Values.
 * - UpdateItem: UpdateExpression with `SET path = :value, ...` and `ADD path :number, ...` clauses in any
 *   order, ReturnValues NONE | ALL_OLD | UPDATED_OLD | ALL_NEW | UPDATED_NEW.
 * - DeleteItem: Key, ReturnValues NONE | ALL_OLD.
 * - Query: on the table or on a global secondary index declared in `createTable` (projection ALL only),
 *   KeyConditionExpression `hash = :v` or `hash = :v AND range BETWEEN :a AND :b` (paths bare or #named),
 *   ExclusiveStartKey / LastEvaluatedKey, ConsistentRead (refused on an index). Results in range-key order
 *   (UTF-8 bytes for S, numeric for N, unsigned bytes for B), in pages (see `QUERY_PAGE_BYTES` and the
 *   `queryPageItems` option). Items without an index's key attributes are not in the index (sparse).
 * Tables are created by the test (`createTable`): the adapters never call CreateTable or DescribeTable.
 * Any other operation, parameter or expression form DynamoDB knows (AND/OR/NOT, <, BETWEEN in a condition,
 * begins_with, REMOVE, if_not_exists, nested paths, Limit, FilterExpression, ScanIndexForward, ...) answers
 * NotImplementedByEmulatorException rather than being ignored; text DynamoDB itself would not parse
 * answers its syntax ValidationException.
 * Not implemented: reserved-word checks on bare attribute names in expressions, TTL deletion, capacity,
 * local secondary indexes.
 */

export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  name: string;
  type: KeyAttributeType;
}

/** A key attribute by name (type S) or by name and type. */
export interface TableKeySchema {
  hashKey: string | KeyAttribute;
  rangeKey?: string | KeyAttribute;
  /** The table's global secondary indexes, as its `GlobalSecondaryIndexes` declare them. */
  globalSecondaryIndexes?: readonly GlobalSecondaryIndexSchema[];
}

export interface GlobalSecondaryIndexSchema {
  name: string;
  hashKey: string | KeyAttribute;
  rangeKey?: string | KeyAttribute;
  /** Only ALL is implemented (createTable throws on another): an index item is the whole table item. */
  projection?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
}

export interface DynamoDbEmulatorOptions {
  /**
   * Items per Query page, below DynamoDB's own 1 MB page (QUERY_PAGE_BYTES), so that a test with a few
   * small items still makes the adapter follow LastEvaluatedKey. A page that reaches it ends with a
   * LastEvaluatedKey even when nothing follows, as a page cut by `Limit` does.
   */
  queryPageItems?: number;
}

/** One AttributeValue on the wire: exactly one member set (AttributeValue$ union in the SDK's schema). */
export interface AttributeValue {
  S?: string;
  N?: string;
  B?: string;
  SS?: string[];
  NS?: string[];
  BS?: string[];
  M?: Record<string, AttributeValue>;
  L?: AttributeValue[];
  NULL?: boolean;
  BOOL?: boolean;
}

export type AttributeMap = Record<string, AttributeValue>;

export interface DynamoDbCall {
  operation: string;
  body: Record<string, unknown>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** 400 KB, where DynamoDB counts 1 KB as 1024 bytes (developerguide/Constraints.html, "Items"). */
export const MAX_ITEM_BYTES = 400 * 1024;
/**
 * "A single Query operation can retrieve a maximum of 1 MB of data. This limit applies before any
 * FilterExpression or ProjectionExpression is applied" and "With pagination, the Query results are divided
 * into 'pages' of data that are 1 MB in size (or less)"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html and
 * .../Query.Pagination.html, read 2026-12-01). Counted here with `itemBytes`, 1 MB as 1024 x 1024 bytes.
 */
export const QUERY_PAGE_BYTES = 1024 * 1024;

const VALIDATION = 'com.amazon.coral.validate#ValidationException'; // baopham/laravel-dynamodb#44, ExtendDB/extenddb#64
const DYNAMODB = 'com.amazonaws.dynamodb.v20120810'; // aws-ia/terraform-aws-control_tower_account_factory#109 (ResourceNotFound)
const NOT_IMPLEMENTED = 'emulator#NotImplementedByEmulatorException';

const TYPE_KEYS = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'] as const;
type TypeKey = (typeof TYPE_KEYS)[number];

/** Parameters each operation understands; any other parameter is refused, never ignored. */
const ACCEPTED_PARAMETERS: Record<string, readonly string[]> = {
  GetItem: ['TableName', 'Key', 'ConsistentRead'],
  PutItem: ['TableName', 'Item', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
  UpdateItem: ['TableName', 'Key', 'UpdateExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ReturnValues'],
  DeleteItem: ['TableName', 'Key', 'ReturnValues'],
  Query: ['TableName', 'IndexName', 'KeyConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ExclusiveStartKey', 'ConsistentRead'],
};

class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new DynamoDbError(VALIDATION, message);
const notImplemented = (what: string) => new DynamoDbError(NOT_IMPLEMENTED, `${what} is not implemented by the DynamoDB emulator`);

function respond(status: number, body: unknown, requestId: string): EmulatorResponse {
  return { status, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId }, body };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- attribute values -------------------------------------------------------------------------

/** Messages from aws/aws-sdk-js#381 (empty) and aws/aws-sdk-net#428 (more than one). */
function typeOf(value: unknown): TypeKey {
  if (!isRecord(value)) throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  const set = TYPE_KEYS.filter((key) => value[key] !== undefined);
  const unknown = Object.keys(value).filter((key) => !(TYPE_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) throw validation(`Supplied AttributeValue has unknown members: ${unknown.join(', ')}`);
  if (set.length === 0) throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  if (set.length > 1) throw validation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
  return set[0] as TypeKey;
}

function checkValue(value: unknown): AttributeValue {
  const type = typeOf(value);
  const v = value as AttributeValue;
  if (type === 'N') parseNumber(v.N);
  if (type === 'NS') for (const n of v.NS ?? []) parseNumber(n);
  if (type === 'M') checkMap(v.M, 'M');
  if (type === 'L') {
    if (!Array.isArray(v.L)) throw validation('L must be a list of AttributeValues');
    for (const element of v.L) checkValue(element);
  }
  return v;
}

function checkMap(value: unknown, what: string): AttributeMap {
  if (!isRecord(value)) throw validation(`${what} must be a map of AttributeValues`);
  for (const element of Object.values(value)) checkValue(element);
  return value as AttributeMap;
}

const clone = <T>(value: T): T => structuredClone(value);

// --- numbers ----------------------------------------------------------------------------------

/** A DynamoDB number, exactly: digits / 10^scale (up to 38 significant digits, so no floating point). */
interface Decimal {
  digits: bigint;
  scale: number;
}

function parseNumber(text: unknown): Decimal {
  const match = typeof text === 'string' ? /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text) : null;
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || whole.length + fraction.length === 0) throw validation(`The parameter cannot be converted to a numeric value: ${String(text)}`);
  let digits = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - Number(match[4] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return trimDecimal({ digits: match[1] === '-' ? -digits : digits, scale });
}

function trimDecimal(value: Decimal): Decimal {
  let { digits, scale } = value;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  return { digits: digits === 0n ? 0n : digits, scale: digits === 0n ? 0 : scale };
}

function formatDecimal(value: Decimal): string {
  const negative = value.digits < 0n;
  const text = (negative ? -value.digits : value.digits).toString().padStart(value.scale + 1, '0');
  const whole = text.slice(0, text.length - value.scale);
  const fraction = text.slice(text.length - value.scale);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  const lift = (d: Decimal) => d.digits * 10n ** BigInt(scale - d.scale);
  return trimDecimal({ digits: lift(a) + lift(b), scale });
}

const sameNumber = (a: string, b: string): boolean => formatDecimal(parseNumber(a)) === formatDecimal(parseNumber(b));

// --- item size (developerguide/CapacityUnitCalculations.html, read 2026-11-30) -----------------

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

function numberBytes(text: string): number {
  // "1 byte per two significant digits" + 1; leading and trailing zeroes are trimmed.
  const significant = parseNumber(text).digits.toString().replace('-', '').replace(/0+$/, '') || '0';
  return Math.ceil(significant.length / 2) + 1;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.SS) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + Buffer.from(b, 'base64').length, 0);
  // Lists and maps: 3 bytes of overhead plus 1 byte per element.
  if (value.L) return 3 + value.L.reduce((sum, element) => sum + valueBytes(element) + 1, 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + utf8(name) + valueBytes(element) + 1, 0);
  return 1; // NULL, BOOL
}

export function itemBytes(item: AttributeMap): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);
}

function equalValues(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  if (type === 'N') return sameNumber(a.N as string, b.N as string);
  if (type === 'NS') {
    const left = (a.NS ?? []).map((n) => formatDecimal(parseNumber(n)));
    const right = new Set((b.NS ?? []).map((n) => formatDecimal(parseNumber(n))));
    return left.length === right.size && left.every((n) => right.has(n));
  }
  if (type === 'SS' || type === 'BS') {
    const right = new Set(b[type]);
    return (a[type] ?? []).length === right.size && (a[type] ?? []).every((s) => right.has(s));
  }
  if (type === 'L')
    return (a.L ?? []).length === (b.L ?? []).length && (a.L ?? []).every((element, i) => equalValues(element, (b.L ?? [])[i] as AttributeValue));
  if (type === 'M') {
    const left = Object.keys(a.M ?? {});
    return left.length === Object.keys(b.M ?? {}).length && left.every((k) => b.M?.[k] !== undefined && equalValues(a.M?.[k] as AttributeValue, b.M[k]));
  }
  return a[type] === b[type];
}

// --- expressions ------------------------------------------------------------------------------

interface Token {
  kind: 'name' | 'value' | 'ident' | 'number' | 'punct' | 'eof';
  text: string;
}

type Operand = { kind: 'path'; name: string } | { kind: 'value'; value: AttributeValue };

type Condition = { kind: 'exists'; name: string; exists: boolean } | { kind: 'equals'; left: Operand; right: Operand };

/** `hash = :v`, optionally `AND range BETWEEN :low AND :high`: the key conditions the adapters send. */
interface KeyCondition {
  hash: { name: string; value: AttributeValue };
  range?: { name: string; low: AttributeValue; high: AttributeValue };
}

interface UpdatePlan {
  set: { name: string; value: AttributeValue }[];
  add: { name: string; value: AttributeValue }[];
}

/** Comparators, logical operators and functions of DynamoDB's grammar the emulator does not implement. */
const OTHER_COMPARATORS = new Set(['<>', '<', '>', '<=', '>=']);
const OTHER_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const OTHER_CONDITION_FUNCTIONS = new Set(['attribute_type', 'begins_with', 'contains', 'size']);
const UPDATE_FUNCTIONS = new Set(['if_not_exists', 'list_append']);

/** The substitution maps of one request and which of their entries its expressions used. */
class ExpressionContext {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    readonly names: Record<string, string> | undefined,
    readonly values: Record<string, AttributeValue> | undefined,
  ) {}

  static from(body: Record<string, unknown>): ExpressionContext {
    const names = body.ExpressionAttributeNames;
    const values = body.ExpressionAttributeValues;
    // "ExpressionAttributeValues must not be empty": SamVerschueren/dynongo#61, aws/aws-appsync-community#178.
    if (names !== undefined) {
      if (!isRecord(names) || Object.values(names).some((n) => typeof n !== 'string')) throw validation('ExpressionAttributeNames must map #names to strings');
      if (Object.keys(names).length === 0) throw validation('ExpressionAttributeNames must not be empty');
    }
    if (values !== undefined) {
      checkMap(values, 'ExpressionAttributeValues');
      if (Object.keys(values as object).length === 0) throw validation('ExpressionAttributeValues must not be empty');
    }
    return new ExpressionContext(names as Record<string, string> | undefined, values as Record<string, AttributeValue> | undefined);
  }

  /** DynamoDB refuses substitutions no expression used (ExtendDB/extenddb#10, getmoto/moto#8474). */
  assertAllUsed(): void {
    const unusedNames = Object.keys(this.names ?? {}).filter((n) => !this.usedNames.has(n));
    if (unusedNames.length > 0) throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
    const unusedValues = Object.keys(this.values ?? {}).filter((v) => !this.usedValues.has(v));
    if (unusedValues.length > 0) throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
  }
}

function tokenize(expression: string, label: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(<>|<=|>=|[=<>(),.[\]+-])|(\S))/y;
  while (pattern.lastIndex < expression.length) {
    const start = pattern.lastIndex;
    const match = pattern.exec(expression);
    if (!match || match[0].trim() === '') {
      if (expression.slice(start).trim() === '') break;
      throw validation(`Invalid ${label}: Syntax error; token: "${expression.slice(start).trim()[0]}"`);
    }
    if (match[1]) tokens.push({ kind: 'name', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'value', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'ident', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'number', text: match[4] });
    else if (match[5]) tokens.push({ kind: 'punct', text: match[5] });
    else throw validation(`Invalid ${label}: Syntax error; token: "${match[6]}", near: "${expression.slice(Math.max(0, start - 10), start + 10).trim()}"`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>' });
  return tokens;
}

/** The subset of DynamoDB's condition and update grammar the adapter uses, and nothing more. */
class ExpressionParser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(
    expression: unknown,
    private readonly label: 'ConditionExpression' | 'UpdateExpression' | 'KeyConditionExpression',
    private readonly context: ExpressionContext,
  ) {
    if (typeof expression !== 'string') throw validation(`${label} must be a string`);
    // "Invalid UpdateExpression: The expression can not be empty;" (ExtendDB/extenddb#20, #190).
    if (expression.trim() === '') throw validation(`Invalid ${label}: The expression can not be empty;`);
    this.tokens = tokenize(expression, label);
  }

  condition(): Condition {
    const first = this.peek();
    if (first.kind === 'punct' && first.text === '(') throw notImplemented(`Parentheses in a ${this.label}`);
    if (first.kind === 'ident' && OTHER_KEYWORDS.has(first.text.toUpperCase())) throw notImplemented(`${first.text} in a ${this.label}`);
    let result: Condition;
    if (first.kind === 'ident' && this.peek(1).text === '(') {
      this.next();
      if (OTHER_CONDITION_FUNCTIONS.has(first.text)) throw notImplemented(`The function ${first.text}`);
      // Function names are case-sensitive (ConditionExpression, PutItemInput docs in models_0.d.ts).
      if (first.text !== 'attribute_exists' && first.text !== 'attribute_not_exists') throw this.syntaxError(first);
      this.expect('(');
      const name = this.path();
      this.expect(')');
      result = { kind: 'exists', name, exists: first.text === 'attribute_exists' };
    } else {
      const left = this.operand();
      const comparator = this.next();
      if ((comparator.kind === 'ident' && OTHER_KEYWORDS.has(comparator.text.toUpperCase())) || OTHER_COMPARATORS.has(comparator.text)) {
        throw notImplemented(`The comparator ${comparator.text}`);
      }
      if (comparator.text !== '=') throw this.syntaxError(comparator);
      result = { kind: 'equals', left, right: this.operand() };
    }
    const rest = this.next();
    if (rest.kind === 'ident' && OTHER_KEYWORDS.has(rest.text.toUpperCase())) throw notImplemented(`${rest.text} in a ${this.label}`);
    if (rest.kind !== 'eof') throw this.syntaxError(rest);
    return result;
  }

  /** `hash = :v [AND range BETWEEN :a AND :b]`; which attributes are the keys is checked by the caller. */
  keyCondition(): KeyCondition {
    const hashName = this.keyPath();
    const equals = this.next();
    if (equals.text !== '=') {
      if ((equals.kind === 'ident' && OTHER_KEYWORDS.has(equals.text.toUpperCase())) || OTHER_COMPARATORS.has(equals.text)) {
        throw notImplemented(`The comparator ${equals.text} as the first key condition`);
      }
      throw this.syntaxError(equals);
    }
    const hash = { name: hashName, value: this.value() };
    const joint = this.next();
    if (joint.kind === 'eof') return { hash };
    if (joint.kind !== 'ident' || joint.text.toUpperCase() !== 'AND') {
      if (joint.kind === 'ident' && OTHER_KEYWORDS.has(joint.text.toUpperCase())) throw notImplemented(`${joint.text} in a ${this.label}`);
      throw this.syntaxError(joint);
    }
    const rangeName = this.keyPath();
    const between = this.next();
    if (between.kind !== 'ident' || between.text.toUpperCase() !== 'BETWEEN') {
      if (between.text === '=' || OTHER_COMPARATORS.has(between.text)) throw notImplemented(`The comparator ${between.text} on the sort key`);
      throw this.syntaxError(between);
    }
    const low = this.value();
    const and = this.next();
    if (and.kind !== 'ident' || and.text.toUpperCase() !== 'AND') throw this.syntaxError(and);
    const high = this.value();
    const rest = this.next();
    if (rest.kind === 'ident' && OTHER_KEYWORDS.has(rest.text.toUpperCase())) throw notImplemented(`${rest.text} in a ${this.label}`);
    if (rest.kind !== 'eof') throw this.syntaxError(rest);
    return { hash, range: { name: rangeName, low, high } };
  }

  /** A key attribute's path in a key condition: functions (begins_with), parentheses and values first are not implemented. */
  private keyPath(): string {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') throw notImplemented(`Parentheses in a ${this.label}`);
    if (token.kind === 'ident' && this.peek(1).text === '(') {
      if (OTHER_CONDITION_FUNCTIONS.has(token.text)) throw notImplemented(`The function ${token.text}`);
      throw this.syntaxError(token);
    }
    if (token.kind === 'value') throw notImplemented(`A value before its key in a ${this.label}`);
    return this.path();
  }

  update(): UpdatePlan {
    const plan: UpdatePlan = { set: [], add: [] };
    const seen = new Set<string>();
    while (this.peek().kind !== 'eof') {
      const keyword = this.next();
      const clause = keyword.kind === 'ident' ? keyword.text.toUpperCase() : '';
      if (clause === 'REMOVE' || clause === 'DELETE') throw notImplemented(`The ${clause} clause`);
      if (clause !== 'SET' && clause !== 'ADD') throw this.syntaxError(keyword);
      // "each action keyword can appear only once" (developerguide/Expressions.UpdateExpressions.html).
      if (seen.has(clause)) throw validation(`Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression;`);
      seen.add(clause);
      do {
        const name = this.path();
        if (clause === 'SET') {
          this.expect('=');
          const operand = this.peek();
          if (operand.kind === 'ident' && UPDATE_FUNCTIONS.has(operand.text)) throw notImplemented(`The function ${operand.text}`);
          if (operand.kind !== 'value') {
            if (operand.kind === 'name' || operand.kind === 'ident') throw notImplemented('SET from another attribute');
            throw this.syntaxError(operand);
          }
          const value = this.value();
          const after = this.peek();
          if (after.text === '+' || after.text === '-') throw notImplemented('Arithmetic in SET');
          plan.set.push({ name, value });
        } else {
          plan.add.push({ name, value: this.value() });
        }
      } while (this.accept(','));
    }
    return plan;
  }

  private path(): string {
    const token = this.next();
    let name: string;
    if (token.kind === 'name') {
      const resolved = this.context.names?.[token.text];
      // aws/aws-sdk-go-v2#285 and neoeinstein/modyne#3 quote this message.
      if (resolved === undefined)
        throw validation(`Invalid ${this.label}: An expression attribute name used in the document path is not defined; attribute name: ${token.text}`);
      this.context.usedNames.add(token.text);
      name = resolved;
    } else if (token.kind === 'ident') {
      name = token.text;
    } else {
      throw this.syntaxError(token);
    }
    const after = this.peek();
    if (after.text === '.' || after.text === '[') throw notImplemented('Nested document paths');
    return name;
  }

  private value(): AttributeValue {
    const token = this.next();
    if (token.kind !== 'value') throw this.syntaxError(token);
    const value = this.context.values?.[token.text];
    // aws-samples/lambda-refarch-imagerecognition#20 quotes this message.
    if (value === undefined)
      throw validation(`Invalid ${this.label}: An expression attribute value used in expression is not defined; attribute value: ${token.text}`);
    this.context.usedValues.add(token.text);
    return value;
  }

  private operand(): Operand {
    const token = this.peek();
    if (token.kind === 'value') return { kind: 'value', value: this.value() };
    if (token.kind === 'ident' && this.peek(1).text === '(') {
      if (OTHER_CONDITION_FUNCTIONS.has(token.text)) throw notImplemented(`The function ${token.text}`);
      throw this.syntaxError(token);
    }
    return { kind: 'path', name: this.path() };
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos += 1;
    return token;
  }

  private accept(text: string): boolean {
    if (this.peek().text !== text || this.peek().kind === 'eof') return false;
    this.next();
    return true;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text || token.kind === 'eof') throw this.syntaxError(token);
  }

  /** Shaped as DynamoDB words it (truora/minidyn#21): the offending token and the one before it. */
  private syntaxError(token: Token): DynamoDbError {
    const index = this.tokens.indexOf(token);
    const before = index > 0 ? (this.tokens[index - 1] as Token).text : '';
    const near = token.kind === 'eof' ? before : `${before} ${token.text}`.trim();
    return validation(`Invalid ${this.label}: Syntax error; token: "${token.text}", near: "${near}"`);
  }
}

function resolveOperand(operand: Operand, item: AttributeMap | undefined): AttributeValue | undefined {
  return operand.kind === 'value' ? operand.value : item?.[operand.name];
}

function holds(condition: Condition, item: AttributeMap | undefined): boolean {
  if (condition.kind === 'exists') return (item?.[condition.name] !== undefined) === condition.exists;
  const left = resolveOperand(condition.left, item);
  const right = resolveOperand(condition.right, item);
  // A missing attribute compares false, whatever the other side.
  return left !== undefined && right !== undefined && equalValues(left, right);
}

// --- tables -----------------------------------------------------------------------------------

interface KeySchema {
  hash: KeyAttribute;
  range?: KeyAttribute;
}

interface GlobalIndex extends KeySchema {
  name: string;
}

interface Table extends KeySchema {
  name: string;
  indexes: Map<string, GlobalIndex>;
  items: Map<string, AttributeMap>;
}

const keyAttribute = (spec: string | KeyAttribute): KeyAttribute => (typeof spec === 'string' ? { name: spec, type: 'S' } : spec);
const keyAttributes = (schema: KeySchema): KeyAttribute[] => (schema.range ? [schema.hash, schema.range] : [schema.hash]);

function keyText(value: AttributeValue, type: KeyAttributeType): string {
  return type === 'N' ? formatDecimal(parseNumber(value.N)) : String(value[type]);
}

function checkKeyValue(attribute: KeyAttribute, value: AttributeValue): void {
  // String and Binary key attributes must not be empty (PutItemInput.Item docs, models_0.d.ts). Wording from
  // the index-key variant quoted in praetorian-inc/chariot-ui#547.
  if ((attribute.type === 'S' || attribute.type === 'B') && value[attribute.type] === '') {
    throw validation(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${attribute.name}`,
    );
  }
}

/** A `Key` parameter: exactly the key attributes, each of the schema's type (boto/boto3#1270, floci-io/floci#2625). */
function storageKeyOfKey(table: Table, key: unknown): string {
  const map = checkMap(key, 'Key');
  const attributes = keyAttributes(table);
  const names = Object.keys(map);
  const fits = names.length === attributes.length && attributes.every((a) => map[a.name] !== undefined && typeOf(map[a.name]) === a.type);
  if (!fits) throw validation('The provided key element does not match the schema');
  for (const a of attributes) checkKeyValue(a, map[a.name] as AttributeValue);
  return JSON.stringify(attributes.map((a) => keyText(map[a.name] as AttributeValue, a.type)));
}

/** An `Item` parameter: messages from aws/aws-sdk-js#4057 (missing) and baopham/laravel-dynamodb#1 (type). */
function storageKeyOfItem(table: Table, item: AttributeMap): string {
  const attributes = keyAttributes(table);
  for (const a of attributes) {
    const value = item[a.name];
    if (value === undefined) throw validation(`One or more parameter values were invalid: Missing the key ${a.name} in the item`);
    const actual = typeOf(value);
    if (actual !== a.type) throw validation(`One or more parameter values were invalid: Type mismatch for key ${a.name} expected: ${a.type} actual: ${actual}`);
    checkKeyValue(a, value);
  }
  return JSON.stringify(attributes.map((a) => keyText(item[a.name] as AttributeValue, a.type)));
}

/**
 * An item's attributes that key an index must be of the index's key types and not empty; an item without
 * them is simply not in the index. Wording: dynamoose/dynamoose#296 (type), ExtendDB/extenddb#184 (empty).
 */
function checkIndexKeys(table: Table, item: AttributeMap): void {
  for (const index of table.indexes.values()) {
    for (const attribute of keyAttributes(index)) {
      const value = item[attribute.name];
      if (value === undefined) continue;
      const actual = typeOf(value);
      if (actual !== attribute.type) {
        throw validation(
          `One or more parameter values were invalid: Type mismatch for Index Key ${attribute.name} Expected: ${attribute.type} Actual: ${actual} IndexName: ${index.name}`,
        );
      }
      if ((attribute.type === 'S' || attribute.type === 'B') && value[attribute.type] === '') {
        throw validation(
          `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index.name}, IndexKey: ${attribute.name}`,
        );
      }
    }
  }
}

/** Whether the item is in the index: it has every key attribute of the index ("sparse" indexes). */
const inIndex = (schema: KeySchema, item: AttributeMap): boolean => keyAttributes(schema).every((a) => item[a.name] !== undefined);

/** DynamoDB's order of key values: numbers numerically, strings by their UTF-8 bytes, binary as unsigned bytes. */
function compareKeyValues(a: AttributeValue, b: AttributeValue, type: KeyAttributeType): number {
  if (type === 'N') {
    const left = parseNumber(a.N);
    const right = parseNumber(b.N);
    const scale = Math.max(left.scale, right.scale);
    const difference = left.digits * 10n ** BigInt(scale - left.scale) - right.digits * 10n ** BigInt(scale - right.scale);
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  }
  const bytes = (v: AttributeValue) => (type === 'S' ? Buffer.from(v.S ?? '', 'utf8') : Buffer.from(v.B ?? '', 'base64'));
  return Buffer.compare(bytes(a), bytes(b));
}

function assertItemFits(item: AttributeMap, message: string): void {
  if (itemBytes(item) > MAX_ITEM_BYTES) throw validation(message);
}

const pick = (item: AttributeMap | undefined, names: readonly string[]): AttributeMap =>
  Object.fromEntries(names.filter((n) => item?.[n] !== undefined).map((n) => [n, clone(item?.[n] as AttributeValue)]));

const withAttributes = (attributes: AttributeMap | undefined): Record<string, unknown> =>
  attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};

export class DynamoDbEmulator extends ServiceEmulator<DynamoDbCall> {
  private readonly tables = new Map<string, Table>();
  private requestCounter = 0;
  private readonly queryPageItems: number;
  /** Runs after a call is recorded and before it executes: lets a test change the table in between. */
  onCall?: (call: DynamoDbCall) => void;

  constructor(options: DynamoDbEmulatorOptions = {}) {
    super([{ method: 'POST', pattern: /^\/$/, handle: (req) => this.dispatch(req) }]);
    const pageItems = options.queryPageItems ?? Number.POSITIVE_INFINITY;
    if (!(pageItems >= 1)) throw new Error(`queryPageItems must be at least 1, not ${pageItems}`);
    this.queryPageItems = pageItems;
  }

  /** Creates an empty table with this key schema and these indexes (replacing any table of that name). */
  createTable(name: string, schema: TableKeySchema): void {
    const keys = (spec: { hashKey: string | KeyAttribute; rangeKey?: string | KeyAttribute }): KeySchema => ({
      hash: keyAttribute(spec.hashKey),
      ...(spec.rangeKey === undefined ? {} : { range: keyAttribute(spec.rangeKey) }),
    });
    const indexes = new Map<string, GlobalIndex>();
    for (const index of schema.globalSecondaryIndexes ?? []) {
      if ((index.projection ?? 'ALL') !== 'ALL')
        throw new Error(`Index ${index.name}: projection ${index.projection} is not implemented by the DynamoDB emulator`);
      if (indexes.has(index.name)) throw new Error(`Index ${index.name} is declared twice`);
      indexes.set(index.name, { name: index.name, ...keys(index) });
    }
    this.tables.set(name, { name, ...keys(schema), indexes, items: new Map() });
  }

  /** The stored item under this key (wire format), or undefined. */
  item(tableName: string, key: AttributeMap): AttributeMap | undefined {
    const table = this.table(tableName);
    const stored = table.items.get(storageKeyOfKey(table, key));
    return stored ? clone(stored) : undefined;
  }

  /** Writes an item as an unconditional PutItem would (key schema and size checked). */
  seedItem(tableName: string, item: AttributeMap): void {
    const table = this.table(tableName);
    checkMap(item, 'Item');
    assertItemFits(item, 'Item size has exceeded the maximum allowed size');
    const key = storageKeyOfItem(table, item);
    checkIndexKeys(table, item);
    table.items.set(key, clone(item));
  }

  callsOf(operation: string): DynamoDbCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  /** Tables stay (tests create them once); their items and the call hook go. */
  protected override resetState(): void {
    for (const table of this.tables.values()) table.items.clear();
    this.onCall = undefined;
  }

  private dispatch(req: EmulatorRequest): EmulatorResponse {
    this.requestCounter += 1;
    const requestId = `emulated-${this.requestCounter}`;
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    let body: Record<string, unknown>;
    try {
      body = req.json<Record<string, unknown>>();
    } catch {
      return respond(400, { __type: `${DYNAMODB}#SerializationException`, message: 'The request body is not JSON' }, requestId);
    }
    const call = { operation, body };
    this.calls.push(call);
    try {
      this.onCall?.(call);
      const accepted = ACCEPTED_PARAMETERS[operation];
      if (!accepted) return respond(400, { __type: 'UnknownOperationException', message: `Unknown operation ${target}` }, requestId);
      const unsupported = Object.keys(body).filter((p) => body[p] !== undefined && !accepted.includes(p));
      if (unsupported.length > 0) throw notImplemented(`${operation} with ${unsupported.join(', ')}`);
      return respond(200, this.execute(operation, body), requestId);
    } catch (error) {
      if (!(error instanceof DynamoDbError)) throw error;
      return respond(400, { __type: error.type, message: error.message }, requestId);
    }
  }

  private execute(operation: string, body: Record<string, unknown>): Record<string, unknown> {
    if (operation === 'GetItem') return this.getItem(body);
    if (operation === 'PutItem') return this.putItem(body);
    if (operation === 'UpdateItem') return this.updateItem(body);
    if (operation === 'Query') return this.query(body);
    return this.deleteItem(body);
  }

  private table(name: unknown): Table {
    if (typeof name !== 'string' || name === '') throw validation('TableName is required');
    if (name.startsWith('arn:')) throw notImplemented('A table ARN as TableName');
    const table = this.tables.get(name);
    // aws-ia/terraform-aws-control_tower_account_factory#109 quotes the whole response.
    if (!table) throw new DynamoDbError(`${DYNAMODB}#ResourceNotFoundException`, 'Requested resource not found');
    return table;
  }

  private getItem(body: Record<string, unknown>): Record<string, unknown> {
    if (body.ConsistentRead !== undefined && typeof body.ConsistentRead !== 'boolean') throw validation('ConsistentRead must be a boolean');
    const table = this.table(body.TableName);
    const stored = table.items.get(storageKeyOfKey(table, body.Key));
    return stored ? { Item: clone(stored) } : {};
  }

  private putItem(body: Record<string, unknown>): Record<string, unknown> {
    const table = this.table(body.TableName);
    const item = checkMap(body.Item, 'Item');
    const key = storageKeyOfItem(table, item);
    checkIndexKeys(table, item);
    const context = ExpressionContext.from(body);
    const condition =
      body.ConditionExpression === undefined ? undefined : new ExpressionParser(body.ConditionExpression, 'ConditionExpression', context).condition();
    context.assertAllUsed();
    // aws-archives/aws-dynamodb-session-tomcat#4, wcmc-its/ReCiter#205 quote this message.
    assertItemFits(item, 'Item size has exceeded the maximum allowed size');
    if (condition && !holds(condition, table.items.get(key))) throw conditionalCheckFailed();
    table.items.set(key, clone(item));
    return {};
  }

  private updateItem(body: Record<string, unknown>): Record<string, unknown> {
    const table = this.table(body.TableName);
    const key = storageKeyOfKey(table, body.Key);
    const returnValues = body.ReturnValues ?? 'NONE';
    if (!['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'].includes(returnValues as string)) {
      throw validation(`ReturnValues ${String(returnValues)} is not one of NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW`);
    }
    if (body.UpdateExpression === undefined) throw notImplemented('UpdateItem without an UpdateExpression');
    const context = ExpressionContext.from(body);
    const plan = new ExpressionParser(body.UpdateExpression, 'UpdateExpression', context).update();
    context.assertAllUsed();
    const targets = [...plan.set, ...plan.add].map((action) => action.name);
    const keyNames = keyAttributes(table).map((a) => a.name);
    const onKey = targets.find((name) => keyNames.includes(name));
    // fakecloud#2521 and dynamoose/dynamoose#382 quote this message.
    if (onKey) throw validation(`One or more parameter values were invalid: Cannot update attribute ${onKey}. This attribute is part of the key`);
    const twice = targets.find((name, i) => targets.indexOf(name) !== i);
    // cyclic-software/dynamodb#1 and HENNGE/aiodynamo#2 quote this message.
    if (twice)
      throw validation(
        `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${twice}], path two: [${twice}]`,
      );

    const existing = table.items.get(key);
    const next: AttributeMap = existing ? clone(existing) : clone(checkMap(body.Key, 'Key'));
    for (const { name, value } of plan.set) next[name] = clone(value);
    for (const { name, value } of plan.add) next[name] = added(existing?.[name], value);
    // The update wording of TransactionCanceledException's ValidationError reasons (errors.d.ts).
    assertItemFits(next, 'Item size to update has exceeded the maximum allowed size');
    checkIndexKeys(table, next);
    table.items.set(key, next);
    if (returnValues === 'ALL_OLD') return withAttributes(existing ? clone(existing) : undefined);
    if (returnValues === 'ALL_NEW') return withAttributes(clone(next));
    if (returnValues === 'UPDATED_OLD') return withAttributes(pick(existing, targets));
    if (returnValues === 'UPDATED_NEW') return withAttributes(pick(next, targets));
    return {};
  }

  private query(body: Record<string, unknown>): Record<string, unknown> {
    const table = this.table(body.TableName);
    if (body.ConsistentRead !== undefined && typeof body.ConsistentRead !== 'boolean') throw validation('ConsistentRead must be a boolean');
    let schema: KeySchema = table;
    let index: GlobalIndex | undefined;
    if (body.IndexName !== undefined) {
      index = typeof body.IndexName === 'string' ? table.indexes.get(body.IndexName) : undefined;
      // Wording of moto 5.2.1 (dynamodb/models/table.py get_index).
      if (!index) throw validation(`The table does not have the specified index: ${String(body.IndexName)}`);
      // "Strongly consistent reads are not supported on global secondary indexes. If you query a global secondary
      // index with ConsistentRead set to true, you will receive a ValidationException" (QueryRequest.consistentRead,
      // https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/dynamodb/aws.sdk.kotlin.services.dynamodb.model/-query-request/consistent-read.html,
      // read 2026-12-01); message as quoted in Layr-Labs/eigenda#1900.
      if (body.ConsistentRead === true) throw validation('Consistent reads are not supported on global secondary indexes');
      schema = index;
    }
    // nasa-gcn/gcn.nasa.gov#3349 quotes this message.
    if (body.KeyConditionExpression === undefined)
      throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    const context = ExpressionContext.from(body);
    const condition = new ExpressionParser(body.KeyConditionExpression, 'KeyConditionExpression', context).keyCondition();
    context.assertAllUsed();
    this.checkKeyCondition(schema, condition);

    const start = body.ExclusiveStartKey === undefined ? undefined : this.startKeyOf(table, index, condition, body.ExclusiveStartKey);
    const order = (a: AttributeMap, b: AttributeMap): number => this.compareInQuery(table, schema, a, b);
    const matches = [...table.items.values()]
      .filter((item) => inIndex(schema, item) && equalValues(item[schema.hash.name] as AttributeValue, condition.hash.value))
      .filter((item) => !condition.range || !schema.range || this.inRange(item[schema.range.name] as AttributeValue, schema.range, condition.range))
      .sort(order)
      .filter((item) => start === undefined || order(item, start) > 0);

    const items: AttributeMap[] = [];
    let bytes = 0;
    let cut = false;
    for (const item of matches) {
      const size = itemBytes(item);
      if (bytes + size > QUERY_PAGE_BYTES) {
        cut = true;
        break;
      }
      items.push(clone(item));
      bytes += size;
      if (items.length >= this.queryPageItems) {
        cut = true;
        break;
      }
    }
    const last = items.at(-1);
    const lastKeyNames = [...keyAttributes(table), ...(index ? keyAttributes(index) : [])].map((a) => a.name);
    return {
      Items: items,
      Count: items.length,
      ScannedCount: items.length,
      ...(cut && last ? { LastEvaluatedKey: pick(last, [...new Set(lastKeyNames)]) } : {}),
    };
  }

  /** The key condition names the schema's keys with values of their types (messages: moto 5.2.1, floci-io/floci#2467). */
  private checkKeyCondition(schema: KeySchema, condition: KeyCondition): void {
    if (condition.hash.name !== schema.hash.name) {
      // dynamoose/dynamoose#353 quotes this message.
      throw validation(`Query condition missed key schema element: ${schema.hash.name}`);
    }
    if (condition.range && condition.range.name !== schema.range?.name) throw validation('Query key condition not supported');
    const values: [KeyAttribute, AttributeValue][] = [[schema.hash, condition.hash.value]];
    if (condition.range && schema.range) values.push([schema.range, condition.range.low], [schema.range, condition.range.high]);
    for (const [attribute, value] of values) {
      if (typeOf(value) !== attribute.type) throw validation('One or more parameter values were invalid: Condition parameter type does not match schema type');
    }
    checkKeyValue(schema.hash, condition.hash.value);
    if (condition.range && schema.range && compareKeyValues(condition.range.low, condition.range.high, schema.range.type) > 0) {
      // Cbsoftware/pressureNET-server#78 quotes this message.
      throw validation('The BETWEEN condition was provided a range where the lower bound is bigger than the upper bound');
    }
  }

  private inRange(value: AttributeValue, attribute: KeyAttribute, range: NonNullable<KeyCondition['range']>): boolean {
    return compareKeyValues(value, range.low, attribute.type) >= 0 && compareKeyValues(value, range.high, attribute.type) <= 0;
  }

  /** Range-key order; on an index, ties go by the table key so that pages never skip or repeat an item. */
  private compareInQuery(table: Table, schema: KeySchema, a: AttributeMap, b: AttributeMap): number {
    const keys = schema === table ? keyAttributes(table).slice(1) : [...(schema.range ? [schema.range] : []), ...keyAttributes(table)];
    for (const key of keys) {
      const order = compareKeyValues(a[key.name] as AttributeValue, b[key.name] as AttributeValue, key.type);
      if (order !== 0) return order;
    }
    return 0;
  }

  /**
   * ExclusiveStartKey: exactly the table's key attributes, plus the index's on an index query, of their types and
   * in the queried partition (pynamodb/PynamoDB#50 and floci-io/floci#1443 quote the message).
   */
  private startKeyOf(table: Table, index: GlobalIndex | undefined, condition: KeyCondition, key: unknown): AttributeMap {
    const invalid = () => validation('The provided starting key is invalid');
    const map = checkMap(key, 'ExclusiveStartKey');
    const attributes = [...keyAttributes(table), ...(index ? keyAttributes(index) : [])];
    const names = new Set(attributes.map((a) => a.name));
    if (Object.keys(map).length !== names.size || Object.keys(map).some((name) => !names.has(name))) throw invalid();
    if (attributes.some((a) => typeOf(map[a.name]) !== a.type)) throw invalid();
    const schema: KeySchema = index ?? table;
    if (!equalValues(map[schema.hash.name] as AttributeValue, condition.hash.value)) throw invalid();
    return map;
  }

  private deleteItem(body: Record<string, unknown>): Record<string, unknown> {
    const table = this.table(body.TableName);
    const key = storageKeyOfKey(table, body.Key);
    const returnValues = body.ReturnValues ?? 'NONE';
    // "DeleteItem does not recognize any values other than NONE or ALL_OLD" (DeleteItemInput, models_0.d.ts).
    if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD')
      throw validation(`ReturnValues ${String(returnValues)} is not valid for DeleteItem: use NONE or ALL_OLD`);
    const existing = table.items.get(key);
    table.items.delete(key);
    return returnValues === 'ALL_OLD' ? withAttributes(existing) : {};
  }
}

/** "The conditional request failed" (Programming.Errors.html as quoted in aws/aws-sdk-java#1945). */
function conditionalCheckFailed(): DynamoDbError {
  return new DynamoDbError(`${DYNAMODB}#ConditionalCheckFailedException`, 'The conditional request failed');
}

/**
 * ADD on a number: adds, starting from 0 when the attribute does not exist; "The ADD action only
 * supports Number and set data types" (UpdateItemInput.UpdateExpression, models_0.d.ts). Sets are not
 * implemented; the wording of the type errors is the ValidationError reasons in errors.d.ts.
 */
function added(current: AttributeValue | undefined, value: AttributeValue): AttributeValue {
  const type = typeOf(value);
  if (type === 'SS' || type === 'NS' || type === 'BS') throw notImplemented('ADD on a set');
  if (type !== 'N')
    throw validation(`Invalid UpdateExpression: An operand in the update expression has an incorrect data type; operator: ADD, operand type: ${type}`);
  if (current === undefined) return { N: formatDecimal(parseNumber(value.N)) };
  if (typeOf(current) !== 'N') throw validation(`Type mismatch for attribute to update; operator: ADD, existing type: ${typeOf(current)}`);
  return { N: formatDecimal(addDecimals(parseNumber(current.N), parseNumber(value.N))) };
}
