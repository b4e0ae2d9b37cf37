import { randomBytes } from 'node:crypto';

/**
 * The document the smoke test uploads and the question only it answers. The fact is made up per
 * run (a colour and a number next to a run code), so no other document can answer it and the
 * citation check means something.
 */
export interface SmokeProbe {
  runId: string;
  /** Relative path under the tenant: PUT /documents/content/<path>. */
  path: string;
  contentType: string;
  content: string;
  question: string;
  /** Words a correct answer states. */
  fact: { colour: string; passengers: number };
}

const COLOURS = ['amber', 'cobalt', 'crimson', 'emerald', 'indigo', 'saffron', 'teal', 'violet'] as const;

/** A run id that sorts by time and cannot collide between two runs started in the same second. */
export function newRunId(at: Date = new Date(), suffix: string = randomBytes(3).toString('hex')): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${suffix}`.toLowerCase();
}

/** `pick(n)` returns an integer in [0, n): injected so tests get a known fact. */
export function makeProbe(runId: string, pick: (n: number) => number = (n) => randomBytes(4).readUInt32BE(0) % n): SmokeProbe {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(runId)) throw new Error(`run id must be lower-case letters, digits and dashes: ${runId}`);
  const code = runId.split('-').pop() ?? runId;
  const colour = COLOURS[pick(COLOURS.length)] ?? 'teal';
  const passengers = 11 + pick(89);
  return {
    runId,
    path: `smoke/${runId}.md`,
    contentType: 'text/markdown',
    content: [
      `# Smoke test ${runId}`,
      '',
      'This note exists only for a post-deploy smoke test and is deleted when the test ends.',
      '',
      `The smoke test balloon ${code} is painted ${colour} and carries exactly ${passengers} passengers.`,
      '',
    ].join('\n'),
    question: `What colour is the smoke test balloon ${code}, and how many passengers does it carry?`,
    fact: { colour, passengers },
  };
}
