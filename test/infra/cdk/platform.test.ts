import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, type TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { STEPS } from '../../../infra/step-registry.ts';
import { WRONG_SECRET_METRIC } from '../../../shared/approval/throttle.ts';
import { acmeAndGlobex, type CfnTemplate, type Json, statementsOfRole, synthTenants } from './synth.ts';

let acme: TenantSettlementStack;
let globex: TenantSettlementStack;
let template: Template;
const id = (stack: TenantSettlementStack, c: { node: { defaultChild?: unknown } }) =>
  stack.resolve(stack.getLogicalId(c.node.defaultChild as never)) as string;

beforeAll(() => {
  const { stacks } = synthTenants({ tenants: acmeAndGlobex() });
  [acme, globex] = stacks as [TenantSettlementStack, TenantSettlementStack];
  template = Template.fromStack(acme);
});

describe('the tenant stacks', () => {
  it('are one Settlement-<id> stack per tenant, in the tenant region, tagged with the tenant', () => {
    expect([acme.stackName, globex.stackName]).toEqual(['Settlement-acme', 'Settlement-globex']);
    expect([acme.region, globex.region]).toEqual(['eu-central-1', 'us-east-1']);
    expect(acme.tags.tagValues()).toMatchObject({ tenant: 'acme', application: 'project-settlement' });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: Match.arrayWith([{ Key: 'tenant', Value: 'acme' }]),
    });
  });
});

describe('the nightly schedule', () => {
  it("starts the nightly machine through its live alias at the tenant's local time with { tenantId }", () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [acme.resolve(acme.getLogicalId(acme.nightly.alias)), 'Arn'] },
        Input: JSON.stringify({ tenantId: 'acme' }),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(acme, acme.schedule.deadLetterQueue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3 },
      },
    });
    Template.fromStack(globex).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 1 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
  });
});

