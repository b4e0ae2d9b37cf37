import { type EmulatorRequest, type EmulatorResponse, ServiceEmulator } from './http-emulator';

/**
 * Amazon S3 Vectors on 127.0.0.1, speaking the restJson1 shapes the real `@aws-sdk/client-s3vectors`
 * expects: POST /PutVectors, /QueryVectors, /GetVectors, /ListVectors, /DeleteVectors with
 * `vectorBucketName` + `indexName` in the body, `data: {float32: [...]}`, a metadata document, and the
 * documented filter language ($eq $ne $gt $gte $lt $lte $in $nin $exists $and $or; `$eq` on a list
 * value matches any element; a bare value means $eq).
 * Service limits enforced as documented: 500 vectors per PutVectors, topK 1..100, 100 keys per
 * GetVectors, 500 per DeleteVectors, 1000 per ListVectors page, 2 KB filterable and 40 KB total metadata per
 * vector, dimension of the index. Indexes are created by the test (`createIndex`), cosine distance.
 */

export interface EmulatedIndex {
  dimension: number;
  nonFilterableMetadataKeys: string[];
}

export interface StoredVector {
  key: string;
  data: number[];
  metadata: Record<string, unknown>;
}

export interface S3VectorsCall {
  operation: 'PutVectors' | 'QueryVectors' | 'GetVectors' | 'ListVectors' | 'DeleteVectors';
  body: Record<string, unknown>;
}

const MAX_PUT = 500;
const MAX_TOP_K = 100;
/** GetVectors takes up to 100 keys, DeleteVectors up to 500. */
const MAX_GET_KEYS = 100;
const MAX_DELETE_KEYS = 500;
const MAX_LIST = 1000;
const MAX_FILTERABLE_BYTES = 2048;
const MAX_METADATA_BYTES = 40 * 1024;

class ValidationException extends Error {}

function validation(message: string): EmulatorResponse {
  return { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message } };
}

