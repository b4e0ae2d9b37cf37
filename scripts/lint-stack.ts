/**
 * The template proof: packages the stack in each of its forms (converse generation; knowledge-base
 * mode with an alarm e-mail) and runs cfn-lint on each packaged template. Any error fails; the two
 * warning classes ignored are explained in .cfnlintrc.yaml. cfn-lint comes from the machine image's
 * Python (pyenv), so this runs from .ci/run, not from `npm test`.
 * Usage: npm run lint:stack
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { packageStack } from './package-stack';

const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '..');

const FORMS: { name: string; params: Record<string, string> }[] = [
  { name: 'converse (defaults)', params: {} },
  {
    name: 'knowledge base, alarm e-mail, model invocation logging',
    params: { knowledgeBase: 'true', alarmEmail: 'ops@example.com', modelInvocationLogging: 'true' },
  },
];

async function lint(templatePath: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await execFileAsync('cfn-lint', ['--config-file', path.join(root, '.cfnlintrc.yaml'), '--', templatePath], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('cfn-lint is not on PATH (the machine image ships it with its Python 3.11)');
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function main(): Promise<void> {
  let failed = false;
  for (const form of FORMS) {
    const stack = await packageStack({ stage: 'ci', params: form.params });
    try {
      const result = await lint(path.join(stack.dir, 'cloudformation-template-update-stack.json'));
      // cfn-lint exits 0 when clean; bit 2 (value 2) marks errors, 4 warnings, 8 informational.
      const errors = (result.code & 2) !== 0 || (result.code !== 0 && (result.code & 14) === 0);
      console.log(`cfn-lint, ${form.name}: ${errors ? 'ERRORS' : result.code === 0 ? 'clean' : `exit ${result.code} (warnings only)`}`);
      if (result.output.trim()) console.log(result.output.trim());
      failed ||= errors;
    } finally {
      await stack.cleanup();
    }
  }
  if (failed) process.exit(1);
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