describe('the functions', () => {
  const functions = () => Object.values(template.findResources('AWS::Lambda::Function'));

  it('are all Node 24 on arm64 with active tracing, JSON logs to their own log group, and the tenant environment', () => {
    expect(functions()).toHaveLength(STEPS.length);
    for (const fn of functions()) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
      });
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'TENANT_ID',
          'TABLE_NAME',
          'BUCKET_NAME',
          'MAIL_FROM',
          'APPROVAL_BASE_URL',
          'SES_CONFIGURATION_SET',
          'POWERTOOLS_SERVICE_NAME',
          'POWERTOOLS_METRICS_NAMESPACE',
          'LOG_LEVEL',
        ]),
      );
      expect(fn.Properties.Environment.Variables.APPROVAL_BASE_URL).toEqual({
        'Fn::GetAtt': [id(acme, acme.approvalApi.api), 'ApiEndpoint'],
      });
    }
  });

  it('keep their logs for a year, retained (fixed-name groups unless the first create fails)', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(STEPS.length);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(365);
      expect(group.DeletionPolicy).toBe(group.Properties.LogGroupName ? 'RetainExceptOnCreate' : 'Retain');
      expect(group.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('have no AWS managed policies: each role may write only to its own log group', () => {
    const step = acme.steps.get('OpenSettlement');
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.serializedJson(Match.stringLikeRegexp('lambda.amazonaws.com')),
      },
    });
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = statementsOfRole(template.toJSON() as CfnTemplate, id(acme, step.role));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [id(acme, step.logGroup), 'Arn'] },
      }),
    );
  });

  it('let query-cloud-costs read the night’s list, write it and the cost snapshot, and call Cost Explorer', () => {
    const step = acme.steps.get('QueryCloudCosts');
    const statements = statementsOfRole(template.toJSON() as CfnTemplate, id(acme, step.role));
    const bucketArn = { 'Fn::GetAtt': [id(acme, acme.data.workingBucket), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 's3:GetObject',
          Resource: expect.arrayContaining([
            objects('nightly/'),
            objects('exports/'),
            objects('athena-results/'),
          ]),
        }),
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: expect.arrayContaining([
            objects('nightly/'),
            objects('cloud-costs/'),
            objects('athena-results/'),
          ]),
        }),
        expect.objectContaining({
          Action: [
            ...['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'].sort(),
          ],
        }),
        expect.objectContaining({ Action: ['glue:GetPartitions', 'glue:GetTable'] }),
        expect.objectContaining({ Action: expect.arrayContaining(['ce:GetCostAndUsage']), Resource: '*' }),
      ]),
    );
    const actions = statements.flatMap((s) => [s.Action as Json].flat());
    expect(actions.filter((a) => typeof a === 'string' && /secretsmanager|ses:|states:/.test(a))).toEqual([]);
  });

  it('let collect-source read inbox/ and the cost snapshot, write raw/, read the credentials parameter, read and rotate the tenant secrets, call Cost Explorer and query the FOCUS export', () => {
    const step = acme.steps.get('CollectSource');
    const statements = statementsOfRole(template.toJSON() as CfnTemplate, id(acme, step.role));
    const bucketArn = { 'Fn::GetAtt': [id(acme, acme.data.workingBucket), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    const parameterArn = {
      'Fn::Join': [
        '',
        [
          'arn:aws:ssm:eu-central-1:',
          { Ref: 'AWS::AccountId' },
          ':parameter/settlement/acme/connector-credentials',
        ],
      ],
    };
    const actions = statements.flatMap((s) => [s.Action as Json].flat());
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 's3:GetObject',
          Resource: expect.arrayContaining([
            objects('inbox/'),
            objects('cloud-costs/'),
            objects('exports/'),
            objects('athena-results/'),
          ]),
        }),
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: [objects('athena-results/'), objects('raw/')],
        }),
        // A settlement started by hand queries the tenant's FOCUS export itself (no nightly snapshot).
        expect.objectContaining({
          Action: ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution'],
        }),
        expect.objectContaining({ Action: ['glue:GetPartitions', 'glue:GetTable'] }),
        // Read and rotate share the resource, so CDK merges them into one statement.
        expect.objectContaining({
          Action: [
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:aws:secretsmanager:eu-central-1:',
                { Ref: 'AWS::AccountId' },
                ':secret:settlement/acme/*',
              ],
            ],
          },
        }),
        expect.objectContaining({ Action: expect.arrayContaining(['ce:GetCostAndUsage']), Resource: '*' }),
        // The one parameter of static credentials, and the tenant key only where SSM decrypts it.
        expect.objectContaining({ Action: 'ssm:GetParameter', Resource: parameterArn }),
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Resource: { 'Fn::GetAtt': [id(acme, acme.data.key), 'Arn'] },
          Condition: {
            StringEquals: {
              'kms:EncryptionContext:PARAMETER_ARN': parameterArn,
              'kms:ViaService': 'ssm.eu-central-1.amazonaws.com',
            },
          },
        }),
      ]),
    );
    expect(actions.filter((a) => typeof a === 'string' && a.startsWith('ssm:'))).toEqual([
      'ssm:GetParameter',
    ]);
    expect(
      actions.filter((a) => typeof a === 'string' && /CreateSecret|DeleteSecret|PutResourcePolicy/.test(a)),
    ).toEqual([]);
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((a) => typeof a === 'string' && a.startsWith('ses:'))).toEqual([]);
  });

  it('let only the approval API and Approve (replaying a stored decision) answer task tokens', () => {
    const all = template.toJSON() as CfnTemplate;
    const responders = acme.steps
      .all()
      .filter((step) =>
        statementsOfRole(all, id(acme, step.role)).some((s) =>
          JSON.stringify(s.Action).includes('states:SendTask'),
        ),
      );
    expect(responders.map((s) => s.serviceName).sort()).toEqual(['approval-api', 'request-approval']);
    // SendTaskSuccess/Failure have no resource types in the service authorization reference: only "*" matches.
    expect(statementsOfRole(all, id(acme, acme.steps.get('ApprovalApi').role))).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['states:SendTaskSuccess']),
        Resource: '*',
      }),
    );
  });

  it('send mail only from the tenant address through its configuration set', () => {
    const statements = statementsOfRole(
      template.toJSON() as CfnTemplate,
      id(acme, acme.steps.get('RequestApproval').role),
    );
    const send = statements.find((s) => JSON.stringify(s.Action).includes('ses:'));
    expect(send).toMatchObject({
      Action: 'ses:SendEmail',
      Condition: { StringEquals: { 'ses:FromAddress': 'settlements@acme.example' } },
    });
    expect(JSON.stringify(send?.Resource)).toContain('identity/settlements@acme.example');
    expect(JSON.stringify(send?.Resource)).toContain('configuration-set/');
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'settlement-acme',
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
  });
});

