import { type EmulatorRequest, type EmulatorResponse, ServiceEmulator } from './http-emulator';
import type { KnowledgeBaseDocuments } from './knowledge-base-documents';

/**
 * Agents for Amazon Bedrock, build-time API (the control plane), on 127.0.0.1, speaking the
 * restJson1 shapes the real `@aws-sdk/client-bedrock-agent` expects, for knowledge base documents:
 * - PUT  /knowledgebases/{kb}/datasources/{ds}/documents                  IngestKnowledgeBaseDocuments (202)
 * - POST /knowledgebases/{kb}/datasources/{ds}/documents/deleteDocuments  DeleteKnowledgeBaseDocuments (202)
 * - POST /knowledgebases/{kb}/datasources/{ds}/documents/getDocuments     GetKnowledgeBaseDocuments
 * - POST /knowledgebases/{kb}/datasources/{ds}/documents                  ListKnowledgeBaseDocuments (paginated)
 * - GET  /knowledgebases/{kb}/datasources/{ds}                            GetDataSource
 * Documents live in a KnowledgeBaseDocuments store shared with BedrockAgentRuntimeEmulator, which
 * retrieves and answers from them.
 *
 * Validation follows the service (read 2026-11-30 from the bedrock-agent 2023-06-05 Smithy model in
 * github.com/aws/api-models-aws and aws/aws-sdk-js-v3, and the user guide page "Ingest documents
 * directly into a knowledge base"):
 * - knowledgeBaseId and dataSourceId match ^[0-9a-zA-Z]{10}$; unknown ones answer 404 ResourceNotFoundException;
 * - `documents` and `documentIdentifiers` hold 1 to 10 items; `clientToken` is 33..256 characters of
 *   [a-zA-Z0-9-], and a repeated token replays the first answer without doing the work again;
 * - each document's `dataSourceType` matches the data source's type; content defined inline is only
 *   accepted by a CUSTOM data source, and its metadata must then be inline too;
 * - custom document id 1..2048 characters; inline text 1..5,242,880 characters; 1..50 inline
 *   attributes, keys 1..200 characters, string values 1..2048, string lists 1..10 items;
 * - ListKnowledgeBaseDocuments maxResults 1..1000.
 * Not emulated (answered 400 with a message saying so): S3 locations for content or metadata, and
 * byte content other than text/plain.
 */

export interface BedrockAgentCall {
  operation: 'IngestKnowledgeBaseDocuments' | 'DeleteKnowledgeBaseDocuments' | 'GetKnowledgeBaseDocuments' | 'ListKnowledgeBaseDocuments' | 'GetDataSource';
  knowledgeBaseId: string;
  dataSourceId: string;
  body: Record<string, unknown>;
}

const ID = /^[0-9a-zA-Z]{10}$/;
const CLIENT_TOKEN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$/;
const LIMITS = {
  documentsPerCall: 10,
  customIdChars: 2048,
  textChars: 5_242_880,
  attributes: 50,
  keyChars: 200,
  stringChars: 2048,
  stringListItems: 10,
  listPage: 1000,
} as const;