function notFound(message: string): EmulatorResponse {
  return { status: 404, headers: { 'x-amzn-errortype': 'NotFoundException' }, body: { message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}

type Primitive = string | number | boolean;

function isPrimitive(value: unknown): value is Primitive {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function equalsValue(stored: unknown, wanted: unknown): boolean {
  if (Array.isArray(stored)) return stored.some((item) => item === wanted);
  return stored === wanted;
}

function compareNumbers(stored: unknown, wanted: unknown, test: (a: number, b: number) => boolean): boolean {
  if (typeof wanted !== 'number') throw new ValidationException('Range operators take numbers');
  return typeof stored === 'number' && test(stored, wanted);
}

function matchOperator(stored: unknown, operator: string, operand: unknown): boolean {
  switch (operator) {
    case '$eq':
      if (!isPrimitive(operand)) throw new ValidationException('$eq takes a string, number or boolean');
      return equalsValue(stored, operand);
    case '$ne':
      if (!isPrimitive(operand)) throw new ValidationException('$ne takes a string, number or boolean');
      return stored !== undefined && !equalsValue(stored, operand);
    case '$gt':
      return compareNumbers(stored, operand, (a, b) => a > b);
    case '$gte':
      return compareNumbers(stored, operand, (a, b) => a >= b);
    case '$lt':
      return compareNumbers(stored, operand, (a, b) => a < b);
    case '$lte':
      return compareNumbers(stored, operand, (a, b) => a <= b);
    case '$in':
      if (!Array.isArray(operand) || operand.length === 0) throw new ValidationException('$in takes a non-empty array');
      return operand.some((value) => equalsValue(stored, value));
    case '$nin':
      if (!Array.isArray(operand) || operand.length === 0) throw new ValidationException('$nin takes a non-empty array');
      return stored !== undefined && !operand.some((value) => equalsValue(stored, value));
    case '$exists':
      if (typeof operand !== 'boolean') throw new ValidationException('$exists takes a boolean');
      return (stored !== undefined) === operand;
    default:
      throw new ValidationException(`Unsupported filter operator ${operator}`);
  }
}

/** Evaluates the S3 Vectors filter document against one vector's filterable metadata. */
export function matchesFilter(filter: unknown, metadata: Record<string, unknown>, nonFilterable: ReadonlySet<string>): boolean {
  if (!isRecord(filter)) throw new ValidationException('filter must be an object');
  return Object.entries(filter).every(([field, condition]) => {
    if (field === '$and' || field === '$or') {
      if (!Array.isArray(condition) || condition.length === 0) throw new ValidationException(`${field} takes a non-empty array`);
      const results = condition.map((sub) => matchesFilter(sub, metadata, nonFilterable));
      return field === '$and' ? results.every(Boolean) : results.some(Boolean);
    }
    if (field.startsWith('$')) throw new ValidationException(`Unsupported logical operator ${field}`);
    if (nonFilterable.has(field)) throw new ValidationException(`Metadata key ${field} is not filterable`);
    const stored = metadata[field];
    if (isRecord(condition)) {
      return Object.entries(condition).every(([operator, operand]) => matchOperator(stored, operator, operand));
    }
    return matchOperator(stored, '$eq', condition);
  });
}

export class S3VectorsEmulator extends ServiceEmulator<S3VectorsCall> {
  private readonly indexes = new Map<string, { config: EmulatedIndex; vectors: Map<string, StoredVector> }>();

  constructor() {
    const operations: { operation: S3VectorsCall['operation']; handle: (body: Record<string, unknown>) => EmulatorResponse }[] = [
      { operation: 'PutVectors', handle: (body) => this.putVectors(body) },
      { operation: 'QueryVectors', handle: (body) => this.queryVectors(body) },
      { operation: 'GetVectors', handle: (body) => this.getVectors(body) },
      { operation: 'ListVectors', handle: (body) => this.listVectors(body) },
      { operation: 'DeleteVectors', handle: (body) => this.deleteVectors(body) },
    ];
    super(
      operations.map(({ operation, handle }) => ({
        method: 'POST',
        pattern: new RegExp(`^/${operation}$`),
        handle: (req: EmulatorRequest): EmulatorResponse => {
          const body = req.json<Record<string, unknown>>();
          this.calls.push({ operation, body });
          try {
            return handle(body);
          } catch (error) {
            if (error instanceof ValidationException) return validation(error.message);
            throw error;
          }
        },
      })),
    );
  }

  /** Forgets every index (and, through reset, calls and faults). */
  protected override resetState(): void {
    this.indexes.clear();
  }

  createIndex(bucket: string, index: string, config: EmulatedIndex): void {
    this.indexes.set(`${bucket}/${index}`, { config, vectors: new Map() });
  }

  /** What the index holds, for assertions. */
  stored(bucket: string, index: string): StoredVector[] {
    return [...(this.indexes.get(`${bucket}/${index}`)?.vectors.values() ?? [])];
  }

  callsOf(operation: S3VectorsCall['operation']): S3VectorsCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  private index(body: Record<string, unknown>): { config: EmulatedIndex; vectors: Map<string, StoredVector>; nonFilterable: Set<string> } {
    const bucket = body.vectorBucketName;
    const name = body.indexName;
    if (typeof bucket !== 'string' || typeof name !== 'string') throw new ValidationException('vectorBucketName and indexName are required');
    const found = this.indexes.get(`${bucket}/${name}`);
    if (!found) throw new IndexNotFound(`Index ${name} not found in ${bucket}`);
    return { ...found, nonFilterable: new Set(found.config.nonFilterableMetadataKeys) };
  }

  private withIndex(body: Record<string, unknown>, run: (index: ReturnType<S3VectorsEmulator['index']>) => EmulatorResponse): EmulatorResponse {
    try {
      return run(this.index(body));
    } catch (error) {
      if (error instanceof IndexNotFound) return notFound(error.message);
      throw error;
    }
  }

  private vectorData(value: unknown, dimension: number): number[] {
    const data = isRecord(value) ? value.float32 : undefined;
    if (!Array.isArray(data) || !data.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new ValidationException('data.float32 must be an array of finite numbers');
    }
    if (data.length !== dimension) throw new ValidationException(`Vector dimension ${data.length} does not match index dimension ${dimension}`);
    return data as number[];
  }

  private putVectors(body: Record<string, unknown>): EmulatorResponse {
    return this.withIndex(body, ({ config, vectors, nonFilterable }) => {
      const input = body.vectors;
      if (!Array.isArray(input) || input.length === 0 || input.length > MAX_PUT) {
        throw new ValidationException(`vectors must hold 1 to ${MAX_PUT} items`);
      }
      const accepted: StoredVector[] = input.map((item: unknown) => {
        if (!isRecord(item) || typeof item.key !== 'string' || item.key.length === 0 || item.key.length > 1024) {
          throw new ValidationException('Each vector needs a key of 1 to 1024 characters');
        }
        const metadata = isRecord(item.metadata) ? item.metadata : {};
        const filterable = Object.fromEntries(Object.entries(metadata).filter(([k]) => !nonFilterable.has(k)));
        if (Buffer.byteLength(JSON.stringify(filterable)) > MAX_FILTERABLE_BYTES) {
          throw new ValidationException(`Filterable metadata of ${item.key} exceeds ${MAX_FILTERABLE_BYTES} bytes`);
        }
        if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
          throw new ValidationException(`Metadata of ${item.key} exceeds ${MAX_METADATA_BYTES} bytes`);
        }
        return { key: item.key, data: this.vectorData(item.data, config.dimension), metadata };
      });
      for (const vector of accepted) vectors.set(vector.key, vector);
      return { status: 200, body: {} };
    });
  }

  /**
   * Results per QueryVectors page. The service pages results when topK exceeds its page size and returns
   * a `nextToken` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-query.html, read
   * 2026-11-30); the page size itself is not documented, so tests set it small to exercise paging.
   */
  queryPageSize = MAX_TOP_K;
  private readonly queryPages = new Map<string, { keys: { key: string; distance: number }[]; request: string }>();

  private queryVectors(body: Record<string, unknown>): EmulatorResponse {
    return this.withIndex(body, ({ config, vectors, nonFilterable }) => {
      const topK = body.topK;
      if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
        throw new ValidationException(`topK must be an integer from 1 to ${MAX_TOP_K}`);
      }
      // A continuation must repeat the original queryVector, topK and filter.
      const { nextToken, ...request } = body;
      const requestKey = JSON.stringify(request);
      let ranked: { key: string; distance: number }[];
      if (typeof nextToken === 'string') {
        const session = this.queryPages.get(nextToken);
        if (!session || session.request !== requestKey) throw new ValidationException('The nextToken is invalid or does not match the query');
        this.queryPages.delete(nextToken);
        ranked = session.keys;
      } else {
        const query = this.vectorData(body.queryVector, config.dimension);
        ranked = [...vectors.values()]
          .filter((v) => body.filter === undefined || matchesFilter(body.filter, v.metadata, nonFilterable))
          .map((v) => ({ key: v.key, distance: cosineDistance(query, v.data) }))
          .sort((a, b) => a.distance - b.distance || a.key.localeCompare(b.key))
          .slice(0, topK);
      }
      const page = ranked.slice(0, this.queryPageSize);
      const rest = ranked.slice(this.queryPageSize);
      let token: string | undefined;
      if (rest.length > 0) {
        token = `q${this.queryPages.size}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
        this.queryPages.set(token, { keys: rest, request: requestKey });
      }
      return {
        status: 200,
        body: {
          distanceMetric: 'cosine',
          vectors: page.flatMap(({ key, distance }) => {
            const v = vectors.get(key);
            if (!v) return [];
            return [
              {
                key,
                ...(body.returnDistance === true ? { distance } : {}),
                ...(body.returnMetadata === true ? { metadata: v.metadata } : {}),
              },
            ];
          }),
          ...(token ? { nextToken: token } : {}),
        },
      };
    });
  }

  private outputVector(v: StoredVector, body: Record<string, unknown>): Record<string, unknown> {
    return {
      key: v.key,
      ...(body.returnData === true ? { data: { float32: v.data } } : {}),
      ...(body.returnMetadata === true ? { metadata: v.metadata } : {}),
    };
  }

  private keysOf(body: Record<string, unknown>, max: number): string[] {
    const keys = body.keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > max || !keys.every((k) => typeof k === 'string')) {
      throw new ValidationException(`keys must hold 1 to ${max} strings`);
    }
    return keys as string[];
  }

  private getVectors(body: Record<string, unknown>): EmulatorResponse {
    return this.withIndex(body, ({ vectors }) => {
      const found = this.keysOf(body, MAX_GET_KEYS)
        .map((key) => vectors.get(key))
        .filter((v): v is StoredVector => v !== undefined);
      return { status: 200, body: { vectors: found.map((v) => this.outputVector(v, body)) } };
    });
  }

  private listVectors(body: Record<string, unknown>): EmulatorResponse {
    return this.withIndex(body, ({ vectors }) => {
      const max = body.maxResults ?? 500;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_LIST) {
        throw new ValidationException(`maxResults must be an integer from 1 to ${MAX_LIST}`);
      }
      const all = [...vectors.values()].sort((a, b) => a.key.localeCompare(b.key));
      const offset = typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64').toString('utf8')) : 0;
      if (!Number.isInteger(offset) || offset < 0) throw new ValidationException('nextToken is not valid');
      const page = all.slice(offset, offset + max);
      const next = offset + max < all.length ? Buffer.from(String(offset + max)).toString('base64') : undefined;
      return { status: 200, body: { vectors: page.map((v) => this.outputVector(v, body)), ...(next ? { nextToken: next } : {}) } };
    });
  }

  private deleteVectors(body: Record<string, unknown>): EmulatorResponse {
    return this.withIndex(body, ({ vectors }) => {
      for (const key of this.keysOf(body, MAX_DELETE_KEYS)) vectors.delete(key);
      return { status: 200, body: {} };
    });
  }
}

class IndexNotFound extends Error {}
