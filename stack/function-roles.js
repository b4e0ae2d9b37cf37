// Serverless variable source for serverless.yml (`resources`): one IAM role per Lambda function.
//
// Every role trusts Lambda, may write its own log group and X-Ray segments, and may do what its
// entry in GRANTS lists, on those resources, and nothing more. The IAM proof
// (tests/e2e/aws-iam-proof.test.ts) runs the stack against emulators, judges every AWS call against
// the role of the function that made it, fails on a denied call, and lists any grant here that no
// call used (each one kept has its reason in tests/iam/unused-grants.ts).
//
// S3 answers a GET/HEAD of a missing key with 404 only when the caller may s3:ListBucket the bucket,
// with 403 otherwise — and the ListBucket check carries no s3:prefix, so a prefix condition does not
// help (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions", read
// 2026-11-30). Every function that reads a key that may not exist (a new document's manifest, an
// object deleted meanwhile) therefore gets s3:ListBucket on that bucket, unconditioned.

const { plan } = require('./params.js');

const sub = (text) => ({ 'Fn::Sub': text });
const allow = (action, resource, extra = {}) => ({ Effect: 'Allow', Action: action, Resource: resource, ...extra });
const whenKnowledgeBase = (statement) => ({ 'Fn::If': ['KnowledgeBaseEnabled', statement, { Ref: 'AWS::NoValue' }] });
const unlessKnowledgeBase = (statement) => ({ 'Fn::If': ['KnowledgeBaseEnabled', { Ref: 'AWS::NoValue' }, statement] });

const stateObjects = (actions, ...prefixes) =>
  allow(
    actions,
    prefixes.map((p) => sub(`\${StateBucket.Arn}/${p}`)),
  );
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JavaScript template
const documentObjects = (actions) => allow(actions, sub('${DocumentsBucket.Arn}/*'));
const listState = allow('s3:ListBucket', { 'Fn::GetAtt': ['StateBucket', 'Arn'] });
/**
 * Starting an ingestion checks the tenant's document limit (RAG_MAX_DOCUMENTS_PER_TENANT): a document refused for
 * it has a marker beside its FAILED manifest (HEAD: s3:GetObject), written when it is refused and removed when it
 * is admitted (shared/pipeline/manifest.ts).
 */
const refusals = stateObjects(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], 'refused/*');
const listDocuments = allow('s3:ListBucket', { 'Fn::GetAtt': ['DocumentsBucket', 'Arn'] });
const vectorIndex = { 'Fn::GetAtt': ['VectorIndex', 'IndexArn'] };
const vectors = (actions) => allow(actions, vectorIndex);
const knowledgeBase = (actions) => allow(actions, { 'Fn::GetAtt': ['KnowledgeBase', 'KnowledgeBaseArn'] });
/**
 * The vector store's grants: S3 Vectors in converse mode (our index), the Knowledge Base's document
 * API in knowledge-base mode (shared/vectors/knowledge-base-store.ts); each only in its mode.
 */
