// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings are literal ${...} text.
import { checkIam, isWildcardResource, RESOURCE_WILDCARD_ACTIONS } from '../../../scripts/check-iam';

type Statement = Record<string, unknown>;

function roleTemplate(statements: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Resources: {
      FunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [{ PolicyName: 'fn', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
          ...extra,
        },
      },
    },
  };
}

const scopedGet: Statement = { Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': '${StateBucket.Arn}/manifests/*' } };

describe('checkIam', () => {
  it('passes a template whose statements name their actions and resources', () => {
    // Prepare
    const template = roleTemplate([
      scopedGet,
      {
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:rag-ingest' },
      },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [{ 'Fn::GetAtt': ['ChunkLambdaFunction', 'Arn'] }] },
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:bedrock:*::foundation-model/amazon.nova-lite-v1:0' } },
    ]);

    // Act
    const findings = checkIam(template);

    // Assess
    expect(findings).toEqual([]);
  });

  it.each([
    ['Action "*"', { Effect: 'Allow', Action: '*', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }, 'wildcard-action'],
    ['a whole service', { Effect: 'Allow', Action: ['s3:*'], Resource: { 'Fn::Sub': '${StateBucket.Arn}/*' } }, 'wildcard-action'],
    ['an action prefix', { Effect: 'Allow', Action: ['s3:Get*'], Resource: { 'Fn::Sub': '${StateBucket.Arn}/*' } }, 'wildcard-action'],
    ['Resource "*" for an action that has resource types', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, 'wildcard-resource'],
    [
      'every state machine of the account',
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: 'arn:aws:states:us-east-1:123456789012:stateMachine:*' },
      'wildcard-resource',
    ],
    ['every bucket', { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*' }, 'wildcard-resource'],
    ['NotAction', { Effect: 'Allow', NotAction: 'iam:*', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }, 'not-action'],
    ['NotResource', { Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }, 'not-resource'],
  ])('flags %s', (_label, statement, rule) => {
    // Prepare
    const template = roleTemplate([scopedGet, statement]);

    // Act
    const findings = checkIam(template);

    // Assess
    expect(findings).toEqual([expect.objectContaining({ resource: 'FunctionRole', policy: 'fn', statement: 1, rule })]);
  });

  it('flags a wildcard resource when one action of the statement needs a narrower one', () => {
    // Prepare: X-Ray may use "*", DynamoDB in the same statement may not.
    const template = roleTemplate([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'dynamodb:PutItem'], Resource: '*' }]);

    // Act
    const findings = checkIam(template);

    // Assess
    expect(findings).toEqual([expect.objectContaining({ rule: 'wildcard-resource', detail: '* for dynamodb:PutItem' })]);
  });

  it('checks both branches of Fn::If, in statement lists and in resources', () => {
    // Prepare
    const template = roleTemplate([
      { 'Fn::If': ['KnowledgeBaseEnabled', { Effect: 'Allow', Action: 'bedrock:Retrieve', Resource: '*' }, { Ref: 'AWS::NoValue' }] },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::If': ['Cond', { 'Fn::Sub': '${Bucket.Arn}/a/*' }, '*'] } },
    ]);

    // Act
    const findings = checkIam(template);

    // Assess
    expect(findings.map((f) => [f.statement, f.rule])).toEqual([
      [0, 'wildcard-resource'],
      [1, 'wildcard-resource'],
    ]);
  });

  it('checks AWS::IAM::Policy and managed policies, and flags broad AWS managed policies', () => {
    // Prepare
    const template = {
      Resources: {
        ...(roleTemplate([scopedGet], { ManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] }).Resources as object),
        ExtraPolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: { PolicyName: 'extra', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] }, Roles: [] },
        },
      },
    };

    // Act
    const findings = checkIam(template);

    // Assess
    expect(findings.map((f) => `${f.resource}:${f.rule}`).sort()).toEqual([
      'ExtraPolicy:wildcard-action',
      'ExtraPolicy:wildcard-resource',
      'FunctionRole:broad-managed-policy',
    ]);
  });

  it('ignores Deny statements (a broad deny only narrows)', () => {
    // Prepare
    const template = roleTemplate([scopedGet, { Effect: 'Deny', Action: 's3:*', Resource: '*' }]);

    // Act + Assess
    expect(checkIam(template)).toEqual([]);
  });

  it('lets callers narrow the list of actions allowed on "*"', () => {
    // Prepare
    const template = roleTemplate([{ Effect: 'Allow', Action: 'bedrock:Rerank', Resource: '*' }]);

    // Act
    const withDefaults = checkIam(template);
    const stricter = checkIam(template, new Set<string>());

    // Assess
    expect(RESOURCE_WILDCARD_ACTIONS.has('bedrock:Rerank')).toBe(true);
    expect(withDefaults).toEqual([]);
    expect(stricter).toEqual([expect.objectContaining({ rule: 'wildcard-resource' })]);
  });

  it('rejects something that is not a template', () => {
    expect(() => checkIam('not a template')).toThrow(TypeError);
  });
});

describe('isWildcardResource', () => {
  it.each([
    ['*', true],
    ['arn:aws:s3:::*', true],
    ['arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*', true],
    ['arn:aws:sqs:us-east-1:123456789012', true],
    ['arn:aws:s3:::documents/*', false],
    ['${StateBucket.Arn}/work/*', false],
    ['arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/rag-ci-api-query:*', false],
    ['arn:${AWS::Partition}:bedrock:*::foundation-model/amazon.titan-embed-text-v2:0', false],
  ])('%s -> %s', (resource, expected) => {
    expect(isWildcardResource(resource)).toBe(expected);
  });
});
