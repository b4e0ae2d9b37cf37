import { UnsupportedDocumentError } from '../../errors';
import type { FormatExtractor } from './document-types';
import { normalizeTitle, TextBuilder } from './text-builder';
import { decodeText } from './text-decoding';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function scalar(value: Json): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.replace(/\s+/g, ' ').trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** "field: value; nested.field: value" for one record, on one line. */
function recordLine(record: { [key: string]: Json }): string {
  const pairs: string[] = [];
  const visit = (value: Json, path: string): void => {
    const text = scalar(value);
    if (text !== undefined) pairs.push(`${path}: ${text}`);
    else if (Array.isArray(value)) {
      const scalars = value.map(scalar).filter((s): s is string => s !== undefined);
      if (scalars.length === value.length && scalars.length > 0) pairs.push(`${path}: ${scalars.join(', ')}`);
      else for (const [index, item] of value.entries()) visit(item, `${path}[${index}]`);
    } else if (isRecord(value)) for (const [key, child] of Object.entries(value)) visit(child, joinPath(path, key));
  };
  for (const [key, value] of Object.entries(record)) visit(value, key);
  return pairs.join('; ');
}

/**
 * Flattens JSON into lines a reader (and an embedder) understands: "path.to.field: value";
 * an array of records gives one line per record.
 */
export function flattenJson(value: Json, prefix = ''): string[] {
  const text = scalar(value);
  if (text !== undefined) return [prefix === '' ? text : `${prefix}: ${text}`];
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isRecord)) {
      return value
        .map((record) => recordLine(record))
        .filter((line) => line !== '')
        .map((line) => (prefix === '' ? line : `${prefix}: ${line}`));
    }
    const scalars = value.map(scalar).filter((s): s is string => s !== undefined);
    if (scalars.length === value.length) return scalars.length === 0 ? [] : [prefix === '' ? scalars.join(', ') : `${prefix}: ${scalars.join(', ')}`];
    return value.flatMap((item, index) => flattenJson(item, `${prefix}[${index}]`));
  }
  if (isRecord(value)) return Object.entries(value).flatMap(([key, child]) => flattenJson(child, joinPath(prefix, key)));
  return [];
}

/**
 * Nesting the flattener follows (it recurses): real documents stay far below it; `[[[[…]]]]` 5,000 deep would
 * overflow the stack and fail with an error nobody can read.
 */
export const MAX_JSON_DEPTH = 100;

/** The deepest nesting of arrays and objects in `value`, counted without recursion, stopping past `limit`. */
export function jsonDepth(value: Json, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: [Json, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [Json, number];
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}

function parse(text: string, format: string): Json {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'invalid syntax';
    throw new UnsupportedDocumentError(`${format} could not be parsed: ${reason}`, { cause: error });
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new UnsupportedDocumentError(`${format} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; it cannot be read as text`);
  }
  return value;
}

function titleOf(value: Json): string | undefined {
  if (!isRecord(value)) return undefined;
  const title = value.title ?? value.name;
  return typeof title === 'string' ? normalizeTitle(title) : undefined;
}

export const extractJson: FormatExtractor = async (input) => {
  const { bytes, contentType } = input;
  const value = parse(decodeText(bytes, 'JSON'), 'JSON');
  const builder = new TextBuilder(input);
  builder.addBlock(flattenJson(value).join('\n'));
  return builder.build(contentType, titleOf(value));
};

/** NDJSON / JSON Lines: one record per line. */
export const extractNdjson: FormatExtractor = async (input) => {
  const { bytes, contentType } = input;
  const lines = decodeText(bytes, 'NDJSON').split(/\r?\n/);
  const out: string[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const value = parse(line, `NDJSON line ${index + 1}`);
    out.push(isRecord(value) ? recordLine(value) : flattenJson(value).join('; '));
  });
  const builder = new TextBuilder(input);
  builder.addBlock(out.join('\n'));
  return builder.build(contentType);
};
