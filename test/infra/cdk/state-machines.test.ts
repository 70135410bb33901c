import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { AslStateMachine, aslPlaceholders } from '../../../infra/cdk/asl-state-machine.ts';
import { PROJECT_ROOT, type TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { acmeAndGlobex, type CfnTemplate, type Json, statementsOfRole, synthTenants } from './synth.ts';

const SETTLEMENT_FILE = resolve(PROJECT_ROOT, 'statemachines/settlement.asl.json');
const NIGHTLY_FILE = resolve(PROJECT_ROOT, 'statemachines/nightly.asl.json');

/** Placeholder → the step whose function ARN must fill it. */
const SETTLEMENT_FUNCTIONS: Record<string, string> = {
  OpenSettlementFunctionArn: 'OpenSettlement',
  CollectSourceFunctionArn: 'CollectSource',
  CheckReadinessFunctionArn: 'CheckReadiness',
  AcquireSlotFunctionArn: 'AcquireSlot',
  ReleaseSlotFunctionArn: 'ReleaseSlot',
  ComputeSettlementFunctionArn: 'ComputeSettlement',
  VerifyContractFunctionArn: 'VerifyContract',
  RecordOutcomeFunctionArn: 'RecordOutcome',
  DraftStatementFunctionArn: 'DraftStatement',
  RequestApprovalFunctionArn: 'RequestApproval',
  HandleApprovalTimeoutFunctionArn: 'HandleApprovalTimeout',
  FinaliseSettlementFunctionArn: 'FinaliseSettlement',
  ArchiveSettlementFunctionArn: 'ArchiveSettlement',
  DistributeStatementFunctionArn: 'DistributeStatement',
  RecordFailureFunctionArn: 'RecordFailure',
};
const NIGHTLY_FUNCTIONS: Record<string, string> = {
  ListDueSettlementsFunctionArn: 'ListDueSettlements',
  QueryCloudCostsFunctionArn: 'QueryCloudCosts',
  ComputeEarlyWarningsFunctionArn: 'ComputeEarlyWarnings',
  SendDailySummaryFunctionArn: 'SendDailySummary',
};

/** A CloudFormation intrinsic rendered as a plain string that can sit inside the ASL's JSON strings. */
const marker = (intrinsic: Json): string => `<<${JSON.stringify(intrinsic).replaceAll('"', "'")}>>`;

/** The definition as CloudFormation will deploy it: DefinitionString (plain or Fn::Join) with DefinitionSubstitutions applied. */
function deployedDefinition(properties: Record<string, Json>): unknown {
  const raw = properties.DefinitionString as Json;
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    const join = (raw as { 'Fn::Join': [string, Json[]] })['Fn::Join'];
    text = join[1].map((part) => (typeof part === 'string' ? part : marker(part))).join(join[0]);
  }
  const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, Json>;
  const substituted = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    name in substitutions ? marker(substitutions[name] as Json) : whole,
  );
  return JSON.parse(substituted);
}

/** The ASL file with each placeholder replaced by the intrinsic it must become. */
function expectedDefinition(file: string, intrinsics: Record<string, Json>): unknown {
  const text = readFileSync(file, 'utf8').replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    name in intrinsics ? marker(intrinsics[name] as Json) : whole,
  );
  return JSON.parse(text);
}

let stack: TenantSettlementStack;
let template: CfnTemplate;
const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnFunction)) as string;
/** The version this deploy published of a step's function (Ref of AWS::Lambda::Version is its ARN). */
const versionArn = (step: string): Json => {
  // The version's logical id carries a hash of the code and configuration: find it by its function.
  const fn = logicalId(stack.steps.fn(step));
  const id = Object.entries(template.Resources).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Version' &&
      JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: fn }),
  )?.[0];
  if (!id) throw new Error(`no published version of ${step}`);
  return { Ref: id };
};
/** Any published version of a step's function, as the machine roles are granted it. */
const anyVersionArn = (step: string): Json => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.steps.fn(step)), 'Arn'] }, ':*']],
});
const aliasArn = (machine: AslStateMachine): Json => ({
  'Fn::GetAtt': [stack.resolve(stack.getLogicalId(machine.alias)) as string, 'Arn'],
});
const machineProps = (machine: AslStateMachine): Record<string, Json> =>
  template.Resources[logicalId(machine.stateMachine)]?.Properties as Record<string, Json>;

