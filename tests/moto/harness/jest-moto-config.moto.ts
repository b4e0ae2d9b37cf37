import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * What jest.moto.config.js does when moto_server is missing: one line and success on a developer's
 * machine, a failure when CI=true or RAG_REQUIRE_MOTO=1 (CI must never skip the moto suites).
 * RAG_MOTO_SERVER points the probe at a command that does not exist.
 */
const root = path.resolve(__dirname, '..', '..', '..');

function runWithoutMoto(extraEnv: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, RAG_MOTO_SERVER: path.join(root, 'no-such-dir', 'moto_server'), ...extraEnv };
  if (!('CI' in extraEnv)) delete env.CI;
  if (!('RAG_REQUIRE_MOTO' in extraEnv)) delete env.RAG_REQUIRE_MOTO;
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'jest.moto.config.js'], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('jest.moto.config.js without moto_server', () => {
  it('skips the moto suites with one line and exit code 0 on a developer machine', () => {
    // Act
    const run = runWithoutMoto({});
    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^moto suites skipped: .*moto_server was not found/)]);
    expect(run.stderr.trim()).toBe('');
  });

  it.each([
    ['CI', 'true'],
    ['RAG_REQUIRE_MOTO', '1'],
  ])('fails when %s=%s requires moto', (name, value) => {
    // Act
    const run = runWithoutMoto({ [name]: value });
    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/moto_server was not found, and CI=true or RAG_REQUIRE_MOTO=1 requires it/);
    expect(run.stdout).not.toMatch(/skipped/);
  });
});
