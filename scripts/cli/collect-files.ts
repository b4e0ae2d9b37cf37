import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isIgnoredKey } from '../../shared/pipeline/document-keys';
import { CliUsageError } from './errors';

/** A local file and the path it gets in the documents store (under the tenant). */
export interface LocalDocument {
  file: string;
  /** `/`-separated, relative: `<prefix>/<path below the folder or glob base>`, or the file name. */
  path: string;
}

export interface CollectedDocuments {
  documents: LocalDocument[];
  /** Files the service never indexes (hidden, temporary, `.metadata.json` sidecars): not uploaded. */
  ignored: string[];
}

const GLOB_CHARACTERS = /[*?[\]{}]/;

async function statOrUndefined(file: string) {
  try {
    return await fs.stat(file);
  } catch {
    return undefined;
  }
}

async function walk(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    // Hidden folders (.git, .rag) hold no documents.
    if (entry.isDirectory() && !entry.name.startsWith('.')) files.push(...(await walk(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** The folder a glob's matches are relative to: its segments before the first one with a wildcard. */
function globBase(pattern: string): string {
  const segments = pattern.split(/[\\/]/);
  const firstWild = segments.findIndex((segment) => GLOB_CHARACTERS.test(segment));
  return segments.slice(0, firstWild).join('/') || '.';
}

async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  // fs.glob is Node 22's (npm scripts run the project's Node 22 from the `node` package).
  const glob = (fs as { glob?: (pattern: string, options: { cwd: string }) => AsyncIterable<string> }).glob;
  if (!glob) throw new CliUsageError(`glob patterns need Node 22 or later (run through npm, or let the shell expand ${pattern})`);
  const matches: string[] = [];
  for await (const match of glob(pattern, { cwd })) {
    const full = path.resolve(cwd, match);
    if ((await statOrUndefined(full))?.isFile()) matches.push(full);
  }
  return matches;
}

function cleanPrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const segments = prefix.split('/').filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment === '.' || segment === '..')) throw new CliUsageError(`--prefix must not contain "." or ".." segments: ${prefix}`);
  return segments.length > 0 ? `${segments.join('/')}/` : '';
}

/**
 * Expands the command's arguments: a file keeps its name, a folder's files keep their path below
 * it, a glob's matches their path below its base (`docs/**\/*.md` → `guide/intro.md`).
 */
export async function collectDocuments(inputs: string[], options: { cwd: string; prefix?: string }): Promise<CollectedDocuments> {
  const prefix = cleanPrefix(options.prefix);
  const byPath = new Map<string, string>();
  const ignored: string[] = [];
  const add = (file: string, relative: string) => {
    const remote = `${prefix}${relative.split(path.sep).join('/')}`;
    if (isIgnoredKey(remote)) {
      ignored.push(file);
      return;
    }
    const other = byPath.get(remote);
    if (other && other !== file) throw new CliUsageError(`${other} and ${file} would both be stored as ${remote}`);
    byPath.set(remote, file);
  };

  for (const input of inputs) {
    const full = path.resolve(options.cwd, input);
    const stat = await statOrUndefined(full);
    if (stat?.isDirectory()) {
      for (const file of await walk(full)) add(file, path.relative(full, file));
    } else if (stat?.isFile()) {
      add(full, path.basename(full));
    } else if (GLOB_CHARACTERS.test(input)) {
      const base = path.resolve(options.cwd, globBase(input));
      const matches = await expandGlob(input, options.cwd);
      if (matches.length === 0) throw new CliUsageError(`no file matches ${input}`);
      for (const file of matches) add(file, path.relative(base, file));
    } else {
      throw new CliUsageError(`no such file or folder: ${input}`);
    }
  }
  const documents = [...byPath].map(([remote, file]) => ({ file, path: remote })).sort((a, b) => a.path.localeCompare(b.path));
  return { documents, ignored };
}
