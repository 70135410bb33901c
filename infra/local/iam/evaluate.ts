import { runSimulation } from '@cloud-copilot/iam-simulate';
import { LOCAL_ACCOUNT, type LocalPolicies } from './policies.ts';

/**
 * Evaluates a local caller's AWS request against the synthesized policies with a real IAM policy
 * evaluator (`@cloud-copilot/iam-simulate`: identity policies, resource policies, conditions,
 * explicit and implicit denies, as AWS documents its evaluation logic). The local runtime is then no
 * more permissive than the account the stack deploys to.
 */

/** One action on one resource, as IAM authorizes it. */
export interface AccessRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** A refused request, worded as AWS words it. */
export class AccessDeniedError extends Error {
  override name = 'AccessDenied';
  readonly principal: string;
  readonly request: AccessRequest;
  constructor(principal: string, principalArn: string, request: AccessRequest, reason: string) {
    super(
      `User: ${principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${reason}`,
    );
    this.principal = principal;
    this.request = request;
  }
}

export interface LocalIamOptions {
  readonly tenantId: string;
  /** Called once per refused request (the runtime logs it). */
  readonly onDenied?: (denial: AccessDeniedError) => void;
}

export class LocalIam {
  /** Requests allowed so far, per principal: `action resource`. */
  readonly used = new Map<string, Set<string>>();
  private readonly decisions = new Map<string, Promise<string | undefined>>();
  readonly policies: LocalPolicies;
  private readonly options: LocalIamOptions;

  constructor(policies: LocalPolicies, options: LocalIamOptions) {
    this.policies = policies;
    this.options = options;
  }

  principalArn(principal: string): string {
    return `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/local-${this.options.tenantId}-${principal}/${principal}`;
  }

  /** Authorizes every request of one call; throws AccessDeniedError on the first refused one. */
  async authorize(principal: string, requests: readonly AccessRequest[]): Promise<void> {
    for (const request of requests) {
      const reason = await this.decide(principal, request);
      if (reason !== undefined) {
        const denial = new AccessDeniedError(principal, this.principalArn(principal), request, reason);
        this.options.onDenied?.(denial);
        // Audit mode (SETTLEMENT_IAM=audit) reports what a new step still needs and lets it pass.
        if (process.env.SETTLEMENT_IAM !== 'audit') throw denial;
      }
      const used = this.used.get(principal) ?? new Set<string>();
      this.used.set(principal, used);
      used.add(`${request.action} ${request.resource}`);
    }
  }

  private decide(principal: string, request: AccessRequest): Promise<string | undefined> {
    const cacheKey = `${principal}|${request.action}|${request.resource}|${JSON.stringify(request.context ?? {})}`;
    let decision = this.decisions.get(cacheKey);
    if (!decision) {
      decision = this.evaluate(principal, request);
      this.decisions.set(cacheKey, decision);
    }
    return decision;
  }

  /** `undefined` when allowed, else the reason AWS would give. */
  private async evaluate(principal: string, request: AccessRequest): Promise<string | undefined> {
    const identity = this.policies.identity.get(principal);
    if (!identity) return 'because no identity-based policy allows it (the caller has no role in the stack)';
    const resourcePolicy = [...this.policies.resource.entries()].find(
      ([arn]) => request.resource === arn || request.resource.startsWith(`${arn}/`),
    )?.[1];
    const principalArn = this.principalArn(principal);
    const result = await runSimulation(
      {
        request: {
          principal: principalArn,
          action: request.action,
          resource: { resource: request.resource, accountId: LOCAL_ACCOUNT },
          contextVariables: {
            // Locally the SDK speaks HTTP to loopback; in the cloud every call is TLS (the bucket policy denies others).
            'aws:SecureTransport': 'true',
            'aws:PrincipalArn': `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-${this.options.tenantId}-${principal}`,
            'aws:PrincipalAccount': LOCAL_ACCOUNT,
            ...(request.context as Record<string, string | string[]> | undefined),
          },
        },
        identityPolicies: identity.map((policy, i) => ({ name: `${principal}-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      },
      {},
    );
    if (result.resultType === 'error')
      return `because the request could not be evaluated (${result.errors.message})`;
    switch (result.overallResult) {
      case 'Allowed':
        return undefined;
      case 'ExplicitlyDenied':
        return 'with an explicit deny in a policy';
      default:
        return `because no identity-based policy allows the ${request.action} action`;
    }
  }
}
