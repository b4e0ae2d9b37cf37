import { runSimulation } from '@cloud-copilot/iam-simulate';
import { HttpResponse } from '@smithy/core/transport';
import type { DeserializeHandlerArguments, DeserializeHandlerOutput, DeserializeMiddleware, HandlerExecutionContext } from '@smithy/types';
import { functionCatalog } from '../../functions/catalog';
import type { AwsClientPlugin } from '../../shared/aws/instrument';
import { currentInvocation } from '../../shared/observability/invocation-context';
import { type CallSite, type IamRequest, iamRequestsFor, listBucketRequestFor, MISSING_KEY_RULE_COMMANDS, UnmappedCommandError } from './iam-requests';
import type { FunctionRole, PolicyDocument, PolicyStatement } from './template-policies';

/**
 * The IAM proof of the emulated end-to-end runs. Registered as an AWS client plugin, it sees every SDK
 * call the service makes, attributes it to the Lambda function whose invocation made it, maps it to the
 * IAM requests AWS would authorise (tests/iam/iam-requests.ts) and judges each with a real policy
 * evaluator (@cloud-copilot/iam-simulate) against THAT function's role in the packaged template.
 *
 * A denied call is answered as AWS answers it — a 403 AccessDenied response the SDK deserialises into
 * its own error — so the product sees what it would see on AWS, and the proof records it. S3's rule for
 * missing keys is applied the same way: a GET or HEAD of a key that does not exist answers 404 only when
 * the caller may s3:ListBucket the bucket (with no prefix condition: a GET carries none), else 403.
 */
export type Decision = 'Allowed' | 'Denied';

export interface JudgedRequest extends IamRequest {
  decision: Decision;
}

export interface RecordedCall {
  function: string;
  command: string;
  requests: JudgedRequest[];
  /** A 404 for a missing key that S3 would have answered 403 (no s3:ListBucket). */
  missingKeyDenied?: boolean;
}

export interface UnusedGrant {
  function: string;
  policy: string;
  statement: number;
  action: string;
  resource: string;
}

export interface IamProofOptions {
  roles: Map<string, FunctionRole>;
  site: CallSite;
}

const ACCESS_DENIED_MESSAGE = 'Access Denied';

/** The catalog name of the function Lambda reports as `functionName` (stack-prefixed on AWS). */
export function catalogFunction(functionName: string): string | undefined {
  return functionCatalog.find((f) => functionName === f.name || functionName.endsWith(`-${f.name}`))?.name;
}

function statementsOf(role: FunctionRole): { policy: string; index: number; statement: PolicyStatement }[] {
  return role.policies.flatMap((p) => p.document.Statement.map((statement, index) => ({ policy: p.name, index, statement })));
}

