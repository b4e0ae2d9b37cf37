import type { QueryRunOptions } from '../workflows/workflows';
import type { QueryResponse } from '../contracts/query';
import type { StreamEvent } from '../contracts/stream';
import type { GeneratedCitation, GenerationResult, TokenUsage } from '../generation/generator';
import { exposedErrorDescription } from '../errors';
import type { GuardrailVerdict } from '../guardrails/guardrail';
import { METRIC, stageLatencyMetric } from '../observability/metric-names';
import { MetricUnit, recordMetric } from '../observability/telemetry';
import { tallyOf } from '../usage/tally';
import { currentUsageScope } from '../usage/usage-scope';
import { type AskedQuestion, cachedAnswer, prepareConversation, rememberAnswer, withConversation, workflowInputOf } from './answer';
import { answerableChunks, generationRequest, guardGeneration, type QueryState, resolveCitations } from './query';
import type { Services } from './services';

/**
 * POST /query/stream: the same answer as POST /query, streamed. Retrieval and rerank still run on the
 * query state machine (its RetrieveAndRank Task) (stopped before Generate with `stream: true`); only the generation streams, from
 * the Generator port's `generateStream`. The whole answer then passes the same output guardrail as a
 * generated one: when it intervenes, a `replace` event replaces what was streamed (a blocked answer, or
 * PII redacted), and says why. Events follow shared/contracts/stream.ts; a broken generation ends with
 * an `error` event and no `done`.
 */
export type StreamAnswerDeps = Pick<Services, 'config' | 'conversations' | 'workflows' | 'vectors' | 'generator' | 'guardrail' | 'documents'>;

/** `options.signal` bounds the time to the first event (retrieval); once deltas flow, the stream runs to its end. */
export async function* streamAnswer(
  deps: StreamAnswerDeps,
  asked: AskedQuestion,
  parseState: (state: unknown) => QueryState,
  options: QueryRunOptions = {},
): AsyncGenerator<StreamEvent> {
  const started = performance.now();
  let firstDeltaMs = 0;
  const sinceStart = () => Math.round(performance.now() - started);
  const prepared = await prepareConversation(deps, asked);
  const meta = (model: string, cached: boolean): StreamEvent => ({
    event: 'meta',
    data: {
      requestId: asked.requestId,
      model,
      promptVersion: deps.config.query.promptVersion,
      sessionId: prepared.sessionId,
      ...(prepared.rewrittenQuestion ? { rewrittenQuestion: prepared.rewrittenQuestion } : {}),
      cached,
    },
  });
  const finish = (response: QueryResponse): StreamEvent[] => [
    { event: 'citations', data: { citations: response.citations } },
    {
      event: 'done',
      data: {
        requestId: asked.requestId,
        usage: response.usage,
        guardrail: {
          action: response.guardrail.action,
          blocked: response.guardrail.blocked,
          ...(response.guardrail.groundingScore !== undefined ? { groundingScore: response.guardrail.groundingScore } : {}),
        },
        model: response.model,
        fallbackUsed: response.fallbackUsed,
        cached: response.cached === true,
        sessionId: prepared.sessionId,
        firstDeltaMs,
      },
    },
  ];

  // A whole answer known up front (cached, or the input guardrail's refusal) streams as one delta.
  const whole = async function* (response: QueryResponse): AsyncGenerator<StreamEvent> {
    yield meta(response.model, response.cached === true);
    firstDeltaMs = sinceStart();
    yield { event: 'delta', data: { text: response.answer } };
    // Stored before `done`: a failure to store is an `error` event (as POST /query's 503), never one after `done`.
    await rememberAnswer(deps, asked, prepared, response);
    yield* finish(response);
  };

  const hit = await cachedAnswer(deps, asked, prepared);
  if (hit) {
    yield* whole(withConversation(hit, prepared, true));
    return;
  }
  const outcome = await deps.workflows.prepareQuery(workflowInputOf(asked, prepared), options);
  if (outcome.kind === 'answered') {
    yield* whole(withConversation(outcome.response, prepared, false));
    return;
  }

  const state = parseState(outcome.state);
  // The state carries the ranked chunks with their text: nothing to read back.
  const chunks = answerableChunks(state);
  yield meta(deps.generator.modelId, false);
  // A stream cannot run inside traceStage (it yields): its Generate latency is recorded by hand, to the same metric.
  const generationStarted = performance.now();
  let text = '';
  let citations: GeneratedCitation[] = [];
  let done: { usage: TokenUsage; model: string; fallbackUsed: boolean; guardrail?: GuardrailVerdict } | undefined;
  for await (const event of deps.generator.generateStream(generationRequest(state, chunks))) {
    if (event.type === 'delta') {
      if (!text) firstDeltaMs = sinceStart();
      text += event.text;
      yield { event: 'delta', data: { text: event.text } };
    } else if (event.type === 'citations') {
      citations = event.citations;
    } else if (event.type === 'done') {
      done = { usage: event.usage, model: event.model, fallbackUsed: event.fallbackUsed, ...(event.guardrail ? { guardrail: event.guardrail } : {}) };
    } else {
      // The generator's own explicit break: the client must not take the text for a whole answer.
      recordMetric(METRIC.streamsBroken, MetricUnit.Count, 1);
      const exposed = exposedErrorDescription(event.error);
      yield { event: 'error', data: { error: { code: exposed.name, message: exposed.message }, requestId: asked.requestId } };
      return;
    }
  }
  if (!done) {
    recordMetric(METRIC.streamsBroken, MetricUnit.Count, 1);
    yield {
      event: 'error',
      data: { error: { code: 'DependencyUnavailableError', message: 'The answer stream ended before it was complete' }, requestId: asked.requestId },
    };
    return;
  }
  recordMetric(METRIC.firstDelta, MetricUnit.Milliseconds, firstDeltaMs);
  const result: GenerationResult = { text, citations, ...done };
  // What this invocation's model calls spent (the stream and its output guard), beside the Tasks' tallies in the state.
  const generation = { ...(await guardGeneration(deps, state, chunks, result)), spent: tallyOf(currentUsageScope()?.records ?? []) };
  recordMetric(stageLatencyMetric('Generate'), MetricUnit.Milliseconds, performance.now() - generationStarted);
  if (generation.text !== text) yield { event: 'replace', data: { text: generation.text, reason: 'guardrail' } };
  const response = withConversation(await resolveCitations(deps, { ...state, generation }), prepared, false);
  await rememberAnswer(deps, asked, prepared, response);
  yield* finish(response);
}
