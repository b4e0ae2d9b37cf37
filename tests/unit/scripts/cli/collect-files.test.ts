import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { collectDocuments } from '../../../../scripts/cli/collect-files';
import { CliUsageError } from '../../../../scripts/cli/errors';

describe('collectDocuments', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'collect-'));
    for (const name of [
      'docs/a.md',
      'docs/guide/b.md',
      'docs/guide/c.txt',
      'docs/.hidden.md',
      'docs/.git/config',
      'docs/x.metadata.json',
      'other/a.md',
      'one.pdf',
    ]) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), name);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const paths = async (inputs: string[], prefix?: string) =>
    (await collectDocuments(inputs, { cwd: dir, ...(prefix ? { prefix } : {}) })).documents.map((d) => `${d.path} <- ${path.relative(dir, d.file)}`);

  it("keeps a file's name and a folder's paths below it, skipping what the service never indexes", async () => {
    const collected = await collectDocuments(['one.pdf', 'docs'], { cwd: dir });

    expect(collected.documents.map((d) => d.path)).toEqual(['a.md', 'guide/b.md', 'guide/c.txt', 'one.pdf']);
    expect(collected.ignored.map((f) => path.relative(dir, f)).sort()).toEqual(['docs/.hidden.md', 'docs/x.metadata.json']);
  });

  it("expands a glob, keeping each match's path below the glob's base, under --prefix", async () => {
    expect(await paths(['docs/**/*.md'], '/team/')).toEqual(['team/a.md <- docs/a.md', 'team/guide/b.md <- docs/guide/b.md']);
    expect(await paths([path.join(dir, 'docs/guide/*.{md,txt}')])).toEqual(['b.md <- docs/guide/b.md', 'c.txt <- docs/guide/c.txt']);
  });

  it('refuses a missing input, a glob without matches, two files for one path and a prefix that climbs', async () => {
    await expect(collectDocuments(['nope.md'], { cwd: dir })).rejects.toThrow(new CliUsageError('no such file or folder: nope.md'));
    await expect(collectDocuments(['docs/*.xyz'], { cwd: dir })).rejects.toThrow(new CliUsageError('no file matches docs/*.xyz'));
    await expect(collectDocuments(['docs', 'other'], { cwd: dir })).rejects.toThrow(/docs\/a\.md and .*other\/a\.md would both be stored as a\.md/);
    await expect(collectDocuments(['docs'], { cwd: dir, prefix: '../up' })).rejects.toBeInstanceOf(CliUsageError);
  });
});
