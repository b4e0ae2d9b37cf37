import type { SmokeReport } from './run-smoke';

/** The smoke report for a person: a verdict line and a table of the timed steps. */
const ms = (value: number | undefined): string => (value === undefined ? '-' : `${value.toLocaleString('en-US')} ms`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function formatSmokeReport(report: SmokeReport): string {
  const verdict = report.passed ? 'PASSED' : `FAILED at ${report.failure?.step ?? '?'} (exit ${report.exitCode})`;
  const lines = [`Smoke test ${verdict} against ${report.target || '(no endpoint)'} - run ${report.runId}`];
  if (report.failure) lines.push(`  ${report.failure.error}: ${report.failure.message}`);
  if (report.cleanup) lines.push(`  cleanup: the uploaded document was ${report.cleanup === 'deleted' ? 'deleted' : 'NOT deleted (delete it by hand)'}`);
  if (report.document) lines.push(`  document: ${report.document.key} (${report.document.documentId})`);
  const query = report.query;
  const queryResult = query
    ? `${query.citesUpload ? 'cites the upload' : 'does NOT cite the upload'}, ${query.citations} citation(s), ${query.model}${query.fallbackUsed ? ' (fallback)' : ''}, ` +
      `${query.inputTokens}+${query.outputTokens} tokens, $${query.costUsd.toFixed(6)}${query.attempts > 1 ? `, ${query.attempts} attempts` : ''}` +
      `${query.answerStatesFact ? '' : ', answer does not state the fact'}`
    : '-';
  lines.push(
    '',
    table([
      ['step', 'result', 'time'],
      [
        'upload -> indexed',
        report.timings.uploadToIndexedMs === undefined ? '-' : `INDEXED, ${report.document?.chunkCount ?? 0} chunk(s)`,
        ms(report.timings.uploadToIndexedMs),
      ],
      ['query', queryResult, ms(report.timings.queryLatencyMs)],
      ['delete -> gone', report.timings.deleteToGoneMs === undefined ? '-' : 'gone (404)', ms(report.timings.deleteToGoneMs)],
      ['total', `polled every ${report.timings.pollIntervalMs} ms`, ms(report.timings.totalMs)],
    ]),
  );
  return lines.join('\n');
}