class ValidationException extends Error {}
class ResourceNotFoundException extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lengthBetween(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

/** Inline attributes to the plain values Retrieve returns and filters on. */
function attributeValues(attributes: unknown, where: string): Record<string, unknown> {
  if (!Array.isArray(attributes) || attributes.length < 1 || attributes.length > LIMITS.attributes) {
    throw new ValidationException(`${where}.inlineAttributes must hold 1 to ${LIMITS.attributes} attributes`);
  }
  const values: Record<string, unknown> = {};
  attributes.forEach((attribute: unknown, i) => {
    const at = `${where}.inlineAttributes[${i}]`;
    if (!isRecord(attribute) || !lengthBetween(attribute.key, 1, LIMITS.keyChars))
      throw new ValidationException(`${at}.key must be 1 to ${LIMITS.keyChars} characters`);
    const value = attribute.value;
    if (!isRecord(value)) throw new ValidationException(`${at}.value is required`);
    switch (value.type) {
      case 'STRING':
        if (!lengthBetween(value.stringValue, 1, LIMITS.stringChars))
          throw new ValidationException(`${at}.value.stringValue must be 1 to ${LIMITS.stringChars} characters`);
        values[attribute.key] = value.stringValue;
        break;
      case 'NUMBER':
        if (typeof value.numberValue !== 'number') throw new ValidationException(`${at}.value.numberValue is required for NUMBER`);
        values[attribute.key] = value.numberValue;
        break;
      case 'BOOLEAN':
        if (typeof value.booleanValue !== 'boolean') throw new ValidationException(`${at}.value.booleanValue is required for BOOLEAN`);
        values[attribute.key] = value.booleanValue;
        break;
      case 'STRING_LIST': {
        const list = value.stringListValue;
        if (!Array.isArray(list) || list.length < 1 || list.length > LIMITS.stringListItems || !list.every((s) => lengthBetween(s, 1, LIMITS.stringChars))) {
          throw new ValidationException(`${at}.value.stringListValue must hold 1 to ${LIMITS.stringListItems} strings`);
        }
        values[attribute.key] = list;
        break;
      }
      default:
        throw new ValidationException(`${at}.value.type must be BOOLEAN, NUMBER, STRING or STRING_LIST`);
    }
  });
  return values;
}

export class BedrockAgentEmulator extends ServiceEmulator<BedrockAgentCall> {
  private readonly replies = new Map<string, EmulatorResponse>();

  constructor(readonly documents: KnowledgeBaseDocuments) {
    const base = '^\\/knowledgebases\\/(?<knowledgeBaseId>[^/]+)\\/datasources\\/(?<dataSourceId>[^/]+)';
    super([
      { method: 'PUT', pattern: new RegExp(`${base}\\/documents$`), handle: (req) => this.guard(() => this.ingest(req)) },
      { method: 'POST', pattern: new RegExp(`${base}\\/documents\\/deleteDocuments$`), handle: (req) => this.guard(() => this.deleteDocuments(req)) },
      { method: 'POST', pattern: new RegExp(`${base}\\/documents\\/getDocuments$`), handle: (req) => this.guard(() => this.getDocuments(req)) },
      { method: 'POST', pattern: new RegExp(`${base}\\/documents$`), handle: (req) => this.guard(() => this.listDocuments(req)) },
      { method: 'GET', pattern: new RegExp(`${base}$`), handle: (req) => this.guard(() => this.getDataSource(req)) },
    ]);
  }

  callsOf(operation: BedrockAgentCall['operation']): BedrockAgentCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  protected override resetState(): void {
    this.replies.clear();
    this.documents.clear();
  }

  private guard(run: () => EmulatorResponse): EmulatorResponse {
    try {
      return run();
    } catch (error) {
      if (error instanceof ValidationException)
        return { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message: error.message } };
      if (error instanceof ResourceNotFoundException) {
        return { status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: error.message } };
      }
      throw error;
    }
  }

  /** Records the call and resolves its data source, checking ids as the service does. */
  private begin(req: EmulatorRequest, operation: BedrockAgentCall['operation']) {
    const { knowledgeBaseId = '', dataSourceId = '' } = req.params;
    const body = req.method === 'GET' ? {} : req.json<Record<string, unknown>>();
    this.calls.push({ operation, knowledgeBaseId, dataSourceId, body });
    if (!ID.test(knowledgeBaseId)) throw new ValidationException('knowledgeBaseId must satisfy ^[0-9a-zA-Z]{10}$');
    if (!ID.test(dataSourceId)) throw new ValidationException('dataSourceId must satisfy ^[0-9a-zA-Z]{10}$');
    const dataSource = this.documents.dataSource(knowledgeBaseId, dataSourceId);
    if (!dataSource) throw new ResourceNotFoundException(`Data source ${dataSourceId} of knowledge base ${knowledgeBaseId} not found`);
    return { knowledgeBaseId, dataSourceId, body, dataSource };
  }

  /** A repeated clientToken: the service ignores the request and answers as the first time. */
  private idempotent(operation: string, body: Record<string, unknown>, run: () => EmulatorResponse): EmulatorResponse {
    const token = body.clientToken;
    if (token === undefined) return run();
    if (!lengthBetween(token, 33, 256) || !CLIENT_TOKEN.test(token)) throw new ValidationException('clientToken must be 33 to 256 characters of [a-zA-Z0-9-]');
    const key = `${operation}:${token}`;
    const replay = this.replies.get(key);
    if (replay) return replay;
    const reply = run();
    this.replies.set(key, reply);
    return reply;
  }

  private identifierIds(body: Record<string, unknown>, dataSourceType: string): string[] {
    const list = body.documentIdentifiers;
    if (!Array.isArray(list) || list.length < 1 || list.length > LIMITS.documentsPerCall) {
      throw new ValidationException(`documentIdentifiers must hold 1 to ${LIMITS.documentsPerCall} items`);
    }
    return list.map((identifier: unknown, i) => {
      if (!isRecord(identifier) || identifier.dataSourceType !== dataSourceType) {
        throw new ValidationException(`documentIdentifiers[${i}].dataSourceType must match the data source type ${dataSourceType}`);
      }
      const id = isRecord(identifier.custom) ? identifier.custom.id : undefined;
      if (!lengthBetween(id, 1, LIMITS.customIdChars))
        throw new ValidationException(`documentIdentifiers[${i}].custom.id must be 1 to ${LIMITS.customIdChars} characters`);
      return id;
    });
  }

  // ---------- operations ----------

  private ingest(req: EmulatorRequest): EmulatorResponse {
    const { knowledgeBaseId, dataSourceId, body, dataSource } = this.begin(req, 'IngestKnowledgeBaseDocuments');
    const documents = body.documents;
    if (!Array.isArray(documents) || documents.length < 1 || documents.length > LIMITS.documentsPerCall) {
      throw new ValidationException(`documents must hold 1 to ${LIMITS.documentsPerCall} items`);
    }
    // Validate the whole request before ingesting anything.
    const parsed = documents.map((document: unknown, i) => {
      const at = `documents[${i}]`;
      const content = isRecord(document) ? document.content : undefined;
      if (!isRecord(content)) throw new ValidationException(`${at}.content is required`);
      if (content.dataSourceType !== dataSource.type)
        throw new ValidationException(`${at}.content.dataSourceType must match the data source type ${dataSource.type}`);
      if (dataSource.type !== 'CUSTOM')
        throw new ValidationException('Only a CUSTOM data source accepts documents defined inline; S3 locations are not emulated');
      const custom = content.custom;
      if (!isRecord(custom)) throw new ValidationException(`${at}.content.custom is required for a CUSTOM data source`);
      const id = isRecord(custom.customDocumentIdentifier) ? custom.customDocumentIdentifier.id : undefined;
      if (!lengthBetween(id, 1, LIMITS.customIdChars))
        throw new ValidationException(`${at}.content.custom.customDocumentIdentifier.id must be 1 to ${LIMITS.customIdChars} characters`);
      if (custom.sourceType === 'S3_LOCATION') throw new ValidationException(`${at}: S3_LOCATION content is not emulated`);
      if (custom.sourceType !== 'IN_LINE') throw new ValidationException(`${at}.content.custom.sourceType must be IN_LINE or S3_LOCATION`);
      const text = this.inlineText(custom.inlineContent, `${at}.content.custom.inlineContent`);
      const metadata = isRecord(document) ? document.metadata : undefined;
      let attributes: Record<string, unknown> = {};
      if (metadata !== undefined) {
        if (!isRecord(metadata)) throw new ValidationException(`${at}.metadata must be an object`);
        // "The content and metadata for a document must be defined with the same method."
        if (metadata.type !== 'IN_LINE_ATTRIBUTE') throw new ValidationException(`${at}.metadata.type must be IN_LINE_ATTRIBUTE for content defined inline`);
        attributes = attributeValues(metadata.inlineAttributes, `${at}.metadata`);
      }
      return { id, text, metadata: attributes };
    });
    return this.idempotent('Ingest', body, () => ({
      status: 202,
      body: { documentDetails: parsed.map((document) => this.documents.ingest(knowledgeBaseId, dataSourceId, document)) },
    }));
  }

  private inlineText(inline: unknown, at: string): string {
    if (!isRecord(inline)) throw new ValidationException(`${at} is required for IN_LINE content`);
    if (inline.type === 'TEXT') {
      const data = isRecord(inline.textContent) ? inline.textContent.data : undefined;
      if (!lengthBetween(data, 1, LIMITS.textChars)) throw new ValidationException(`${at}.textContent.data must be 1 to ${LIMITS.textChars} characters`);
      return data;
    }
    if (inline.type === 'BYTE') {
      const bytes = isRecord(inline.byteContent) ? inline.byteContent : undefined;
      if (!bytes || typeof bytes.data !== 'string' || typeof bytes.mimeType !== 'string')
        throw new ValidationException(`${at}.byteContent needs mimeType and data`);
      if (bytes.mimeType !== 'text/plain') throw new ValidationException(`${at}: byte content of type ${bytes.mimeType} is not emulated`);
      const text = Buffer.from(bytes.data, 'base64').toString('utf8');
      if (text.length < 1 || bytes.data.length > LIMITS.textChars)
        throw new ValidationException(`${at}.byteContent.data must be 1 to ${LIMITS.textChars} bytes`);
      return text;
    }
    throw new ValidationException(`${at}.type must be TEXT or BYTE`);
  }

  private deleteDocuments(req: EmulatorRequest): EmulatorResponse {
    const { knowledgeBaseId, dataSourceId, body, dataSource } = this.begin(req, 'DeleteKnowledgeBaseDocuments');
    const ids = this.identifierIds(body, dataSource.type);
    return this.idempotent('Delete', body, () => ({
      status: 202,
      body: { documentDetails: ids.map((id) => this.documents.delete(knowledgeBaseId, dataSourceId, id)) },
    }));
  }

  private getDocuments(req: EmulatorRequest): EmulatorResponse {
    const { knowledgeBaseId, dataSourceId, body, dataSource } = this.begin(req, 'GetKnowledgeBaseDocuments');
    const ids = this.identifierIds(body, dataSource.type);
    return { status: 200, body: { documentDetails: ids.map((id) => this.documents.detail(knowledgeBaseId, dataSourceId, id)) } };
  }

  private listDocuments(req: EmulatorRequest): EmulatorResponse {
    const { knowledgeBaseId, dataSourceId, body } = this.begin(req, 'ListKnowledgeBaseDocuments');
    const maxResults = body.maxResults ?? LIMITS.listPage;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIMITS.listPage) {
      throw new ValidationException(`maxResults must be from 1 to ${LIMITS.listPage}`);
    }
    let start = 0;
    if (body.nextToken !== undefined) {
      start = typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64url').toString('utf8')) : Number.NaN;
      if (!Number.isInteger(start) || start < 0) throw new ValidationException('nextToken is invalid');
    }
    const all = this.documents.list(knowledgeBaseId, dataSourceId);
    const page = all.slice(start, start + maxResults);
    const next = start + maxResults < all.length ? Buffer.from(String(start + maxResults)).toString('base64url') : undefined;
    return { status: 200, body: { documentDetails: page, ...(next ? { nextToken: next } : {}) } };
  }

  private getDataSource(req: EmulatorRequest): EmulatorResponse {
    const { dataSource } = this.begin(req, 'GetDataSource');
    const at = dataSource.createdAt.toISOString();
    return {
      status: 200,
      body: {
        dataSource: {
          knowledgeBaseId: dataSource.knowledgeBaseId,
          dataSourceId: dataSource.dataSourceId,
          name: dataSource.name,
          status: 'AVAILABLE',
          dataSourceConfiguration: { type: dataSource.type },
          ...(dataSource.chunkingStrategy
            ? {
                vectorIngestionConfiguration: {
                  chunkingConfiguration: {
                    chunkingStrategy: dataSource.chunkingStrategy,
                    ...(dataSource.chunkingStrategy === 'FIXED_SIZE'
                      ? { fixedSizeChunkingConfiguration: { maxTokens: dataSource.maxTokens ?? 300, overlapPercentage: 20 } }
                      : {}),
                  },
                },
              }
            : {}),
          dataDeletionPolicy: 'DELETE',
          createdAt: at,
          updatedAt: at,
        },
      },
    };
  }
}
