import logging = require('../../../stack/model-invocation-logging.js');

/**
 * Bedrock model invocation logging (stack/model-invocation-logging.js): metadata only, never the text of a
 * prompt, an answer or a document; a role Bedrock alone can assume that may write only its log stream; all
 * of it behind the stack's condition.
 */
const DELIVERY_FLAGS = ['textDataDeliveryEnabled', 'imageDataDeliveryEnabled', 'embeddingDataDeliveryEnabled', 'videoDataDeliveryEnabled'];

describe('stack/model-invocation-logging.js', () => {
  it('switches every data delivery off and logs to CloudWatch Logs only', () => {
    // Act
    const config = logging.loggingConfig({ logGroupName: 'group', roleArn: 'arn:aws:iam::123456789012:role/r' });

    // Assess
    expect(Object.keys(config).sort()).toEqual(['cloudWatchConfig', ...DELIVERY_FLAGS].sort());
    for (const flag of DELIVERY_FLAGS) expect([flag, config[flag as keyof typeof config]]).toEqual([flag, false]);
    expect(config.cloudWatchConfig).toEqual({ logGroupName: 'group', roleArn: 'arn:aws:iam::123456789012:role/r' });
  });

  it('outputs an enable command whose configuration is the stack log group and role, text delivery off', () => {
    // Prepare
    const output = logging.outputs().ModelInvocationLoggingEnableCommand;

    // Act
    const command = output?.Value['Fn::Sub'] ?? '';
    const json = /--logging-config '([^']+)'$/.exec(command)?.[1] ?? '{}';

    // Assess
    expect(command).toMatch(/^aws bedrock put-model-invocation-logging-configuration --region \$\{AWS::Region\} /);
    expect(JSON.parse(json)).toEqual(logging.loggingConfig({ logGroupName: `\${ModelInvocationLogGroup}`, roleArn: `\${ModelInvocationLoggingRole.Arn}` }));
    expect(JSON.parse(json).textDataDeliveryEnabled).toBe(false);
  });

  it('lets only Bedrock, for this account and Region, assume the role, which may write only its log stream', () => {
    // Prepare
    const role = logging.resources({ logRetentionDays: 30 }).ModelInvocationLoggingRole?.Properties as {
      AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] };
      Policies: { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
    };

    // Act
    const [trust, ...otherTrust] = role.AssumeRolePolicyDocument.Statement;
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);

    // Assess
    expect(otherTrust).toEqual([]);
    expect(trust).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'bedrock.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:*` } },
      },
    });
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${ModelInvocationLogGroup}:log-stream:${logging.LOG_STREAM}`,
        },
      },
    ]);
    expect(logging.LOG_STREAM).toBe('aws/bedrock/modelinvocations');
  });

  it('keeps the log group for the stack retention, and creates nothing unless the condition holds', () => {
    // Act
    const resources = logging.resources({ logRetentionDays: 365 });
    const outputs = logging.outputs();

    // Assess
    expect(resources.ModelInvocationLogGroup?.Properties.RetentionInDays).toBe(365);
    for (const [id, resource] of Object.entries(resources)) expect([id, resource.Condition]).toEqual([id, logging.CONDITION]);
    for (const [id, output] of Object.entries(outputs)) expect([id, output.Condition]).toEqual([id, logging.CONDITION]);
  });
});
