import {
  assertIdentifier,
  awsRegionSchema,
  bedrockFoundationModelArnSchema,
  bedrockModelIdSchema,
  type IdentifierRule,
  knowledgeBaseDataSourceIdSchema,
  knowledgeBaseIdSchema,
  s3BucketNameSchema,
  stateMachineArnSchema,
} from '../../../../shared/config/aws-identifiers';
import { ConfigurationError } from '../../../../shared/errors';

const ACCOUNT = '123456789012';

/** Identifiers AWS issues or documents, and near misses of each. */
const cases: [name: string, rule: IdentifierRule, valid: string[], invalid: string[]][] = [
  ['AWS Region', awsRegionSchema, ['us-east-1', 'eu-central-2', 'ap-southeast-4', 'us-gov-west-1'], ['mars', 'US-EAST-1', 'us-east', 'useast1', 'us-east-1a']],
  [
    'S3 bucket name',
    s3BucketNameSchema,
    ['abc', 'rag-ci-documents', 'my.bucket.2026', 'a'.repeat(63)],
    ['ab', 'a'.repeat(64), 'Not_A_Bucket', '-rag', 'rag-', 'rag docs', 's3://rag'],
  ],
  [
    'state machine ARN',
    stateMachineArnSchema,
    [`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:rag-query`, `arn:aws-us-gov:states:us-gov-west-1:${ACCOUNT}:stateMachine:${'n'.repeat(80)}`],
    [
      'rag-query',
      `arn:aws:states:us-east-1:123:stateMachine:rag-query`,
      `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${'n'.repeat(81)}`,
      `arn:aws:states:us-east-1:${ACCOUNT}:execution:rag-query:run-1`,
      `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rag-query`,
    ],
  ],
  [
    'Bedrock model id or ARN',
    bedrockModelIdSchema,
    [
      'amazon.titan-embed-text-v2:0',
      'cohere.embed-multilingual-v3',
      'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
      `arn:aws:bedrock:eu-west-1:${ACCOUNT}:inference-profile/eu.amazon.nova-lite-v1:0`,
    ],
    ['not a model', 'Titan Embed!', 'titan', 'arn:aws:s3:::bucket/key'],
  ],
  [
    'Bedrock foundation-model ARN',
    bedrockFoundationModelArnSchema,
    ['arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0', 'arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0'],
    [
      'cohere.rerank-v3-5:0',
      `arn:aws:bedrock:eu-west-1:${ACCOUNT}:inference-profile/eu.amazon.nova-lite-v1:0`,
      'arn:aws:bedrock:::foundation-model/cohere.rerank-v3-5:0',
    ],
  ],
  ['Knowledge Base id', knowledgeBaseIdSchema, ['KB12345678', 'ABCDEFGHIJ'], ['KB1234', 'KB123456789', 'kb-1234567', '']],
  ['data source id', knowledgeBaseDataSourceIdSchema, ['DS12345678'], ['not-an-id', 'DS1234567', 'DS123456789']],
];

describe('AWS identifier rules', () => {
  it.each(cases)('a %s: accepts what AWS issues and rejects near misses', (_name, rule, valid, invalid) => {
    // Act
    const accepted = (values: string[]) => values.filter((value) => rule.safeParse(value).success);
    // Assess
    expect(accepted(valid)).toEqual(valid);
    expect(accepted(invalid)).toEqual([]);
  });
});

describe('assertIdentifier', () => {
  it('passes a valid value', () => {
    expect(() => assertIdentifier(awsRegionSchema, 'eu-west-1', 'AWS_REGION', 'the S3 blob store')).not.toThrow();
  });

  it.each([undefined, ''])('says who needs a missing value (%p)', (value) => {
    // Act
    const check = () => assertIdentifier(awsRegionSchema, value, 'AWS_REGION', 'the S3 blob store');
    // Assess
    expect(check).toThrow(ConfigurationError);
    expect(check).toThrow('AWS_REGION is required for the S3 blob store');
  });

  it('names the variable, the value and the rule it breaks', () => {
    // Act
    const check = () => assertIdentifier(stateMachineArnSchema, 'rag-query', 'RAG_QUERY_STATE_MACHINE_ARN');
    // Assess
    expect(check).toThrow(ConfigurationError);
    expect(check).toThrow('RAG_QUERY_STATE_MACHINE_ARN "rag-query" is not a Step Functions state machine ARN');
  });
});
