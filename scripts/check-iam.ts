/**
 * Least-privilege check over a CloudFormation template (the one `serverless package` writes):
 * every Allow statement of every identity policy (inline role policies, AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy) must name its actions and resources. Wildcard resources are accepted
 * only for actions that AWS offers no resource-level permissions for (RESOURCE_WILDCARD_ACTIONS).
 * Both branches of an Fn::If are checked: a condition must not hide a broad grant.
 * Usage: npx tsx scripts/check-iam.ts <template.json>
 */
import { readFileSync } from 'node:fs';

export type IamRule = 'wildcard-action' | 'wildcard-resource' | 'not-action' | 'not-resource' | 'broad-managed-policy';

export interface IamFinding {
  /** Logical id of the CloudFormation resource holding the policy. */
  resource: string;
  /** Policy name (inline policies) or the resource's policy property. */
  policy: string;
  /** Index of the statement in its policy (-1 for managed policy ARNs). */
  statement: number;
  rule: IamRule;
  detail: string;
}

/**
 * Actions whose service documents no resource type (the IAM Service Authorization Reference lists
 * "*" as their only resource), so `Resource: "*"` is the narrowest possible grant.
 */
export const RESOURCE_WILDCARD_ACTIONS: ReadonlySet<string> = new Set([
  // X-Ray: the Lambda/Step Functions tracing integrations send segments with these.
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  // Bedrock: the models they use are scoped by bedrock:InvokeModel / bedrock:Retrieve statements.
  'bedrock:Rerank',
  'bedrock:RetrieveAndGenerate',
  // AWS Marketplace: Bedrock subscribes the account to a third-party model on its first invocation.
  'aws-marketplace:ViewSubscriptions',
  'aws-marketplace:Subscribe',
  // CloudWatch Logs vended log delivery (Step Functions logging configuration).
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

/** AWS managed policies that grant whole services or the account. */
const BROAD_MANAGED_POLICY = /(AdministratorAccess|PowerUserAccess|FullAccess)$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves `Fn::If` into every branch it can take, dropping `AWS::NoValue`. */
function branches(value: Json): Json[] {
  if (isObject(value) && Array.isArray(value['Fn::If'])) {
    const [, whenTrue, whenFalse] = value['Fn::If'];
    return [whenTrue, whenFalse].flatMap((branch) => (branch === undefined ? [] : branches(branch)));
  }
  if (isObject(value) && value.Ref === 'AWS::NoValue') return [];
  return [value];
}

function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return branches(value).flatMap((v) => (Array.isArray(v) ? v.flatMap(branches) : [v]));
}

/**
 * A readable, analysable string for a resource value. Intrinsics that name one resource (Ref,
 * Fn::GetAtt) are specific; Fn::Sub / Fn::Join keep their literal text with `${...}` placeholders.
 */
export function renderResource(value: Json): string {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.map(String).join('.')}}`;
    if (typeof getAtt === 'string') return `\${${getAtt}}`;
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub;
    if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map((part) => renderResource(part)).join(join[0]);
    }
  }
  return JSON.stringify(value);
}

/**
 * True for "*" and for ARNs that cover every resource of a service or of a resource type in an
 * account ("arn:aws:s3:::*", "arn:aws:states:us-east-1:123:stateMachine:*", "...:function:*").
 */
export function isWildcardResource(resource: string): boolean {
  if (resource.trim() === '*') return true;
  // Placeholders like ${AWS::Partition} contain colons: neutralise them before splitting the ARN.
  const flattened = resource.replace(/\$\{[^}]*\}/g, 'x');
  if (!flattened.startsWith('arn:')) return false;
  const parts = flattened.split(':');
  const service = parts[2] ?? '';
  const resourcePart = parts.slice(5).join(':');
  if (resourcePart === '' || resourcePart.startsWith('*')) return true;
  // S3 object ARNs are "<bucket>/<key pattern>": a named bucket with a key wildcard is scoped.
  if (service === 's3') return false;
  return /^[\w-]+[:/]\*$/.test(resourcePart);
}

export function isWildcardAction(action: string): boolean {
  return action.includes('*');
}

interface PolicyDocumentRef {
  resource: string;
  policy: string;
  document: Json;
}

function policyDocuments(template: JsonObject): { documents: PolicyDocumentRef[]; managedPolicyArns: { resource: string; arn: string }[] } {
  const documents: PolicyDocumentRef[] = [];
  const managedPolicyArns: { resource: string; arn: string }[] = [];
  const resources = isObject(template.Resources) ? template.Resources : {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || !isObject(resource.Properties)) continue;
    const props = resource.Properties;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
      case 'AWS::IAM::User':
      case 'AWS::IAM::Group':
        for (const policy of asList(props.Policies)) {
          if (!isObject(policy)) continue;
          documents.push({ resource: logicalId, policy: renderResource(policy.PolicyName ?? 'inline'), document: policy.PolicyDocument ?? null });
        }
        for (const arn of asList(props.ManagedPolicyArns)) managedPolicyArns.push({ resource: logicalId, arn: renderResource(arn) });
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        documents.push({
          resource: logicalId,
          policy: renderResource(props.PolicyName ?? props.ManagedPolicyName ?? 'PolicyDocument'),
          document: props.PolicyDocument ?? null,
        });
        break;
      default:
        break;
    }
  }
  return { documents, managedPolicyArns };
}

/** Every least-privilege violation in the template; empty when it passes. */
export function checkIam(template: unknown, allowResourceWildcard: ReadonlySet<string> = RESOURCE_WILDCARD_ACTIONS): IamFinding[] {
  if (!isObject(template)) throw new TypeError('A CloudFormation template must be a JSON object');
  const findings: IamFinding[] = [];
  const { documents, managedPolicyArns } = policyDocuments(template);
  for (const { resource, arn } of managedPolicyArns) {
    if (BROAD_MANAGED_POLICY.test(arn)) findings.push({ resource, policy: 'ManagedPolicyArns', statement: -1, rule: 'broad-managed-policy', detail: arn });
  }
  for (const { resource, policy, document } of documents) {
    const statements = isObject(document) ? asList(document.Statement) : [];
    statements.forEach((statement, index) => {
      if (!isObject(statement) || statement.Effect !== 'Allow') return;
      const at = { resource, policy, statement: index };
      if (statement.NotAction !== undefined) findings.push({ ...at, rule: 'not-action', detail: 'Allow with NotAction grants everything else' });
      if (statement.NotResource !== undefined) findings.push({ ...at, rule: 'not-resource', detail: 'Allow with NotResource grants everything else' });
      const actions = asList(statement.Action).map((a) => renderResource(a));
      for (const action of actions.filter(isWildcardAction)) findings.push({ ...at, rule: 'wildcard-action', detail: action });
      const wildcardResources = asList(statement.Resource)
        .map((r) => renderResource(r))
        .filter(isWildcardResource);
      const needsNarrowResource = actions.filter((action) => !allowResourceWildcard.has(action));
      if (wildcardResources.length > 0 && needsNarrowResource.length > 0) {
        findings.push({ ...at, rule: 'wildcard-resource', detail: `${wildcardResources.join(', ')} for ${needsNarrowResource.join(', ')}` });
      }
    });
  }
  return findings;
}

export function formatFinding(finding: IamFinding): string {
  return `${finding.resource} / ${finding.policy} / statement ${finding.statement}: ${finding.rule} (${finding.detail})`;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('Usage: tsx scripts/check-iam.ts <cloudformation-template.json>\n');
    process.exit(2);
  }
  const findings = checkIam(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  for (const finding of findings) process.stderr.write(`${formatFinding(finding)}\n`);
  process.stdout.write(`${findings.length} least-privilege finding(s)\n`);
  process.exitCode = findings.length > 0 ? 1 : 0;
}
