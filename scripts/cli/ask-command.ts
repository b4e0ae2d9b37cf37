import type { z } from 'zod';
import { sessionIdSchema } from '../../shared/contracts/sessions';
import type { StreamEvent, streamCitationSchema, streamDoneEventSchema, streamMetaEventSchema } from '../../shared/contracts/stream';
import { AnswerPrinter } from './answer-printer';
import { type CliCommand, runCommand } from './command';
import { CliError, CliUsageError, DocumentNotFoundError, EXIT_CODES, exitCodesHelp, StreamBrokenError } from './errors';
import { COMMON_OPTIONS_HELP, parseCommandLine, serviceTarget } from './options';
import { ServiceClient } from './service-client';
import { readStreamEvents } from './sse-reader';

export const ASK_USAGE = `Usage: npm run ask -- "question" [options]

Asks the service (POST /query/stream) and prints the answer as it is generated, then the passages it
cites (a numbered list: document key and location) and the model, token usage and cost. When the
guardrail intervenes mid-answer, the text shown so far is replaced by its message.

  --session <id>     continue a conversation: a follow-up is rewritten from the session's last turns
                     (the id is printed after every answer; an unknown or expired one starts a new session)
  --no-cache         answer afresh: neither read nor write the answer cache (sends "cache": false)
${COMMON_OPTIONS_HELP}
                     (--json: one object with the answer, citations, usage and session, printed at the end)

${exitCodesHelp({ stream: true })}`;

type Citation = z.infer<typeof streamCitationSchema>;
type Meta = z.infer<typeof streamMetaEventSchema>;
type Done = z.infer<typeof streamDoneEventSchema>;

/** `page 3, § Policy > Limits, characters 120-480` */
export function formatLocation(location: Citation['location']): string {
  return [
    location.page !== undefined ? `page ${location.page}` : undefined,
    location.section ? `§ ${location.section}` : undefined,
    `characters ${location.start}-${location.end}`,
  ]
    .filter(Boolean)
    .join(', ');
}

export function formatCitations(citations: Citation[]): string {
  if (citations.length === 0) return 'No sources cited.';
  const numbered = citations.map((citation, index) => ({ citation, number: citation.marker ?? index + 1 })).sort((a, b) => a.number - b.number);
  return ['Sources:', ...numbered.map(({ citation, number }) => `  [${number}] ${citation.key}, ${formatLocation(citation.location)}`)].join('\n');
}

export function formatUsage(done: Done): string {
  const parts = [
    `model ${done.model}${done.fallbackUsed ? ' (fallback)' : ''}`,
    `${done.usage.inputTokens.toLocaleString('en-US')} in + ${done.usage.outputTokens.toLocaleString('en-US')} out tokens`,
    done.usage.costUsd === null
      ? `cost unknown (no price for ${(done.usage.unpricedModels ?? []).join(', ') || 'a model'})`
      : `$${done.usage.costUsd.toFixed(6)}`,
    ...(done.cached ? ['cached answer'] : [`first text after ${Math.round(done.firstDeltaMs)} ms`]),
    ...(done.guardrail.action === 'INTERVENED' ? [`guardrail intervened${done.guardrail.blocked ? ' (blocked)' : ''}`] : []),
  ];
  return `${parts.join(' · ')}\nsession ${done.sessionId} (continue with --session ${done.sessionId})`;
}

/** What a stream said, gathered for --json and for the closing lines. */
interface Gathered {
  meta?: Meta;
  answer: string;
  replaced: boolean;
  citations: Citation[];
  done?: Done;
}

/** `npm run ask -- ...`: returns the exit code (see ASK_USAGE). */
export const runAskCli: CliCommand = (argv, env, io) =>
  runCommand('ask', io, async () => {
    const { values, positionals } = parseCommandLine(argv, { session: { type: 'string' }, 'no-cache': { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(`${ASK_USAGE}\n`);
      return EXIT_CODES.ok;
    }
    // Unquoted words are one question: `npm run ask -- how many days`.
    const question = positionals.join(' ').trim();
    if (!question) throw new CliUsageError('ask a question: npm run ask -- "How many days do I have to submit an expense report?"');
    const session = values.session;
    if (session !== undefined && !sessionIdSchema.safeParse(session).success)
      throw new CliUsageError(`--session must be 8-128 letters, digits, "-" or "_": ${session}`);
    const json = values.json ?? false;
    const client = new ServiceClient({ ...serviceTarget(values, env), ...(io.fetch ? { fetch: io.fetch } : {}) });

    let chunks: AsyncIterable<string>;
    try {
      chunks = await client.postForStream('/query/stream', {
        question,
        ...(session ? { sessionId: session } : {}),
        ...(values['no-cache'] ? { cache: false } : {}),
      });
    } catch (error) {
      if (error instanceof DocumentNotFoundError) {
        throw new CliError(`${error.message} (this service has no streaming route yet: POST /query answers without streaming)`);
      }
      throw error;
    }

    const printer = new AnswerPrinter(io.stdout);
    const gathered: Gathered = { answer: '', replaced: false, citations: [] };
    const onEvent = (event: StreamEvent): void => {
      switch (event.event) {
        case 'meta':
          gathered.meta = event.data;
          if (json) break;
          if (session && event.data.sessionId !== session) io.stderr.write(`(session ${session} is unknown or expired: started ${event.data.sessionId})\n`);
          if (event.data.rewrittenQuestion) io.stderr.write(`(searched for: ${event.data.rewrittenQuestion})\n`);
          break;
        case 'delta':
          gathered.answer += event.data.text;
          if (!json) printer.write(event.data.text);
          break;
        case 'replace':
          gathered.answer = event.data.text;
          gathered.replaced = true;
          if (!json) printer.replace(event.data.text);
          break;
        case 'citations':
          gathered.citations = event.data.citations;
          break;
        case 'done':
          gathered.done = event.data;
          break;
        case 'error':
          throw new StreamBrokenError(
            `the answer broke off: ${event.data.error.code}: ${event.data.error.message} (request ${event.data.requestId}); the text above is incomplete`,
          );
      }
    };

    try {
      for await (const event of readStreamEvents(chunks)) {
        onEvent(event);
        if (gathered.done) break;
      }
      if (!gathered.done) throw new StreamBrokenError('the stream ended before its "done" event; the text above is incomplete');
    } catch (error) {
      if (!json) printer.end();
      else if (error instanceof StreamBrokenError) {
        io.stdout.write(`${JSON.stringify({ error: error.message, partialAnswer: gathered.answer, requestId: gathered.meta?.requestId }, null, 2)}\n`);
      }
      throw error;
    }

    const done = gathered.done;
    if (json) {
      const { meta } = gathered;
      io.stdout.write(
        `${JSON.stringify(
          {
            answer: gathered.answer,
            replacedByGuardrail: gathered.replaced,
            citations: gathered.citations,
            usage: done.usage,
            model: done.model,
            fallbackUsed: done.fallbackUsed,
            guardrail: done.guardrail,
            cached: done.cached,
            sessionId: done.sessionId,
            requestId: done.requestId,
            firstDeltaMs: done.firstDeltaMs,
            ...(meta ? { promptVersion: meta.promptVersion, ...(meta.rewrittenQuestion ? { rewrittenQuestion: meta.rewrittenQuestion } : {}) } : {}),
          },
          null,
          2,
        )}\n`,
      );
      return EXIT_CODES.ok;
    }
    printer.end();
    io.stdout.write(`\n${formatCitations(gathered.citations)}\n\n${formatUsage(done)}\n`);
    return EXIT_CODES.ok;
  });