const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** The response AWS sends for a denied request, in the protocol of the client that made it. */
function accessDeniedResponse(clientName: string, commandName: string, request: IamRequest, roleArn: string): HttpResponse {
  const message = `User: ${roleArn} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`;
  if (clientName === 'S3Client') {
    // HEAD responses have no body; the SDK names the error from the status.
    const body =
      commandName === 'HeadObjectCommand'
        ? ''
        : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${ACCESS_DENIED_MESSAGE}</Message></Error>`;
    return new HttpResponse({ statusCode: 403, headers: { 'content-type': 'application/xml' }, body: Buffer.from(body) });
  }
  if (clientName === 'SFNClient') {
    // awsJson1_0: errors are 400 with __type.
    return new HttpResponse({
      statusCode: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: Buffer.from(JSON.stringify({ __type: 'AccessDeniedException', message })),
    });
  }
  return new HttpResponse({
    statusCode: 403,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
    body: Buffer.from(JSON.stringify({ message })),
  });
}

export class IamProof {
  readonly calls: RecordedCall[] = [];
  /** Commands made outside any function invocation (test set-up acting as a user or as S3 itself). */
  readonly outsideFunctions: string[] = [];
  readonly unmapped: { function: string; command: string }[] = [];
  private readonly cache = new Map<string, Promise<Decision>>();

  constructor(private readonly options: IamProofOptions) {}

  /** The AWS client plugin to register with `addAwsClientPlugin` before the services are built. */
  plugin(): AwsClientPlugin {
    const middleware: DeserializeMiddleware<object, object> = (next, context: HandlerExecutionContext) => async (args: DeserializeHandlerArguments<object>) =>
      this.handle(next, context, args);
    return {
      applyToStack: (stack) => {
        // Inside the deserializer: a synthetic response here is parsed by the SDK like a real one.
        stack.addRelativeTo(middleware, { name: 'ragIamProof', relation: 'after', toMiddleware: 'deserializerMiddleware' });
      },
    };
  }

  private async handle(
    next: (args: DeserializeHandlerArguments<object>) => Promise<DeserializeHandlerOutput<object>>,
    context: HandlerExecutionContext,
    args: DeserializeHandlerArguments<object>,
  ): Promise<DeserializeHandlerOutput<object>> {
    const clientName = context.clientName ?? 'UnknownClient';
    const commandName = context.commandName ?? 'UnknownCommand';
    const command = `${clientName}.${commandName}`;
    const invocation = currentInvocation();
    const fn = invocation ? catalogFunction(invocation.functionName) : undefined;
    if (!invocation || !fn) {
      this.outsideFunctions.push(command);
      return next(args);
    }
    const role = this.options.roles.get(fn);
    if (!role) throw new Error(`No role for function ${fn}`);
    const input = args.input as Record<string, unknown>;
    let requests: IamRequest[];
    try {
      requests = iamRequestsFor(clientName, commandName, input, this.options.site);
    } catch (error) {
      if (!(error instanceof UnmappedCommandError)) throw error;
      this.unmapped.push({ function: fn, command });
      return next(args);
    }
    const judged: JudgedRequest[] = [];
    for (const request of requests) judged.push({ ...request, decision: await this.decide(role, request) });
    const call: RecordedCall = { function: fn, command, requests: judged };
    this.calls.push(call);
    const denied = judged.find((r) => r.decision === 'Denied');
    if (denied) return { response: accessDeniedResponse(clientName, commandName, denied, role.roleArn) };

    const result = await next(args);
    const response = result.response;
    if (MISSING_KEY_RULE_COMMANDS.has(command) && HttpResponse.isInstance(response) && response.statusCode === 404) {
      // S3 judges s3:ListBucket to choose between 404 and 403: that grant is used by this call.
      const listBucket = listBucketRequestFor(input, this.options.site);
      const decision = await this.decide(role, listBucket);
      call.requests.push({ ...listBucket, decision });
      if (decision === 'Denied') {
        call.missingKeyDenied = true;
        return { response: accessDeniedResponse(clientName, commandName, listBucket, role.roleArn) };
      }
    }
    return result;
  }

  /** Judges one request against a policy set (default: the function's role). */
  async decide(role: FunctionRole, request: IamRequest, policies: { name: string; document: PolicyDocument }[] = role.policies): Promise<Decision> {
    const key = `${JSON.stringify(policies)}|${request.action}|${request.resource}|${JSON.stringify(request.context)}`;
    let decision = policies === role.policies ? this.cache.get(key) : undefined;
    if (!decision) {
      decision = evaluate(role.roleArn, this.options.site.account, request, policies);
      if (policies === role.policies) this.cache.set(key, decision);
    }
    return decision;
  }

  /** The actions the function's role allows, statement by statement. */
  grantsOf(fn: string): string[] {
    const role = this.options.roles.get(fn);
    return role ? statementsOf(role).flatMap(({ statement }) => (statement.Effect === 'Allow' ? asList(statement.Action) : [])) : [];
  }

  denied(): RecordedCall[] {
    return this.calls.filter((c) => c.requests.some((r) => r.decision === 'Denied'));
  }

  /** Distinct allowed requests each function made. */
  private usedRequests(): Map<string, IamRequest[]> {
    const byFunction = new Map<string, Map<string, IamRequest>>();
    for (const call of this.calls) {
      const requests = byFunction.get(call.function) ?? new Map<string, IamRequest>();
      for (const r of call.requests) if (r.decision === 'Allowed') requests.set(`${r.action}|${r.resource}|${JSON.stringify(r.context)}`, r);
      byFunction.set(call.function, requests);
    }
    return new Map([...byFunction].map(([fn, requests]) => [fn, [...requests.values()]]));
  }

  /**
   * Allow statements (per action) of the given functions' roles that no recorded call used. A grant is
   * used when the request is allowed by a policy made of that statement alone.
   */
  async unusedGrants(functions: readonly string[]): Promise<UnusedGrant[]> {
    const used = this.usedRequests();
    const unused: UnusedGrant[] = [];
    for (const fn of functions) {
      const role = this.options.roles.get(fn);
      if (!role) continue;
      for (const { policy, index, statement } of statementsOf(role)) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of asList(statement.Action)) {
          const single = [{ name: 'single', document: { Version: '2012-10-17', Statement: [{ ...statement, Action: action }] } }];
          let isUsed = false;
          for (const request of used.get(fn) ?? []) {
            if (request.action !== action) continue;
            if ((await this.decide(role, request, single)) === 'Allowed') {
              isUsed = true;
              break;
            }
          }
          if (!isUsed) unused.push({ function: fn, policy, statement: index, action, resource: asList(statement.Resource).join(', ') });
        }
      }
    }
    return unused;
  }

  /**
   * For each statement some call used: the calls it alone allowed. Removing it from the role must deny
   * at least one recorded call, or the statement duplicates another and is not least privilege.
   */
  async redundantStatements(): Promise<{ function: string; policy: string; statement: number }[]> {
    const used = this.usedRequests();
    const redundant: { function: string; policy: string; statement: number }[] = [];
    for (const [fn, requests] of used) {
      const role = this.options.roles.get(fn);
      if (!role) continue;
      for (const { policy, index, statement } of statementsOf(role)) {
        if (statement.Effect !== 'Allow') continue;
        const single = [{ name: 'single', document: { Version: '2012-10-17', Statement: [statement] } }];
        const without = role.policies.map((p) =>
          p.name === policy ? { name: p.name, document: { ...p.document, Statement: p.document.Statement.filter((_s, i) => i !== index) } } : p,
        );
        let usedHere = false;
        let needed = false;
        for (const request of requests) {
          if ((await this.decide(role, request, single)) !== 'Allowed') continue;
          usedHere = true;
          if ((await this.decide(role, request, without)) === 'Denied') {
            needed = true;
            break;
          }
        }
        if (usedHere && !needed) redundant.push({ function: fn, policy, statement: index });
      }
    }
    return redundant;
  }
}

async function evaluate(principal: string, account: string, request: IamRequest, policies: { name: string; document: PolicyDocument }[]): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: request.context,
      },
      identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  // An invalid action or an ARN that does not fit the action is a mapping defect: fail loudly.
  if (result.resultType === 'error') throw new Error(`IAM simulation of ${request.action} on ${request.resource} failed: ${result.errors.message}`);
  return result.overallResult === 'Allowed' ? 'Allowed' : 'Denied';
}
