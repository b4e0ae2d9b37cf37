import { functionCatalog } from '../../functions/catalog';
import type { CfnTemplate, Json, JsonObject } from '../../scripts/package-stack';

/**
 * Each function's IAM role in a packaged template, with CloudFormation intrinsics resolved to the
 * names of one concrete deployment (the emulated one), so a real policy evaluator can judge calls.
 * Resolves what our template uses: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If (with the template's
 * Conditions), Fn::Equals / Fn::Not / Fn::And / Fn::Or, AWS::NoValue.
 */
export interface Deployment {
  region: string;
  account: string;
  partition: string;
  /** Physical names of resources the template does not name itself, by logical id (buckets, guardrail id, …). */
  physicalIds: Record<string, string>;
  /** Attribute values by `LogicalId.Attribute` (ARNs of resources whose ARN is not derivable). */
  attributes?: Record<string, string>;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface FunctionRole {
  function: string;
  roleLogicalId: string;
  roleArn: string;
  policies: { name: string; document: PolicyDocument }[];
}

const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Resolved = string | number | boolean | null | typeof NO_VALUE | Resolved[] | { [key: string]: Resolved };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export class TemplateResolver {
  private readonly conditions = new Map<string, boolean>();

  constructor(
    private readonly template: CfnTemplate,
    private readonly deployment: Deployment,
  ) {}

  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`Unknown condition ${name}`);
    const value = this.truth(definition);
    this.conditions.set(name, value);
    return value;
  }

  private truth(value: Json): boolean {
    if (!isObject(value)) throw new Error(`Not a condition: ${JSON.stringify(value)}`);
    if (typeof value.Condition === 'string') return this.condition(value.Condition);
    const [fn, args] = Object.entries(value)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolve(list[0] ?? null)) === JSON.stringify(this.resolve(list[1] ?? null));
      case 'Fn::Not':
        return !this.truth(list[0] ?? null);
      case 'Fn::And':
        return list.every((c) => this.truth(c));
      case 'Fn::Or':
        return list.some((c) => this.truth(c));
      default:
        throw new Error(`Unsupported condition function ${String(fn)}`);
    }
  }

  private pseudo(name: string): string | typeof NO_VALUE {
    switch (name) {
      case 'AWS::Region':
        return this.deployment.region;
      case 'AWS::AccountId':
        return this.deployment.account;
      case 'AWS::Partition':
        return this.deployment.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        throw new Error(`Unsupported pseudo parameter ${name}`);
    }
  }

  /** Ref of a resource: its physical id (name) from the deployment, else derived from its properties. */
  ref(logicalId: string): string {
    const given = this.deployment.physicalIds[logicalId];
    if (given !== undefined) return given;
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`Ref to unknown resource ${logicalId}`);
    const p = resource.Properties;
    const { region, account, partition } = this.deployment;
    const named = (key: string): string => {
      const value = this.resolve(p[key] ?? null);
      if (typeof value !== 'string') throw new Error(`${logicalId} has no ${key}: give its physical id in the deployment`);
      return value;
    };
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${partition}:states:${region}:${account}:stateMachine:${named('StateMachineName')}`;
      case 'AWS::Lambda::Function':
        return named('FunctionName');
      case 'AWS::IAM::Role':
        return named('RoleName');
      case 'AWS::SNS::Topic':
        return `arn:${partition}:sns:${region}:${account}:${named('TopicName')}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${named('QueueName')}`;
      default:
        throw new Error(`Give the physical id of ${logicalId} (${resource.Type}) in the deployment`);
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const given = this.deployment.attributes?.[`${logicalId}.${attribute}`];
    if (given !== undefined) return given;
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`GetAtt of unknown resource ${logicalId}`);
    const { region, account, partition } = this.deployment;
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case 'AWS::S3::Bucket.Arn':
        return `arn:${partition}:s3:::${this.ref(logicalId)}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:${partition}:lambda:${region}:${account}:function:${this.ref(logicalId)}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:${partition}:iam::${account}:role/${this.ref(logicalId)}`;
      case 'AWS::SQS::Queue.Arn':
        return `arn:${partition}:sqs:${region}:${account}:${this.ref(logicalId).split('/').pop() ?? ''}`;
      case 'AWS::Bedrock::Guardrail.GuardrailId':
        return this.ref(logicalId);
      case 'AWS::Bedrock::Guardrail.GuardrailArn':
        return `arn:${partition}:bedrock:${region}:${account}:guardrail/${this.ref(logicalId)}`;
      case 'AWS::Bedrock::GuardrailVersion.Version':
        return this.ref(logicalId);
      case 'AWS::Bedrock::KnowledgeBase.KnowledgeBaseId':
        return this.ref(logicalId);
      case 'AWS::Bedrock::KnowledgeBase.KnowledgeBaseArn':
        return `arn:${partition}:bedrock:${region}:${account}:knowledge-base/${this.ref(logicalId)}`;
      case 'AWS::Bedrock::DataSource.DataSourceId':
        return this.ref(logicalId);
      case 'AWS::S3Vectors::VectorBucket.VectorBucketArn':
        return `arn:${partition}:s3vectors:${region}:${account}:bucket/${this.ref(logicalId)}`;
      case 'AWS::S3Vectors::Index.IndexArn': {
        const bucketArn = this.resolve(resource.Properties.VectorBucketArn ?? null);
        return `${String(bucketArn)}/index/${String(this.resolve(resource.Properties.IndexName ?? null))}`;
      }
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:${partition}:dynamodb:${region}:${account}:table/${this.ref(logicalId)}`;
      case 'AWS::KMS::Key.Arn':
        return `arn:${partition}:kms:${region}:${account}:key/${this.ref(logicalId)}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:${partition}:logs:${region}:${account}:log-group:${String(this.resolve(resource.Properties.LogGroupName ?? null))}:*`;
      default:
        throw new Error(`Unsupported GetAtt ${logicalId}.${attribute} (${resource.Type}): give it in the deployment's attributes`);
    }
  }

  private sub(text: string, variables: Record<string, Resolved>): string {
    return text.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in variables) return String(variables[name]);
      if (name.startsWith('AWS::')) return String(this.pseudo(name));
      const [id = '', attribute] = name.split('.');
      return attribute ? this.getAtt(id, attribute) : this.ref(id);
    });
  }

  resolve(value: Json): Resolved {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key = ''] = keys;
      const arg = value[key] ?? null;
      if (key === 'Ref') {
        const name = String(arg);
        return name.startsWith('AWS::') ? this.pseudo(name) : this.ref(name);
      }
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return this.getAtt(id ?? '', attribute ?? '');
      }
      if (key === 'Fn::Sub') {
        if (typeof arg === 'string') return this.sub(arg, {});
        const [text, vars] = Array.isArray(arg) ? arg : [];
        const variables: Record<string, Resolved> = isObject(vars) ? Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, this.resolve(v)])) : {};
        return this.sub(String(text), variables);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = Array.isArray(arg) ? arg : [];
        const resolved = this.resolve(parts ?? []);
        return (Array.isArray(resolved) ? resolved : []).map(String).join(String(separator));
      }
      if (key === 'Fn::Split') {
        const [separator, text] = Array.isArray(arg) ? arg : [];
        return String(this.resolve(text ?? null)).split(String(separator));
      }
      if (key === 'Fn::Select') {
        const [index, list] = Array.isArray(arg) ? arg : [];
        const resolved = this.resolve(list ?? null);
        return Array.isArray(resolved) ? (resolved[Number(index)] ?? null) : null;
      }
      if (key === 'Fn::If') {
        const [name, whenTrue, whenFalse] = Array.isArray(arg) ? arg : [];
        return this.resolve((this.condition(String(name)) ? whenTrue : whenFalse) ?? null);
      }
      if (key.startsWith('Fn::')) throw new Error(`Unsupported intrinsic ${key}`);
    }
    const out: { [key: string]: Resolved } = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = this.resolve(v);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }
}