describe('the approval API', () => {
  it("routes GET and POST /approvals/{id} to the approval handler's live alias", () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'GET /approvals/{id}',
      'POST /approvals/{id}',
    ]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { Ref: id(acme, acme.steps.get('ApprovalApi').alias) },
    });
  });

  it('is throttled and access-logged without query strings (links carry their secret there)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.not(Match.stringLikeRegexp('path|querystring|sig')),
      },
    });
  });
});

describe('operations', () => {
  const alarms = () =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const topicRef = () => ({ Ref: id(acme, acme.operations.topic) });

  it.each([
    ['ExecutionsFailed', 'settlement'],
    ['ExecutionsTimedOut', 'settlement'],
    ['ExecutionsFailed', 'nightly'],
    ['ExecutionsTimedOut', 'nightly'],
  ] as const)('alarms on %s of the %s machine at the first occurrence', (metric, machine) => {
    const arn = { Ref: id(acme, acme[machine].stateMachine) };
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: arn }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef()],
      }),
    );
  });

  it('alarms on the errors of every function', () => {
    const errors = alarms().filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda');
    const alarmed = errors.map((a) => JSON.stringify(a.Dimensions[0].Value));
    const expected = acme.steps.all().map((s) => JSON.stringify({ Ref: id(acme, s.function) }));
    expect(alarmed.sort()).toEqual(expected.sort());
  });

  it('alarms on the dead-letter queue depth and on API server errors', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [id(acme, acme.schedule.deadLetterQueue), 'QueueName'] },
          },
        ],
        AlarmActions: [topicRef()],
      }),
    );
    expect(alarms()).toContainEqual(
      expect.objectContaining({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' }),
    );
  });

  it('alarms on wrong approval-link secrets in the namespace the functions publish to', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: METRICS_NAMESPACE,
        MetricName: WRONG_SECRET_METRIC,
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'approval-api' },
          { Name: 'tenant', Value: 'acme' },
        ]),
        Statistic: 'Sum',
        Threshold: 5,
        AlarmActions: [topicRef()],
      }),
    );
  });

  it('sends alarms to an SSL-only topic with the tenant alarm email, and has a dashboard', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform@acme.example',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'settlement-acme' });
    Template.fromStack(globex).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform@globex.example',
    });
  });

  it("sends failed-settlement emails to the tenant's alarm address, never a made-up one", () => {
    for (const [stack, address] of [
      [acme, 'platform@acme.example'],
      [globex, 'platform@globex.example'],
    ] as const) {
      const fns = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
      expect(fns.length).toBeGreaterThan(0);
      for (const fn of fns) expect(fn.Properties.Environment.Variables.OPERATIONS_EMAIL).toBe(address);
    }
  });

  it('publishes SES bounces, complaints and rejects to an SSL-only topic whose first message raises an alarm', () => {
    const topicId = id(acme, acme.node.findChild('Mail').node.findChild('DeliveryProblems'));
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: id(acme, acme.node.findChild('Mail').node.findChild('ConfigurationSet')) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint', 'reject']),
        SnsDestination: { TopicARN: { Ref: topicId } },
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'settlement-acme-mail-bounces-and-complaints',
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfMessagesPublished',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topicId, 'TopicName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: id(acme, acme.operations.topic) }],
    });
  });
});
