// Types of stack/model-invocation-logging.js (a Serverless variable source, plain CommonJS) for the tests.
interface LoggingConfig {
  cloudWatchConfig: { logGroupName: string; roleArn: string };
  textDataDeliveryEnabled: boolean;
  imageDataDeliveryEnabled: boolean;
  embeddingDataDeliveryEnabled: boolean;
  videoDataDeliveryEnabled: boolean;
}
declare function modelInvocationLogging(context: unknown): Promise<{ Resources: Record<string, unknown>; Outputs: Record<string, unknown> }>;
declare namespace modelInvocationLogging {
  function loggingConfig(destination: { logGroupName: string; roleArn: string }): LoggingConfig;
  function enableCommand(region: string, config: LoggingConfig): string;
  function resources(params: { logRetentionDays: number }): Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  function outputs(): Record<string, { Condition?: string; Description: string; Value: { 'Fn::Sub': string } }>;
  const CONDITION: string;
  const LOG_STREAM: string;
}
export = modelInvocationLogging;
