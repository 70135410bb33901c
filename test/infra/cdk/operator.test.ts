import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUT_NAMES } from '../../../infra/stack-outputs.ts';
import { synthTenants } from './synth.ts';

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

let template: Template;
let statements: Statement[];
let buckets: { working: string; archive: string };

beforeAll(() => {
  const { stacks } = synthTenants();
  const acme = stacks.find((s) => s.stackName === 'Settlement-acme');
  if (!acme) throw new Error('no acme stack');
  template = Template.fromStack(acme);
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    acme.resolve(acme.getLogicalId(c.node.defaultChild as never)) as string;
  buckets = { working: logicalId(acme.data.workingBucket), archive: logicalId(acme.data.archiveBucket) };
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
    String((p.Properties as { Description?: string }).Description).includes('settle --stack'),
  );
  expect(policies).toHaveLength(1);
  const [policy] = policies;
  if (!policy) throw new Error('no operator policy');
  statements = (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;
}, 300_000);

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const bySid = (sid: string) => {
  const found = statements.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
};

describe('the stack for operators', () => {
  it('outputs every name the command line reads, under its plain name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Description: string }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(STACK_OUTPUT_NAMES));
    template.hasOutput('TenantId', { Value: 'acme' });
    template.hasOutput('SecretsPrefix', { Value: 'settlement/acme/' });
  });

  it('gives operators table access only to projects, settlements, locks and the chain head', () => {
    const table = bySid('ProjectsSettlementsAndTheChainHead');
    expect(actionsOf(table).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(table.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PROJECT#*', 'PROJECTS', 'ARCHIVE#HEAD'] },
    });
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
  });

  it('lets operators start runs only through the live alias, and write only the inbox', () => {
    expect(bySid('StartSettlementsThroughTheLiveAlias').Condition).toEqual({
      'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': ['live'] },
    });
    const writes = statements.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(JSON.stringify(writes.map((s) => s.Resource))).toContain('/inbox/*');
    expect(JSON.stringify(writes.map((s) => s.Resource))).not.toMatch(/archive\/\*|final\/\*/);
    const reads = JSON.stringify(bySid('ReadStatementsArchiveAndFacts').Resource);
    for (const area of ['raw/', 'emails/', 'nightly/', 'inbox/']) expect(reads).not.toContain(`/${area}*`);
  });

  it('lists each bucket only under the prefixes of its own areas: drafts and facts (working), final and archive (archive)', () => {
    expect(bySid('ListDraftsAndFacts')).toMatchObject({
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': [buckets.working, 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['drafts/*', 'facts/*'] } },
    });
    expect(bySid('ListStatementsAndArchive')).toMatchObject({
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': [buckets.archive, 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['final/*', 'archive/*'] } },
    });
    const reads = JSON.stringify(bySid('ReadStatementsArchiveAndFacts').Resource);
    expect(reads).toContain(`{"Fn::GetAtt":["${buckets.archive}","Arn"]},"/final/*"`);
    expect(reads).toContain(`{"Fn::GetAtt":["${buckets.archive}","Arn"]},"/archive/*"`);
    expect(reads).toContain(`{"Fn::GetAtt":["${buckets.working}","Arn"]},"/facts/*"`);
    expect(reads).not.toContain(`{"Fn::GetAtt":["${buckets.working}","Arn"]},"/final/*"`);
  });
});