/** The role of every catalog function, as deployed: `Role` of its AWS::Lambda::Function, resolved. */
export function functionRoles(template: CfnTemplate, deployment: Deployment, stackPrefix: string): Map<string, FunctionRole> {
  const resolver = new TemplateResolver(template, deployment);
  const roles = new Map<string, FunctionRole>();
  for (const entry of functionCatalog) {
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `${stackPrefix}-${entry.name}`,
    );
    if (!fn) throw new Error(`No function ${entry.name} in the template`);
    const role = fn.Properties.Role;
    const roleLogicalId = isObject(role) && Array.isArray(role['Fn::GetAtt']) ? String(role['Fn::GetAtt'][0]) : undefined;
    const roleResource = roleLogicalId ? template.Resources[roleLogicalId] : undefined;
    if (!roleLogicalId || roleResource?.Type !== 'AWS::IAM::Role') throw new Error(`${entry.name}: Role is not a GetAtt of an AWS::IAM::Role in the template`);
    if (roleResource.Condition && !resolver.condition(roleResource.Condition)) throw new Error(`${entry.name}: its role is switched off by a condition`);
    const policies = (resolver.resolve(roleResource.Properties.Policies ?? []) as unknown as { PolicyName: string; PolicyDocument: PolicyDocument }[]).map(
      (p) => ({
        name: p.PolicyName,
        document: p.PolicyDocument,
      }),
    );
    if ((roleResource.Properties.ManagedPolicyArns ?? null) !== null) throw new Error(`${entry.name}: managed policies are not evaluated; keep roles inline`);
    roles.set(entry.name, {
      function: entry.name,
      roleLogicalId,
      roleArn: `arn:${deployment.partition}:iam::${deployment.account}:role/${roleLogicalId}`,
      policies,
    });
  }
  return roles;
}