beforeAll(() => {
  const { stacks } = synthTenants({ tenants: acmeAndGlobex() });
  stack = stacks[0] as TenantSettlementStack;
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
});

describe('the settlement state machine', () => {
  it("is deployed from statemachines/settlement.asl.json with each placeholder set to its function's published version", () => {
    const intrinsics = Object.fromEntries(
      Object.entries(SETTLEMENT_FUNCTIONS).map(([p, step]) => [p, versionArn(step)]),
    );
    expect(Object.keys(intrinsics).sort()).toEqual(
      aslPlaceholders(readFileSync(SETTLEMENT_FILE, 'utf8')).sort(),
    );
    expect(deployedDefinition(machineProps(stack.settlement))).toEqual(
      expectedDefinition(SETTLEMENT_FILE, intrinsics),
    );
  });

  it('waits for a task token at Approve, with a timeout and a Catch for it (no heartbeat: nothing sends one)', () => {
    const definition = deployedDefinition(machineProps(stack.settlement)) as {
      States: Record<string, Record<string, Json>>;
    };
    const approve = definition.States.Approve as Record<string, Json>;
    expect(approve.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(approve.TimeoutSecondsPath ?? approve.TimeoutSeconds).toBeDefined();
    expect((approve.Parameters as Record<string, Json>).Payload as Json).toMatchObject({
      'taskToken.$': '$$.Task.Token',
    });
    const catchers = approve.Catch as { ErrorEquals: string[]; Next: string }[];
    const timeout = catchers.find((c) => c.ErrorEquals.includes('States.Timeout'));
    // A HeartbeatTimeout catch without HeartbeatSeconds could never fire: neither is declared.
    expect(approve.HeartbeatSeconds ?? approve.HeartbeatSecondsPath).toBeUndefined();
    expect(JSON.stringify(definition)).not.toContain('States.HeartbeatTimeout');
    expect(timeout?.Next).toBe('ApprovalTimedOut');
    expect(catchers.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('is a standard machine with ALL-level logging and X-Ray tracing', () => {
    const props = machineProps(stack.settlement);
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.StateMachineName).toBe('settlement-acme');
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  it('may invoke published versions of exactly the fifteen functions its definition names, never $LATEST', () => {
    const roleId = logicalId(stack.settlement.stateMachine.role as never);
    const invoke = statementsOfRole(template, roleId).filter((s) =>
      JSON.stringify(s.Action).includes('lambda:'),
    );
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.Action).toBe('lambda:InvokeFunction');
    const expected = [...new Set(Object.values(SETTLEMENT_FUNCTIONS))].map(anyVersionArn);
    expect(invoke[0]?.Resource).toEqual(expect.arrayContaining(expected));
    expect(invoke[0]?.Resource).toHaveLength(expected.length);
  });
});

describe('the nightly state machine', () => {
  it("is deployed from statemachines/nightly.asl.json with its functions' versions and the settlement machine's live alias", () => {
    const intrinsics: Record<string, Json> = {
      ...Object.fromEntries(Object.entries(NIGHTLY_FUNCTIONS).map(([p, step]) => [p, versionArn(step)])),
      SettlementStateMachineArn: aliasArn(stack.settlement),
    };
    expect(deployedDefinition(machineProps(stack.nightly))).toEqual(
      expectedDefinition(NIGHTLY_FILE, intrinsics),
    );
  });

  /** The deployed definition's StartEach state (a Distributed Map) and its child workflow. */
  const startEach = () =>
    (deployedDefinition(machineProps(stack.nightly)) as { States: Record<string, Record<string, Json>> })
      .States.StartEach as Record<string, Json>;

  it('fans out with a Distributed Map over the S3 item list, 100 items per child workflow', () => {
    const map = startEach();
    expect(map.Type).toBe('Map');
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.itemList.bucket', 'Key.$': '$.itemList.key' },
    });
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: 100,
      BatchInput: { 'tenantId.$': '$.tenantId', 'asOf.$': '$.asOf' },
    });
    expect(map.MaxConcurrency).toBe(10);
    expect(map.ToleratedFailurePercentage).toBe(5);
    // No result array in the state output (10,000 items would pass the 256 KiB limit).
    expect(map.ResultPath).toBeNull();
    const processor = map.ItemProcessor as Record<string, Json>;
    expect(processor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    const batch = (processor.States as Record<string, Record<string, Json>>)[processor.StartAt as string];
    expect(batch).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.Items',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' } },
    });
    expect(batch?.ResultSelector).toEqual({ 'items.$': 'States.ArrayLength($)' });
    expect((map.Catch as Array<Record<string, Json>>)[0]).toMatchObject({
      ErrorEquals: ['States.ALL'],
      Next: 'NightlyFailed',
    });
  });

  it('starts each settlement under its deterministic name and treats an existing one as already started', () => {
    const batch = (startEach().ItemProcessor as { States: Record<string, Record<string, Json>> }).States
      .StartBatch as Record<string, Json>;
    const states = (batch.ItemProcessor as { States: Record<string, Record<string, Json>> }).States;
    const start = states.StartSettlement as Record<string, Json>;
    expect(start.Resource).toBe('arn:aws:states:::states:startExecution');
    expect(start.Parameters).toEqual({
      StateMachineArn: `<<${JSON.stringify(aliasArn(stack.settlement)).replaceAll('"', "'")}>>`,
      'Name.$': '$.executionName',
      'Input.$': '$.input',
    });
    expect(start.Catch).toEqual([
      {
        ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'],
        ResultPath: '$.alreadyStarted',
        Next: 'AlreadyStarted',
      },
    ]);
    // Retry runs before Catch: a wildcard would retry "already exists" before catching it.
    const retried = (start.Retry as Array<{ ErrorEquals: string[] }>).flatMap((r) => r.ErrorEquals);
    expect(retried).not.toContain('States.ALL');
    expect(retried).not.toContain('States.TaskFailed');
    expect(retried).not.toContain('StepFunctions.ExecutionAlreadyExistsException');
    expect(states.AlreadyStarted?.Type).toBe('Pass');
  });

  it('may start settlement executions and its own child workflows, read nightly/, and invoke its four functions, nothing else', () => {
    const roleId = logicalId(stack.nightly.stateMachine.role as never);
    const statements = statementsOfRole(template, roleId);
    const ownArn = (resource: string) => ({
      'Fn::Join': ['', ['arn:aws:states:eu-central-1:', { Ref: 'AWS::AccountId' }, `:${resource}`]],
    });
    const states = statements.filter((s) => JSON.stringify(s.Action).includes('states:'));
    expect(states).toEqual([
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: ownArn('stateMachine:settlement-nightly-acme'),
      }),
      expect.objectContaining({
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: ownArn('execution:settlement-nightly-acme/*'),
      }),
      // Settlements through the live alias only: AWS authorizes an alias start on the machine's ARN.
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: { Ref: logicalId(stack.settlement.stateMachine) },
        Condition: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': ['live'] } },
      }),
    ]);
    const bucket = logicalId(stack.data.workingBucket);
    const s3 = statements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    // The Distributed Map's ItemReader reads one JSON object (the due list): GetObject, no listing.
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/nightly/*']] },
      }),
    ]);
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('kms:'))).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [logicalId(stack.data.key), 'Arn'] },
      }),
    ]);
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    const expected = Object.values(NIGHTLY_FUNCTIONS).map(anyVersionArn);
    expect(invoke?.Resource).toEqual(expect.arrayContaining(expected));
    expect(invoke?.Resource).toHaveLength(expected.length);
    const other = statements.filter(
      (s) => !/"(states|s3|kms|lambda|logs|xray):/.test(JSON.stringify(s.Action)),
    );
    expect(other).toEqual([]);
  });

  it('lets list-due write only under nightly/', () => {
    const roleId = logicalId(stack.steps.get('ListDueSettlements').role as never);
    const writes = statementsOfRole(template, roleId).filter((s) =>
      JSON.stringify(s.Action).includes('s3:Put'),
    );
    expect(writes).toEqual([
      expect.objectContaining({
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.data.workingBucket), 'Arn'] }, '/nightly/*']],
        },
      }),
    ]);
  });

  it("is started by the tenant's schedule at its local time with { tenantId }, through its live alias", () => {
    const schedules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties).toMatchObject({
      ScheduleExpression: 'cron(30 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: { Arn: aliasArn(stack.nightly), Input: '{"tenantId":"acme"}' },
    });
    const target = schedules[0]?.Properties?.Target as { RoleArn: { 'Fn::GetAtt': string[] } };
    const role = target.RoleArn['Fn::GetAtt'][0] as string;
    const starts = statementsOfRole(template, role).filter((s) =>
      JSON.stringify(s.Action).includes('states:'),
    );
    expect(starts).toEqual([
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: { Ref: logicalId(stack.nightly.stateMachine) },
        Condition: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': ['live'] } },
      }),
    ]);
  });
});

describe('versions', () => {
  /** Every Task state of a definition, at any depth (Map processors, Parallel branches). */
  const tasks = (definition: unknown): Record<string, Json>[] => {
    const found: Record<string, Json>[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const state = node as Record<string, Json>;
        if (state.Type === 'Task') found.push(state);
        Object.values(state).forEach(walk);
      }
    };
    walk(definition);
    return found;
  };

  it('has every Lambda Task of both machines invoke a published version, never the unqualified function', () => {
    const versions = new Set(
      [...stack.steps.functions.keys()].map((step) => JSON.stringify(versionArn(step))),
    );
    for (const machine of [stack.settlement, stack.nightly]) {
      const lambdaTasks = tasks(deployedDefinition(machineProps(machine))).filter((t) =>
        String(t.Resource).startsWith('arn:aws:states:::lambda:invoke'),
      );
      expect(lambdaTasks.length).toBeGreaterThan(0);
      for (const task of lambdaTasks) {
        const name = String((task.Parameters as Record<string, Json>).FunctionName);
        const intrinsic = name.slice(2, -2).replaceAll("'", '"');
        expect(versions.has(intrinsic), `${name} is not a published version`).toBe(true);
      }
    }
  });

  it('publishes a version of each state machine from its current revision and points the live alias at it', () => {
    for (const machine of [stack.settlement, stack.nightly]) {
      const version = template.Resources[stack.resolve(stack.getLogicalId(machine.version)) as string];
      expect(version?.Properties).toEqual({
        StateMachineArn: { Ref: logicalId(machine.stateMachine) },
        StateMachineRevisionId: { 'Fn::GetAtt': [logicalId(machine.stateMachine), 'StateMachineRevisionId'] },
      });
      const alias = template.Resources[stack.resolve(stack.getLogicalId(machine.alias)) as string];
      expect(alias?.Properties).toMatchObject({
        Name: 'live',
        RoutingConfiguration: [
          {
            StateMachineVersionArn: {
              'Fn::GetAtt': [stack.resolve(stack.getLogicalId(machine.version)), 'Arn'],
            },
            Weight: 100,
          },
        ],
      });
    }
  });

  it('keeps replaced function and state machine versions when a deploy publishes new ones', () => {
    const retained = (type: string) =>
      Object.values(template.Resources).filter((r) => r.Type === type) as Array<Record<string, Json>>;
    const functionVersions = retained('AWS::Lambda::Version');
    expect(functionVersions).toHaveLength(stack.steps.all().length);
    const machineVersions = retained('AWS::StepFunctions::StateMachineVersion');
    expect(machineVersions).toHaveLength(2);
    for (const version of [...functionVersions, ...machineVersions]) {
      expect(version.DeletionPolicy).toBe('Retain');
      expect(version.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('routes the approval API to the live alias of the approval function', () => {
    const permissions = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties?.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBeGreaterThan(0);
    const http = stack.steps.all().find((s) => s.alias === stack.steps.httpFunction());
    expect(http).toBeDefined();
    for (const permission of permissions) {
      expect(permission.Properties?.FunctionName).toEqual({
        Ref: stack.resolve(stack.getLogicalId(http?.alias.node.defaultChild as never)),
      });
    }
  });
});

describe('AslStateMachine', () => {
  it('refuses a definition whose placeholders are not all substituted', () => {
    const scratch = new Stack();
    expect(
      () =>
        new AslStateMachine(scratch, 'Nightly', {
          definitionFile: NIGHTLY_FILE,
          stateMachineName: 'x',
          functions: {},
          substitutions: { SettlementStateMachineArn: 'arn', Unused: 'x' },
        }),
    ).toThrow(
      /missing substitutions \[ListDueSettlementsFunctionArn, QueryCloudCostsFunctionArn, ComputeEarlyWarningsFunctionArn, SendDailySummaryFunctionArn\], unused \[Unused\]/,
    );
  });
});
