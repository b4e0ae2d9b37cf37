import type { Writable } from 'node:stream';

/**
 * Where a streaming handler writes its response: Lambda response streaming on AWS (a function URL in
 * RESPONSE_STREAM mode), the local server's socket locally. `open` sends the status and headers, once.
 */
export interface ResponseSink {
  open(statusCode: number, headers: Record<string, string>): void;
  write(chunk: string): void;
  end(): Promise<void>;
}

/** A sink over any Node writable (the local server's raw response). */
export function writableSink(target: Writable & { writeHead?: (status: number, headers: Record<string, string>) => unknown }): ResponseSink {
  return {
    open: (statusCode, headers) => {
      target.writeHead?.(statusCode, headers);
    },
    write: (chunk) => {
      target.write(chunk);
    },
    end: () => new Promise<void>((resolve) => target.end(resolve)),
  };
}

/**
 * Lambda's response streaming globals (present only in the Lambda Node.js runtime):
 * `awslambda.streamifyResponse(handler)` and `awslambda.HttpResponseStream.from(stream, metadata)`
 * (https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html, read 2026-11-30).
 */
interface LambdaStreamingGlobals {
  streamifyResponse<E, C>(handler: (event: E, responseStream: Writable, context: C) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: Writable, metadata: { statusCode: number; headers: Record<string, string> }): Writable };
}

export function lambdaStreamingGlobals(): LambdaStreamingGlobals | undefined {
  return (globalThis as { awslambda?: LambdaStreamingGlobals }).awslambda;
}

/** A sink over Lambda's response stream: the metadata (status, headers) goes first, as the runtime requires. */
export function lambdaSink(responseStream: Writable, globals: LambdaStreamingGlobals): ResponseSink {
  let stream: Writable | undefined;
  return {
    open: (statusCode, headers) => {
      stream = globals.HttpResponseStream.from(responseStream, { statusCode, headers });
    },
    write: (chunk) => {
      stream?.write(chunk);
    },
    end: () => new Promise<void>((resolve) => (stream ?? responseStream).end(resolve)),
  };
}
