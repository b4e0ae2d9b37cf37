import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LAMBDA_LIKE_ENVIRONMENT } from '../../../bench/cold-start';

const root = path.resolve(__dirname, '..', '..', '..');

describe('LAMBDA_LIKE_ENVIRONMENT', () => {
  it("starts the bench's processes with the NODE_OPTIONS serverless.yml gives every function", () => {
    // Prepare: provider.environment.NODE_OPTIONS, the one NODE_OPTIONS line of the file.
    const lines = readFileSync(path.join(root, 'serverless.yml'), 'utf8')
      .split('\n')
      .filter((line) => /^\s+NODE_OPTIONS:/.test(line));

    // Act
    const deployed = lines.map((line) => line.replace(/^\s+NODE_OPTIONS:\s*/, '').trim());

    // Assess: none, and the bench starts its processes with none either.
    expect(deployed.join('')).toBe(LAMBDA_LIKE_ENVIRONMENT.NODE_OPTIONS);
    expect(LAMBDA_LIKE_ENVIRONMENT.NODE_OPTIONS).toBe('');
  });

  it('enables the Powertools tracer in the measured processes, as on Lambda', () => {
    // Prepare
    const probe = "const { Tracer } = require('@aws-lambda-powertools/tracer'); process.stdout.write(String(new Tracer().isTracingEnabled()));";

    // Act
    const inBench = execFileSync(process.execPath, ['-e', probe], { cwd: root, env: { PATH: process.env.PATH ?? '', ...LAMBDA_LIKE_ENVIRONMENT } }).toString();
    const plain = execFileSync(process.execPath, ['-e', probe], { cwd: root, env: { PATH: process.env.PATH ?? '' } }).toString();

    // Assess
    expect({ inBench, plain }).toEqual({ inBench: 'true', plain: 'false' });
  });
});
