import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACT_TABLES } from '#analytics/tables.ts';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { acmeAndGlobex, type CfnTemplate, synthTenants } from './synth.ts';

let stack: TenantSettlementStack;
let template: Template;
let json: CfnTemplate;

beforeAll(() => {
  const { stacks } = synthTenants({ tenants: acmeAndGlobex() });
  const first = stacks[0];
  if (!first) throw new Error('no tenant stack');
  stack = first;
  template = Template.fromStack(stack);
  json = template.toJSON() as CfnTemplate;
});

const ofType = (type: string) => Object.values(json.Resources).filter((r) => r.Type === type);

type TableInput = {
  Name: string;
  Parameters: Record<string, string>;
  PartitionKeys: Array<{ Name: string }>;
  StorageDescriptor: {
    Columns: { Name: string; Type: string }[];
    SerdeInfo: { SerializationLibrary: string };
  };
};
const tableInput = (resource: { Properties?: Record<string, unknown> }) => {
  const input = resource.Properties?.TableInput as TableInput | undefined;
  if (!input) throw new Error('Glue table without TableInput');
  return input;
};

describe('the tenant analytics stack', () => {
  it('declares the FOCUS export table with partition projection by billing period, no crawler', () => {
    const focus = ofType('AWS::Glue::Table')
      .map(tableInput)
      .find((t) => t.Name === 'focus_export');
    expect(focus?.PartitionKeys.map((k) => k.Name)).toEqual(['billing_period']);
    expect(focus?.Parameters['projection.billing_period.type']).toBe('date');
    expect(focus?.Parameters['projection.billing_period.format']).toBe('yyyy-MM');
    expect(JSON.stringify(focus?.Parameters['storage.location.template'])).toContain(
      `/exports/focus/BILLING_PERIOD=\${billing_period}/`,
    );
    expect(focus?.StorageDescriptor.Columns.find((c) => c.Name === 'effectivecost')?.Type).toBe(
      'decimal(38,18)',
    );
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'settlement-acme-costs',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' } },
      },
    });
  });

  it('declares one Glue table per fact table, Parquet, with partition projection over tenant/year/month', () => {
    const tables = ofType('AWS::Glue::Table').filter((t) => tableInput(t).Name !== 'focus_export');
    expect(tables).toHaveLength(FACT_TABLES.length);
    for (const resource of tables) {
      const input = tableInput(resource);
      const parameters = input.Parameters;
      expect(parameters['projection.enabled']).toBe('true');
      expect(parameters['projection.tenant.type']).toBe('enum');
      expect(parameters['projection.month.digits']).toBe('2');
      expect(JSON.stringify(parameters['storage.location.template'])).toContain(
        ['tenant', 'year', 'month'].map((k) => `${k}=\${${k}}`).join('/'),
      );
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
        'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      );
      expect(input.PartitionKeys.map((k) => k.Name)).toEqual(['tenant', 'year', 'month']);
    }
    // No crawler: projection computes the partitions.
    expect(ofType('AWS::Glue::Crawler')).toEqual([]);
  });

  it('types money as DECIMAL in the catalog, never double or float', () => {
    const tables = ofType('AWS::Glue::Table').map(tableInput);
    const columns = tables.find((t) => t.Name === 'statement_lines')?.StorageDescriptor.Columns ?? [];
    expect(columns.find((c) => c.Name === 'amount')?.Type).toBe('decimal(18,4)');
    const all = tables.flatMap((t) => t.StorageDescriptor.Columns);
    expect(all.filter((c) => /double|float/.test(c.Type))).toEqual([]);
  });

  it('enforces an encrypted result location and a bytes-scanned limit on the Athena workgroup', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' },
        },
      },
    });
  });

  it('ships every SQL file of analytics/queries as a named query of the workgroup', () => {
    const names = ofType('AWS::Athena::NamedQuery').map((r) => r.Properties?.Name);
    expect(names).toEqual(
      expect.arrayContaining(['margin', 'cpi-spi-trend', 'utilisation', 'overrun-ranking', 'cycle-time']),
    );
  });

  it('gives the BI role read access to facts/ only, and Athena access to its own workgroup only', () => {
    const policy = ofType('AWS::IAM::ManagedPolicy').find((p) =>
      JSON.stringify(p.Properties?.PolicyDocument).includes('athena:StartQueryExecution'),
    );
    const document = policy?.Properties?.PolicyDocument as
      | { Statement: Array<Record<string, unknown>> }
      | undefined;
    const statements = document?.Statement ?? [];
    expect(statements.length).toBeGreaterThan(0);
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/"Resource":"\*"/);
    const read = statements.find((s) => s.Sid === 'ReadTheFacts');
    expect(JSON.stringify(read?.Resource)).toContain('/facts/*');
    const athena = statements.find((s) => s.Sid === 'RunQueriesInTheTenantWorkgroup');
    expect(JSON.stringify(athena?.Resource)).toContain(`:workgroup/${stack.analytics.workGroup.name}`);
    const writes = statements.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(writes.map((s) => s.Sid)).toEqual(['WriteAndReadQueryResults']);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ Ref: stack.getLogicalId(stack.analytics.biPolicy.node.defaultChild as never) }],
    });
  });
});
