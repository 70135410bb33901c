import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACT_TABLES } from '#analytics/tables.ts';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { type CfnTemplate, synthTenants } from './synth.ts';

let stack: TenantSettlementStack;
let template: Template;
let json: CfnTemplate;

beforeAll(() => {
  const { stacks } = synthTenants();
  const first = stacks[0];
  if (!first) throw new Error('no tenant stack');
  stack = first;
  template = Template.fromStack(stack);
  json = template.toJSON() as CfnTemplate;
});

const ofType = (type: string) => Object.values(json.Resources).filter((r) => r.Type === type);

describe('the tenant analytics stack', () => {
  it('declares one Glue table per fact table, Parquet, with partition projection over tenant/year/month', () => {
    const tables = ofType('AWS::Glue::Table');
    expect(tables).toHaveLength(FACT_TABLES.length);
    for (const resource of tables) {
      const input = (resource.Properties?.TableInput ?? {}) as unknown as Record<string, unknown>;
      const parameters = input.Parameters as Record<string, string>;
      expect(parameters['projection.enabled']).toBe('true');
      expect(parameters['projection.tenant.type']).toBe('enum');
      expect(parameters['projection.month.digits']).toBe('2');
      expect(JSON.stringify(parameters['storage.location.template'])).toContain(
        'tenant=${tenant}/year=${year}/month=${month}/',
      );
      const descriptor = input.StorageDescriptor as { SerdeInfo: { SerializationLibrary: string } };
      expect(descriptor.SerdeInfo.SerializationLibrary).toBe(
        'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      );
      expect((input.PartitionKeys as Array<{ Name: string }>).map((k) => k.Name)).toEqual([
        'tenant',
        'year',
        'month',
      ]);
    }
    // No crawler: projection computes the partitions.
    expect(ofType('AWS::Glue::Crawler')).toEqual([]);
  });

  it('types money as DECIMAL in the catalog, never double or float', () => {
    const lines = ofType('AWS::Glue::Table').find(
      (r) => (r.Properties?.TableInput as { Name: string }).Name === 'statement_lines',
    );
    const columns = (
      lines?.Properties?.TableInput as { StorageDescriptor: { Columns: { Name: string; Type: string }[] } }
    ).StorageDescriptor.Columns;
    expect(columns.find((c) => c.Name === 'amount')?.Type).toBe('decimal(18,4)');
    const all = ofType('AWS::Glue::Table').flatMap(
      (r) =>
        (r.Properties?.TableInput as { StorageDescriptor: { Columns: { Type: string }[] } }).StorageDescriptor
          .Columns,
    );
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
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
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
