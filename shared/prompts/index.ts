import { createHash } from 'node:crypto';
import { ConfigurationError } from '../errors';
import answerManifest from './answer/manifest.json';
import * as answerV1 from './answer/v1';
import * as answerV2 from './answer/v2';
import knowledgeBaseManifest from './knowledge-base/manifest.json';
import * as knowledgeBaseV1 from './knowledge-base/v1';
import * as knowledgeBaseV2 from './knowledge-base/v2';
import knowledgeBaseOrchestrationManifest from './knowledge-base-orchestration/manifest.json';
import * as knowledgeBaseOrchestrationV1 from './knowledge-base-orchestration/v1';
import * as knowledgeBaseOrchestrationV2 from './knowledge-base-orchestration/v2';

/**
 * Versioned prompt templates.
 *
 * Decision: each version is a TypeScript module (`<name>/<version>.ts` exporting `text`), not a `.md`
 * file read from disk, so esbuild bundles it into every Lambda and jest loads it without a file
 * loader: no `__dirname` lookups that break once bundled. `<name>/manifest.json` pins each released
 * version's SHA-256; `loadPrompt` refuses a template whose text no longer matches, so a released
 * prompt cannot change silently under an evaluation result or a logged prompt hash: edit by adding
 * a new version and switching `RAG_PROMPT_VERSION`.
 *
 * Prompts: "answer" (Converse system prompt: v1 {{context}}, the bare numbered sources; v2 on {{sources}}, the
 * sources fenced as untrusted data by source-fence.ts; and {{question}}), "knowledge-base"
 * (RetrieveAndGenerate generation prompt with $search_results$) and "knowledge-base-orchestration"
 * (with $conversation_history$ and $output_format_instructions$). The $...$ placeholders belong to
 * Bedrock and are left untouched by `renderPrompt`.
 *
 * One RAG_PROMPT_VERSION selects all three, so every version exists for all three. v2 (issue 15 item 5)
 * fences retrieved text as data in each; it is a new version, not an edit, because the answer cache key and
 * the evaluation figures name the prompt version: an answer a planted instruction may have steered under v1
 * must not be served as a v2 answer.
 */
export interface PromptTemplate {
  name: string;
  version: string;
  text: string;
  /** SHA-256 (hex) of `text`: log it with the version to tie an answer to the exact prompt. */
  sha256: string;
}

interface PromptManifest {
  name: string;
  versions: Record<string, { sha256: string; variables: string[] }>;
}

const REGISTRY: Record<string, { manifest: PromptManifest; versions: Record<string, string> }> = {
  answer: { manifest: answerManifest, versions: { v1: answerV1.text, v2: answerV2.text } },
  'knowledge-base': { manifest: knowledgeBaseManifest, versions: { v1: knowledgeBaseV1.text, v2: knowledgeBaseV2.text } },
  'knowledge-base-orchestration': {
    manifest: knowledgeBaseOrchestrationManifest,
    versions: { v1: knowledgeBaseOrchestrationV1.text, v2: knowledgeBaseOrchestrationV2.text },
  },
};

const VARIABLE = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const cache = new Map<string, PromptTemplate>();

/** Names and versions of every registered prompt, e.g. for a health or eval report. */
export function listPrompts(): { name: string; versions: string[] }[] {
  return Object.entries(REGISTRY).map(([name, entry]) => ({ name, versions: Object.keys(entry.versions) }));
}

/** Throws ConfigurationError naming the prompt and version when it does not exist or was edited after release. */
export function loadPrompt(name: string, version: string): PromptTemplate {
  const id = `${name}/${version}`;
  const cached = cache.get(id);
  if (cached) return cached;
  const entry = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!entry) throw new ConfigurationError(`Unknown prompt "${name}" (known: ${Object.keys(REGISTRY).join(', ')})`);
  const text = Object.hasOwn(entry.versions, version) ? entry.versions[version] : undefined;
  if (text === undefined) {
    throw new ConfigurationError(`Unknown version "${version}" of prompt "${name}" (known: ${Object.keys(entry.versions).join(', ')})`);
  }
  const sha256 = sha256Hex(text);
  const pinned = entry.manifest.versions[version]?.sha256;
  if (pinned !== sha256) {
    throw new ConfigurationError(`Prompt ${id} does not match the SHA-256 pinned in its manifest.json: released prompts are immutable, add a new version`);
  }
  const template: PromptTemplate = { name, version, text, sha256 };
  cache.set(id, template);
  return template;
}

/** The {{variables}} a template expects, in order of first use. */
export function promptVariables(template: PromptTemplate): string[] {
  return [...new Set([...template.text.matchAll(VARIABLE)].map((m) => m[1] ?? ''))];
}

/**
 * Substitutes every {{var}} in one pass, so a value that itself contains "{{...}}" (document text,
 * a question) is inserted literally and never expanded. A variable without a value is an error.
 */
export function renderPrompt(template: PromptTemplate, vars: Record<string, string>): string {
  const missing = promptVariables(template).filter((name) => !Object.hasOwn(vars, name));
  if (missing.length > 0) {
    throw new ConfigurationError(`Prompt ${template.name}/${template.version} needs variable(s): ${missing.join(', ')}`);
  }
  return template.text.replace(VARIABLE, (_match, name: string) => vars[name] ?? '');
}