const store = (s3vectorsActions, knowledgeBaseActions) => [
  ...(s3vectorsActions.length > 0 ? [unlessKnowledgeBase(vectors(s3vectorsActions))] : []),
  ...(knowledgeBaseActions.length > 0 ? [whenKnowledgeBase(knowledgeBase(knowledgeBaseActions))] : []),
];
const stateMachine = (name) => sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:\${self:custom.${name}StateMachineName}`);
const conversations = (actions) => allow(actions, { 'Fn::GetAtt': ['ConversationsTable', 'Arn'] });
/**
 * The usage table (per tenant, day, feature and model): every function that calls a model adds its tokens,
 * calls and cost with one atomic UpdateItem; the API functions read the tenant's day before any model call
 * (budget check); GET /usage queries it, across tenants by day through the byDay index.
 */
const usage = (actions) => allow(actions, { 'Fn::GetAtt': ['UsageTable', 'Arn'] });
const recordUsage = usage('dynamodb:UpdateItem');
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JavaScript template
const usageByDay = allow('dynamodb:Query', [{ 'Fn::GetAtt': ['UsageTable', 'Arn'] }, sub('${UsageTable.Arn}/index/byDay')]);
const applyGuardrail = allow('bedrock:ApplyGuardrail', { 'Fn::GetAtt': ['Guardrail', 'GuardrailArn'] });

/**
 * The ARNs bedrock:InvokeModel is checked against for a model (from stack/params.ts): a
 * cross-region inference profile and its foundation model in every Region the profile may route to,
 * or the one foundation model.
 */
function modelArns(grant) {
  return [
    ...(grant.profileId ? [sub(`arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:inference-profile/${grant.profileId}`)] : []),
    ...grant.regions.map((region) => sub(`arn:\${AWS::Partition}:bedrock:${region}::foundation-model/${grant.foundationModelId}`)),
  ];
}

/**
 * Third-party models (Anthropic, Cohere) are subscribed through AWS Marketplace by the first call that
 * uses them, with the caller's role; these actions take no resource type
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/rerank-prereq.html; IAM data of 2026-09-26).
 */
const marketplace = (...grants) => (grants.some((g) => g.marketplace) ? [allow(['aws-marketplace:ViewSubscriptions', 'aws-marketplace:Subscribe'], '*')] : []);

async function grants(context) {
  const { models } = await plan(context);
  const embedding = allow('bedrock:InvokeModel', modelArns(models.embedding));
  const rerank = [
    // bedrock:Rerank has no resource type; the model is scoped by InvokeModel
    // (https://docs.aws.amazon.com/bedrock/latest/userguide/rerank-prereq.html, read 2026-11-30).
    allow('bedrock:Rerank', '*'),
    allow('bedrock:InvokeModel', modelArns(models.rerank)),
    ...marketplace(models.rerank),
  ];
  const generation = [...modelArns(models.primaryGeneration), ...modelArns(models.fallbackGeneration)];
  const generationMarketplace = marketplace(models.primaryGeneration, models.fallbackGeneration);

  return {
    // Answers within a conversation: the session and the answer cache (GetItem/PutItem), the tenant's index
    // generation (GetItem), then the query state machine.
    'api-query': [
      allow('states:StartSyncExecution', stateMachine('query')),
      conversations(['dynamodb:GetItem', 'dynamodb:PutItem']),
      // Budget check before the state machine runs, and the usage of what it ran.
      usage(['dynamodb:GetItem', 'dynamodb:UpdateItem']),
    ],
    // The same as api-query, up to generation; then it streams the generation itself and resolves citations.
    'api-query-stream': [
      allow('states:StartSyncExecution', stateMachine('query')),
      conversations(['dynamodb:GetItem', 'dynamodb:PutItem']),
      usage(['dynamodb:GetItem', 'dynamodb:UpdateItem']),
      // The state machine hands over the ranked chunks with their text: no S3 Vectors read here. A Knowledge
      // Base's citations are read back with bedrock:Retrieve (below).
      applyGuardrail,
      unlessKnowledgeBase(allow('bedrock:InvokeModelWithResponseStream', generation)),
      // RetrieveAndGenerateStream is authorised as bedrock:RetrieveAndGenerate (no resource type).
      whenKnowledgeBase(allow('bedrock:RetrieveAndGenerate', '*')),
      whenKnowledgeBase(allow('bedrock:Retrieve', { 'Fn::GetAtt': ['KnowledgeBase', 'KnowledgeBaseArn'] })),
      whenKnowledgeBase(allow('bedrock:InvokeModel', generation)),
      whenKnowledgeBase(allow('bedrock:Rerank', '*')),
      whenKnowledgeBase(allow('bedrock:InvokeModel', modelArns(models.rerank))),
      ...generationMarketplace,
    ],
    'api-sessions': [conversations(['dynamodb:GetItem', 'dynamodb:DeleteItem'])],
    'api-documents': [
      // Listing, status and re-drive read manifests (a missing one is a 404); starting an ingestion marks it PENDING.
      stateObjects(['s3:GetObject', 's3:PutObject'], 'manifests/*'),
      refusals,
      listState,
      // HEAD (re-drive, upload), DELETE (delete route), PUT (upload route); a deleted object is a 404.
      documentObjects(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']),
      listDocuments,
      allow('states:StartExecution', stateMachine('ingest')),
    ],
    // A tenant's own usage, or every tenant's by day (admin scope, checked by the handler).
    // and today's use of a tenant with a budget (its budget state: GetItem of the day total).
    'api-usage': [usageByDay, usage('dynamodb:GetItem')],
    'api-health': [],
    'api-openapi': [],
    'ingest-trigger': [
      stateObjects(['s3:GetObject', 's3:PutObject'], 'manifests/*'),
      refusals,
      listState,
      allow('states:StartExecution', stateMachine('ingest')),
      // On-failure destination of asynchronous invocations.
      allow('sqs:SendMessage', { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }),
    ],
    'ingest-extract': [
      // The object (gone meanwhile: 404, the document fails with "no longer exists"), its manifest
      // (missing when a delete event won the race) and its work files.
      documentObjects('s3:GetObject'),
      listDocuments,
      stateObjects(['s3:GetObject', 's3:PutObject'], 'manifests/*', 'work/*'),
      listState,
      // An unchanged version is verified by its chunk ids.
      ...store(['s3vectors:GetVectors'], ['bedrock:GetKnowledgeBaseDocuments']),
    ],
    'ingest-chunk': [stateObjects(['s3:GetObject', 's3:PutObject'], 'work/*')],
    'ingest-embed-batch': [
      // The batch's chunks (work/) and the document's manifest (still live, or withdrawn after a failure).
      stateObjects('s3:GetObject', 'work/*', 'manifests/*'),
      listState,
      // The Knowledge Base embeds the chunks itself: no embedding model in that mode.
      unlessKnowledgeBase(embedding),
      unlessKnowledgeBase(recordUsage),
      // A batch still running when its ingestion failed withdraws the chunks it wrote (DeleteVectors).
      ...store(
        ['s3vectors:PutVectors', 's3vectors:GetVectors', 's3vectors:DeleteVectors'],
        [
          'bedrock:GetDataSource',
          'bedrock:IngestKnowledgeBaseDocuments',
          'bedrock:GetKnowledgeBaseDocuments',
          'bedrock:ListKnowledgeBaseDocuments',
          'bedrock:DeleteKnowledgeBaseDocuments',
        ],
      ),
    ],
    // Finalize and RecordFailure delete a known generation by its chunk ids: GetVectors, then DeleteVectors.
    // A Knowledge Base lists a generation's documents by their id prefix (shared/vectors/knowledge-base-store.ts).
    // Finalize deletes its work files by their known keys (no listing), and reads only keys that exist.
    'ingest-finalize': [
      stateObjects(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], 'manifests/*', 'work/*'),
      // Before a version goes live: is the object still there, still that version (HEAD; a GET and hash when the
      // ETag changed)? An execution overtaken by a newer version or a delete withdraws itself instead.
      documentObjects('s3:GetObject'),
      listDocuments,
      // The tenant's index changed: bump its generation, so cached answers over the old index are never read.
      conversations('dynamodb:UpdateItem'),
      ...store(
        ['s3vectors:GetVectors', 's3vectors:DeleteVectors'],
        ['bedrock:GetKnowledgeBaseDocuments', 'bedrock:ListKnowledgeBaseDocuments', 'bedrock:DeleteKnowledgeBaseDocuments'],
      ),
    ],
    'ingest-record-failure': [
      stateObjects(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], 'manifests/*', 'work/*'),
      // Records FAILED only for the version still in the store (an overtaken execution records nothing).
      documentObjects('s3:GetObject'),
      listDocuments,
      // A document whose object is gone leaves no manifest, nor its refusal marker (RAG_MAX_DOCUMENTS_PER_TENANT).
      stateObjects('s3:DeleteObject', 'refused/*'),
      listState,
      // A failed attempt's chunks were searchable while it ran: bump the generation when they are withdrawn.
      conversations('dynamodb:UpdateItem'),
      ...store(
        ['s3vectors:GetVectors', 's3vectors:DeleteVectors'],
        ['bedrock:GetKnowledgeBaseDocuments', 'bedrock:ListKnowledgeBaseDocuments', 'bedrock:DeleteKnowledgeBaseDocuments'],
      ),
    ],
    'ingest-delete-document': [
      // Lists and HEADs (s3:GetObject) work files a dead execution left, deletes them and the manifest.
      stateObjects(['s3:GetObject', 's3:DeleteObject'], 'manifests/*', 'work/*'),
      // A delete that finds the object back does nothing; one that finds it back after deleting marks it PENDING.
      stateObjects('s3:PutObject', 'manifests/*'),
      documentObjects('s3:GetObject'),
      listDocuments,
      // A deleted document's refusal marker (RAG_MAX_DOCUMENTS_PER_TENANT) goes with its manifest.
      stateObjects('s3:DeleteObject', 'refused/*'),
      listState,
      conversations('dynamodb:UpdateItem'),
      // Deletes by document, not by ids: a scan (ListVectors with metadata needs GetVectors).
      ...store(
        ['s3vectors:ListVectors', 's3vectors:GetVectors', 's3vectors:DeleteVectors'],
        ['bedrock:ListKnowledgeBaseDocuments', 'bedrock:DeleteKnowledgeBaseDocuments', 'bedrock:GetKnowledgeBaseDocuments'],
      ),
    ],
    'query-validate': [],
    'query-guard-input': [applyGuardrail, recordUsage],
    // RetrieveAndRank runs only in converse mode: the Knowledge Base retrieves and reranks itself. The union
    // of the former Retrieve and Rerank roles; the chunks come back with the query, so no separate read.
    'query-retrieve-and-rank': [
      unlessKnowledgeBase(embedding),
      // A filtered query with metadata needs GetVectors as well as QueryVectors
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_S3VectorBuckets_QueryVectors.html, read 2026-11-30).
      ...store(['s3vectors:QueryVectors', 's3vectors:GetVectors'], []),
      ...rerank.map(unlessKnowledgeBase),
      unlessKnowledgeBase(recordUsage),
    ],
    // Generates from the chunks the state carries: no store read.
    'query-generate': [
      applyGuardrail,
      allow('bedrock:InvokeModel', generation),
      ...generationMarketplace,
      whenKnowledgeBase(allow('bedrock:Retrieve', { 'Fn::GetAtt': ['KnowledgeBase', 'KnowledgeBaseArn'] })),
      // bedrock:RetrieveAndGenerate has no resource type; Retrieve above scopes the knowledge base.
      whenKnowledgeBase(allow('bedrock:RetrieveAndGenerate', '*')),
      // RetrieveAndGenerate reranks with the same model as the rerank step.
      whenKnowledgeBase(allow('bedrock:Rerank', '*')),
      whenKnowledgeBase(allow('bedrock:InvokeModel', modelArns(models.rerank))),
      ...(generationMarketplace.length === 0 ? marketplace(models.rerank).map(whenKnowledgeBase) : []),
      recordUsage,
    ],
    // Citations resolve against the chunks the state carries; only a Knowledge Base's citations are read
    // back (Retrieve filtered by chunk id).
    'query-citations': store([], ['bedrock:Retrieve']),
    'reindex-plan': [
      // Lists the documents and HEADs them (HeadObject is authorised by s3:GetObject); reads manifests.
      listDocuments,
      documentObjects('s3:GetObject'),
      stateObjects('s3:GetObject', 'manifests/*'),
      listState,
    ],
    'reindex-start-ingestion': [
      stateObjects(['s3:GetObject', 's3:PutObject'], 'manifests/*'),
      refusals,
      listState,
      allow('states:StartExecution', stateMachine('ingest')),
    ],
  };
}

const pascal = (name) => name.replace(/(^|-)([a-z])/g, (_m, _dash, letter) => letter.toUpperCase());

/** The role's logical id in the template, e.g. api-query -> ApiQueryRole (serverless.yml's `role:`). */
const roleLogicalId = (fn) => `${pascal(fn)}Role`;

module.exports = async (context) => {
  const byFunction = await grants(context);
  const Resources = {};
  for (const [fn, statements] of Object.entries(byFunction)) {
    Resources[roleLogicalId(fn)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: fn,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                // X-Ray actions support no resource-level permissions.
                allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'),
                allow(
                  ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/\${self:custom.prefix}-${fn}:*`),
                ),
                ...statements,
              ],
            },
          },
        ],
      },
    };
  }
  return { Resources };
};
module.exports.roleLogicalId = roleLogicalId;
