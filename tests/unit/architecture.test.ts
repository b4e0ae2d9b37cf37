import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The dependency rules of .dependency-cruiser.cjs (its header lists them) as a test, so a change that
 * breaks a layer fails `npm test` with the offending imports, plus the folder-level view of shared/:
 * no two of its folders may import each other, directly or around a loop.
 */
const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'node_modules', '.bin');
const CRUISED = ['functions', 'shared', 'local', 'scripts', 'eval', 'bench', 'stack'];

interface CruisedModule {
  source: string;
  dependencies: { resolved: string }[];
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

interface CruiseResult {
  modules: CruisedModule[];
  summary: { violations: Violation[] };
}

function cruise(): CruiseResult {
  // dependency-cruiser needs Node 22 or later: the project's own `node` (a devDependency) goes first on
  // PATH, as `npm test` does, whichever Node runs jest.
  const result = spawnSync(path.join(bin, 'depcruise'), [...CRUISED, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  if (result.error) throw result.error;
  // It exits non-zero when a rule is broken; the JSON on stdout says which.
  if (result.stdout.trim() === '') throw new Error(`depcruise printed nothing (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as CruiseResult;
}

/** The unit of shared/ a file belongs to: its folder (`shared/pipeline`) or, for a file at the top, the file. */
function unitOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'shared' || parts.length < 2) return undefined;
  return parts.slice(0, 2).join('/');
}

/**
 * Groups of shared/ folders that depend on each other (strongly connected components of the folder
 * graph, Tarjan), each with the file imports that close the loop.
 */
function folderCycles(modules: readonly CruisedModule[]): { folders: string[]; imports: string[] }[] {
  const edges = new Map<string, Map<string, string[]>>();
  for (const module of modules) {
    const from = unitOf(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies) {
      const to = unitOf(dependency.resolved);
      if (!to || to === from) continue;
      const targets = edges.get(from) ?? new Map<string, string[]>();
      targets.set(to, [...(targets.get(to) ?? []), `${module.source} → ${dependency.resolved}`]);
      edges.set(from, targets);
    }
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member) component.push(member);
      } while (member && member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return components.map((folders) => ({
    folders,
    imports: folders.flatMap((from) => folders.flatMap((to) => edges.get(from)?.get(to) ?? [])).sort(),
  }));
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.posix.join(dir, file.split(path.sep).join('/')));
}

describe('architecture', () => {
  let result: CruiseResult;

  beforeAll(() => {
    result = cruise();
  });

  it('keeps every layer rule of .dependency-cruiser.cjs', () => {
    // Prepare: the cruise saw the code (a cruise of nothing would pass every rule).
    const sources = new Set(result.modules.map((m) => m.source));
    expect(sources).toContain('shared/pipeline/query.ts');
    expect(sources).toContain('functions/api/query.ts');

    // Act
    const violations = result.summary.violations.map((v) =>
      v.cycle ? `${v.rule.name}: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')}` : `${v.rule.name}: ${v.from} → ${v.to}`,
    );

    // Assess
    expect(violations).toEqual([]);
  });

  it('has no two folders of shared/ that depend on each other, directly or around a loop', () => {
    // Act
    const cycles = folderCycles(result.modules);

    // Assess
    expect(cycles).toEqual([]);
  });

  it('finds a folder cycle when there is one (the check above is not vacuous)', () => {
    // Prepare
    const modules: CruisedModule[] = [
      { source: 'shared/generation/a.ts', dependencies: [{ resolved: 'shared/guardrails/b.ts' }] },
      { source: 'shared/guardrails/b.ts', dependencies: [{ resolved: 'shared/prompts/c.ts' }] },
      { source: 'shared/prompts/c.ts', dependencies: [{ resolved: 'shared/generation/d.ts' }, { resolved: 'shared/errors.ts' }] },
      { source: 'shared/errors.ts', dependencies: [] },
    ];

    // Act
    const cycles = folderCycles(modules);

    // Assess
    expect(cycles).toEqual([
      {
        folders: ['shared/generation', 'shared/guardrails', 'shared/prompts'],
        imports: [
          'shared/generation/a.ts → shared/guardrails/b.ts',
          'shared/guardrails/b.ts → shared/prompts/c.ts',
          'shared/prompts/c.ts → shared/generation/d.ts',
        ],
      },
    ]);
  });

  it('has use-cases that never ask which adapter runs, and take only the ports they use', () => {
    // Prepare
    const useCases = sourcesUnder('shared/pipeline').map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));

    // Act: a port method answers such questions (BlobStore.uriFor), and each use-case declares its Pick<Services, ...>.
    const askingTheAdapter = useCases.filter(({ text }) => /\badapters\s*\./.test(text)).map(({ file }) => file);
    const takingEveryPort = useCases.filter(({ text }) => /\(\s*services:\s*Services\b/.test(text)).map(({ file }) => file);

    // Assess
    expect(askingTheAdapter).toEqual([]);
    expect(takingEveryPort).toEqual([]);
  });
});
