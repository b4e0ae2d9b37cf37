import type { Random, SyntheticText } from '../../bench/synthetic';
import type { LoadRoute } from './load-checks';

/**
 * What the load run sends, drawn from seeded generators so two runs with one seed send the same documents,
 * questions and mix: most clients' requests are POST /query, some stream, some list documents; meanwhile
 * the ingestion writes new files into the documents folder, uploads others over HTTP, rewrites and deletes
 * some of the seed corpus.
 */
export const ROUTE_MIX: readonly { route: Exclude<LoadRoute, 'upload'>; share: number }[] = [
  { route: 'query', share: 0.7 },
  { route: 'stream', share: 0.15 },
  { route: 'documents', share: 0.15 },
];

export function pickRoute(random: Random): Exclude<LoadRoute, 'upload'> {
  let draw = random();
  for (const { route, share } of ROUTE_MIX) {
    if (draw < share) return route;
    draw -= share;
  }
  return 'query';
}

/** One step of the concurrent ingestion, in the order the run takes them. */
export type IngestionStep =
  | { kind: 'write'; path: string; text: string }
  | { kind: 'upload'; path: string; text: string }
  | { kind: 'rewrite'; path: string; text: string }
  | { kind: 'delete'; path: string };

export const seedPath = (n: number): string => `load/seed-${String(n).padStart(4, '0')}.txt`;

/**
 * The n-th ingestion step: writes and uploads alternate; every 5th step rewrites a seed document and every
 * 12th deletes one (each seed document at most once, so the final state of each key is known).
 */
export function ingestionStep(n: number, seedDocuments: number, text: SyntheticText, chars: number): IngestionStep {
  if (n % 12 === 11 && Math.floor(n / 12) < seedDocuments / 2) return { kind: 'delete', path: seedPath(seedDocuments - 1 - Math.floor(n / 12)) };
  if (n % 5 === 4 && Math.floor(n / 5) < seedDocuments / 2) return { kind: 'rewrite', path: seedPath(Math.floor(n / 5)), text: text.passage(chars) };
  return n % 2 === 0
    ? { kind: 'write', path: `load/written-${String(n).padStart(5, '0')}.txt`, text: text.passage(chars) }
    : { kind: 'upload', path: `load/uploaded-${String(n).padStart(5, '0')}.md`, text: `# Uploaded ${n}\n\n${text.passage(chars)}` };
}
