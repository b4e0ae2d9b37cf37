import type { RetrievalFilter } from '@aws-sdk/client-bedrock-agent-runtime';
import { planKeyPrefix } from './chunk-metadata';
import type { ChunkFilter } from './vector-store';

/**
 * The Knowledge Base `RetrievalFilter` for a tenant and a request filter, on the metadata both
 * S3VectorsStore and KnowledgeBaseStore write (tenant, documentId, contentType, key segments p1..p4).
 * Shared by the generator (RetrieveAndGenerate) and the store (Retrieve).
 *
 * A key prefix that ends inside a folder name ("t/pol") or goes deeper than 4 levels cannot be
 * expressed with `equals` on segments (`startsWith` is documented for OpenSearch Serverless stores
 * only): its whole segments are filtered by the service and `postFilterPrefix` is what the caller
 * must still check.
 */
export interface KnowledgeBaseFilterPlan {
  filter: RetrievalFilter;
  postFilterPrefix?: string;
}

export function planKnowledgeBaseFilter(tenant: string, filter: ChunkFilter = {}): KnowledgeBaseFilterPlan {
  const conditions: RetrievalFilter[] = [{ equals: { key: 'tenant', value: tenant } }];
  if (filter.documentIds && filter.documentIds.length > 0) conditions.push({ in: { key: 'documentId', value: filter.documentIds } });
  if (filter.contentTypes && filter.contentTypes.length > 0) conditions.push({ in: { key: 'contentType', value: filter.contentTypes } });
  let postFilterPrefix: string | undefined;
  if (filter.keyPrefix) {
    const plan = planKeyPrefix(filter.keyPrefix);
    for (const segment of plan.segments) conditions.push({ equals: { key: segment.field, value: segment.value } });
    if (plan.needsPostFilter) postFilterPrefix = filter.keyPrefix;
  }
  return { filter: allOf(conditions), ...(postFilterPrefix ? { postFilterPrefix } : {}) };
}

/** `andAll` takes at least two members (RetrievalFilterList, length min 2, in the agent-runtime API model). */
export function allOf(conditions: RetrievalFilter[]): RetrievalFilter {
  return conditions.length === 1 ? (conditions[0] as RetrievalFilter) : { andAll: conditions };
}
