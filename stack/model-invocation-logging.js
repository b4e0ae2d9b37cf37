// Serverless variable source for serverless.yml (`resources`): Bedrock model invocation logging, metadata only,
// behind the `modelInvocationLogging` parameter (condition ModelInvocationLoggingEnabled; default off).
//
// Why the stack creates the destination and outputs the one command that switches logging on, instead of
// switching it itself:
// - CloudFormation has no resource for PutModelInvocationLoggingConfiguration: the AWS::Bedrock resource types
//   (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_Bedrock.html, read 2026-12-01)
//   and cfn-lint 1.51.0's us-east-1 resource specification list none.
// - The setting is one per account and Region ("all invocations in your AWS account ... in a Region",
//   https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html, read 2026-12-01). A custom
//   resource owned by one stage would overwrite another stage's setting on deploy and remove it on delete, and it
//   needs its own Lambda whose role holds bedrock:*ModelInvocationLoggingConfiguration on "*".
// So: the log group (retention like every other group of the stack, which uses no customer managed key for logs)
// and the role Bedrock assumes to write it are created here; the outputs give the exact commands to switch
// logging on and off, with every data delivery (text, image, embedding, video) OFF, so no prompt, answer or
// document text reaches the log: only metadata (model, tokens, latency, identity).
const { plan } = require('./params.js');

const CONDITION = 'ModelInvocationLoggingEnabled';
/** The stream Bedrock writes (same page, "Set up a CloudWatch Logs destination"): the role may write only there. */
const LOG_STREAM = 'aws/bedrock/modelinvocations';

/**
 * The PutModelInvocationLoggingConfiguration `loggingConfig`: CloudWatch Logs only, no data delivery of any
 * modality (each flag is explicit, so a reader need not know the API's defaults).
 */
function loggingConfig({ logGroupName, roleArn }) {
  return {
    cloudWatchConfig: { logGroupName, roleArn },
    textDataDeliveryEnabled: false,
    imageDataDeliveryEnabled: false,
    embeddingDataDeliveryEnabled: false,
    videoDataDeliveryEnabled: false,
  };
}

/** The AWS CLI command that applies `config` (a single-quoted JSON argument). */
function enableCommand(region, config) {
  return `aws bedrock put-model-invocation-logging-configuration --region ${region} --logging-config '${JSON.stringify(config)}'`;
}

function resources({ logRetentionDays }) {
  const sub = (text) => ({ 'Fn::Sub': text });
  return {
    ModelInvocationLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Condition: CONDITION,
      Properties: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, resolved at packaging
        LogGroupName: '/aws/bedrock/${self:custom.prefix}/model-invocations',
        RetentionInDays: logRetentionDays,
      },
    },
    // Trust as the Bedrock user guide sets it: the service, for this account, from this Region's Bedrock.
    ModelInvocationLoggingRole: {
      Type: 'AWS::IAM::Role',
      Condition: CONDITION,
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JavaScript template
                ArnLike: { 'aws:SourceArn': sub('arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:*') },
              },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'model-invocation-logs',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: sub(
                    `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${ModelInvocationLogGroup}:log-stream:${LOG_STREAM}`,
                  ),
                },
              ],
            },
          },
        ],
      },
    },
  };
}

function outputs() {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JavaScript template
  const config = loggingConfig({ logGroupName: '${ModelInvocationLogGroup}', roleArn: '${ModelInvocationLoggingRole.Arn}' });
  return {
    ModelInvocationLoggingEnableCommand: {
      Condition: CONDITION,
      Description: 'Run once to switch Bedrock model invocation logging on in this account and Region (metadata only)',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JavaScript template
      Value: { 'Fn::Sub': enableCommand('${AWS::Region}', config) },
    },
    ModelInvocationLoggingDisableCommand: {
      Condition: CONDITION,
      Description: 'Switches Bedrock model invocation logging off in this account and Region (run before removing the stage)',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JavaScript template
      Value: { 'Fn::Sub': 'aws bedrock delete-model-invocation-logging-configuration --region ${AWS::Region}' },
    },
  };
}

module.exports = async (context) => {
  const { params } = await plan(context);
  return { Resources: resources(params), Outputs: outputs() };
};
module.exports.loggingConfig = loggingConfig;
module.exports.enableCommand = enableCommand;
module.exports.resources = resources;
module.exports.outputs = outputs;
module.exports.CONDITION = CONDITION;
module.exports.LOG_STREAM = LOG_STREAM;
