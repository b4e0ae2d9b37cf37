const { spawnSync } = require('node:child_process');
const base = require('./jest.config.js');

/**
 * The moto suites (tests/moto/**\/*.moto.ts): the AWS adapters against moto_server, an emulator
 * independent of our own (docs/testing-with-moto.md). moto_server comes with the machine image's
 * Python, not with npm, so `npm test` never runs these files (they do not match its `*.test.ts`).
 *
 * Without moto_server the run ends here with one line and exit code 0, unless CI=true or
 * RAG_REQUIRE_MOTO=1: then a missing moto_server fails the run, because CI must never skip it.
 * RAG_MOTO_SERVER names another executable (default: moto_server on PATH).
 */
const command = process.env.RAG_MOTO_SERVER || 'moto_server';
const required = process.env.CI === 'true' || process.env.RAG_REQUIRE_MOTO === '1';

function whyUnavailable() {
  const probe = spawnSync(command, ['--help'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error) return probe.error.code === 'ENOENT' ? 'was not found' : `could not run: ${probe.error.message}`;
  if (probe.status !== 0) return `\`${command} --help\` exited with ${probe.status}: ${(probe.stderr || '').trim().split('\n')[0]}`;
  return undefined;
}

module.exports = async () => {
  const unavailable = whyUnavailable();
  if (unavailable && required) {
    throw new Error(`moto suites: ${command} ${unavailable}, and CI=true or RAG_REQUIRE_MOTO=1 requires it (pip install "moto[server]==5.2.1").`);
  }
  if (unavailable) {
    // Exit here rather than hand Jest an empty run, which would add its own "No tests found" lines.
    await new Promise((resolve) => process.stdout.write(`moto suites skipped: ${command} ${unavailable} (set CI=true or RAG_REQUIRE_MOTO=1 to fail instead)\n`, resolve));
    process.exit(0);
  }
  return {
    ...base,
    roots: ['<rootDir>/tests/moto'],
    testMatch: ['**/*.moto.ts'],
    testPathIgnorePatterns: ['/node_modules/'],
    globalSetup: '<rootDir>/tests/moto/harness/global-setup.ts',
    globalTeardown: '<rootDir>/tests/moto/harness/global-teardown.ts',
  };
};
