import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { loadTenants, parseTenants, type Tenant } from '../../../infra/cdk/tenants.ts';
import { type CfnTemplate, statementsOfRole, synthTenants, TENANTS_FILE } from './synth.ts';

const acme = () => {
  const tenant = loadTenants(TENANTS_FILE).find((t) => t.id === 'acme');
  if (!tenant) throw new Error('acme is not in the tenants file');
  return tenant;
};

/** acme with a custom approval domain and one-time codes (what a platform team adds to tenants.json). */
function withDomain(domain: Tenant['approvalDomain']): Tenant {
  const base = acme();
  return {
    ...base,
    approvals: {
      ...base.approvals,
      oneTimeCode: { from: [{ amount: '50000.00', currency: 'EUR' }], minutes: 10, attempts: 5 },
    },
    approvalDomain: domain,
  };
}

const id = (stack: TenantSettlementStack, c: { node: { defaultChild?: unknown } }) =>
  stack.resolve(stack.getLogicalId(c.node.defaultChild as never)) as string;

describe('the approval API on a custom domain with a hosted zone', () => {
  let stack: TenantSettlementStack;
  let template: Template;
  beforeAll(() => {
    const { app, stacks } = synthTenants({
      tenants: [
        withDomain({
          name: 'approvals.acme.example',
          hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'acme.example' },
        }),
      ],
      nag: true,
    });
    app.synth();
    stack = stacks[0] as TenantSettlementStack;
    template = Template.fromStack(stack);
  });

  it('gets a DNS-validated ACM certificate for the name in the zone', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'approvals.acme.example',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'approvals.acme.example', HostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      ],
    });
  });

  it('maps a regional TLS 1.2 API Gateway domain to the API stage', () => {
    const domain = stack.approvalDomain;
    if (!domain) throw new Error('no approval domain');
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'approvals.acme.example',
      DomainNameConfigurations: [
        {
          CertificateArn: { Ref: id(stack, domain.certificate as never) },
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
        },
      ],
    });
    template.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: {
        ApiId: { Ref: id(stack, stack.approvalApi.api) },
        DomainName: { Ref: id(stack, domain.domainName) },
        Stage: '$default',
      },
      DependsOn: Match.arrayWith([id(stack, stack.approvalApi.stage)]),
    });
  });

  it('points A and AAAA alias records of the name at the API domain', () => {
    const domain = stack.approvalDomain;
    if (!domain) throw new Error('no approval domain');
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'approvals.acme.example.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': [id(stack, domain.domainName), 'RegionalDomainName'] },
          HostedZoneId: { 'Fn::GetAtt': [id(stack, domain.domainName), 'RegionalHostedZoneId'] },
        },
      });
    }
  });

  it('puts the domain in the links, the operator output and the code policy in every function', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        APPROVAL_BASE_URL: 'https://approvals.acme.example',
        APPROVAL_CODE_FROM: '50000.00 EUR',
        APPROVAL_CODE_MINUTES: '10',
        APPROVAL_CODE_ATTEMPTS: '5',
      });
    }
    template.hasOutput('ApprovalApiUrl', { Value: 'https://approvals.acme.example' });
    template.hasOutput('ApprovalDomainTarget', {
      Value: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] },
    });
  });

  it('lets the approval page send the code email only from the tenant address', () => {
    const statements = statementsOfRole(
      template.toJSON() as CfnTemplate,
      id(stack, stack.steps.get('ApprovalApi').role),
    );
    expect(statements.find((s) => JSON.stringify(s.Action).includes('ses:'))).toMatchObject({
      Action: 'ses:SendEmail',
      Condition: { StringEquals: { 'ses:FromAddress': 'settlements@acme.example' } },
    });
  });

  it('passes the cdk-nag checks', () => {
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('the approval API on a custom domain with an existing certificate', () => {
  it('uses the certificate, creates no certificate or record, and outputs the CNAME target', () => {
    const arn = 'arn:aws:acm:eu-central-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666';
    const { stacks } = synthTenants({
      tenants: [withDomain({ name: 'approvals.acme.example', certificateArn: arn })],
    });
    const template = Template.fromStack(stacks[0] as TenantSettlementStack);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: arn })],
    });
    template.hasOutput('ApprovalDomainTarget', Match.anyValue());
  });
});

describe('a tenant without a custom domain or codes (the default)', () => {
  it('keeps the execute-api URL in the links and sets no code policy', () => {
    const { stacks } = synthTenants({ tenants: [acme()] });
    const stack = stacks[0] as TenantSettlementStack;
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(stack.approvalDomain).toBeUndefined();
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.APPROVAL_BASE_URL).toEqual({
        'Fn::GetAtt': [id(stack, stack.approvalApi.api), 'ApiEndpoint'],
      });
      expect(fn.Properties.Environment.Variables.APPROVAL_CODE_FROM).toBeUndefined();
    }
  });
});

describe('the tenants file', () => {
  const tenantWith = (extra: Record<string, unknown>) => {
    const { approvalDomain: _none, ...base } = acme();
    return { tenants: [{ ...base, ...extra }] };
  };

  it('refuses a custom domain with neither a hosted zone nor a certificate', () => {
    expect(() => parseTenants(tenantWith({ approvalDomain: { name: 'approvals.acme.example' } }))).toThrow(
      /approvalDomain: give hostedZone/,
    );
  });

  it('refuses a custom domain outside its hosted zone', () => {
    expect(() =>
      parseTenants(
        tenantWith({
          approvalDomain: {
            name: 'approvals.other.example',
            hostedZone: { id: 'Z123ABC', name: 'acme.example' },
          },
        }),
      ),
    ).toThrow(/inside its hosted zone/);
  });

  it('refuses a code threshold that is not a decimal string', () => {
    expect(() =>
      parseTenants(
        tenantWith({
          approvals: { ...acme().approvals, oneTimeCode: { from: [{ amount: 50000.5, currency: 'EUR' }] } },
        }),
      ),
    ).toThrow(/approvals\.oneTimeCode\.from\.0\.amount/);
  });

  it('defaults a code policy to 10 minutes and 5 attempts', () => {
    const [tenant] = parseTenants(
      tenantWith({
        approvals: { ...acme().approvals, oneTimeCode: { from: [{ amount: '50000.00', currency: 'EUR' }] } },
      }),
    );
    expect(tenant?.approvals.oneTimeCode).toEqual({
      from: [{ amount: '50000.00', currency: 'EUR' }],
      minutes: 10,
      attempts: 5,
    });
  });
});
