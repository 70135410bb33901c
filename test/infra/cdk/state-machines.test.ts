import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { AslStateMachine, aslPlaceholders } from '../../../infra/cdk/asl-state-machine.ts';
import type { StepName } from '../../../infra/cdk/settlement-steps.ts';
import { PROJECT_ROOT, type TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { type CfnTemplate, type Json, statementsOfRole, synthTenants } from './synth.ts';

const SETTLEMENT_FILE = resolve(PROJECT_ROOT, 'statemachines/settlement.asl.json');
const NIGHTLY_FILE = resolve(PROJECT_ROOT, 'statemachines/nightly.asl.json');

/** Placeholder → the step whose function ARN must fill it. */
const SETTLEMENT_FUNCTIONS: Record<string, StepName> = {
  OpenSettlementFunctionArn: 'openSettlement',
  CollectSourceFunctionArn: 'collectSource',
  ComputeSettlementFunctionArn: 'computeSettlement',
  VerifyContractFunctionArn: 'verifyContract',
  RecordOutcomeFunctionArn: 'recordOutcome',
  DraftStatementFunctionArn: 'draftStatement',
  RequestApprovalFunctionArn: 'requestApproval',
  HandleApprovalTimeoutFunctionArn: 'handleApprovalTimeout',
  FinaliseSettlementFunctionArn: 'finaliseSettlement',
  ArchiveSettlementFunctionArn: 'archiveSettlement',
  DistributeStatementFunctionArn: 'distributeStatement',
  RecordFailureFunctionArn: 'recordFailure',
};
const NIGHTLY_FUNCTIONS: Record<string, StepName> = {
  ListDueSettlementsFunctionArn: 'listDueSettlements',
  ComputeEarlyWarningsFunctionArn: 'computeEarlyWarnings',
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
const fnArn = (step: StepName): Json => ({
  'Fn::GetAtt': [logicalId(stack.steps.steps[step].function), 'Arn'],
});
const machineProps = (machine: AslStateMachine): Record<string, Json> =>
  template.Resources[logicalId(machine.stateMachine)]?.Properties as Record<string, Json>;

beforeAll(() => {
  const { stacks } = synthTenants();
  stack = stacks[0] as TenantSettlementStack;
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
});

describe('the settlement state machine', () => {
  it('is deployed from statemachines/settlement.asl.json with each placeholder set to its function ARN', () => {
    const intrinsics = Object.fromEntries(
      Object.entries(SETTLEMENT_FUNCTIONS).map(([p, step]) => [p, fnArn(step)]),
    );
    expect(Object.keys(intrinsics).sort()).toEqual(
      aslPlaceholders(readFileSync(SETTLEMENT_FILE, 'utf8')).sort(),
    );
    expect(deployedDefinition(machineProps(stack.settlement))).toEqual(
      expectedDefinition(SETTLEMENT_FILE, intrinsics),
    );
  });

  it('waits for a task token at Approve, with a timeout and a Catch for timeouts', () => {
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
    expect(timeout?.ErrorEquals).toContain('States.HeartbeatTimeout');
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

  it('may invoke exactly the twelve functions its definition names, unqualified', () => {
    const roleId = logicalId(stack.settlement.stateMachine.role as never);
    const invoke = statementsOfRole(template, roleId).filter((s) =>
      JSON.stringify(s.Action).includes('lambda:'),
    );
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.Action).toBe('lambda:InvokeFunction');
    const expected = [...new Set(Object.values(SETTLEMENT_FUNCTIONS))].map(fnArn);
    expect(invoke[0]?.Resource).toEqual(expect.arrayContaining(expected));
    expect(invoke[0]?.Resource).toHaveLength(expected.length);
  });
});

describe('the nightly state machine', () => {
  it('is deployed from statemachines/nightly.asl.json with its functions and the settlement machine ARN', () => {
    const intrinsics: Record<string, Json> = {
      ...Object.fromEntries(Object.entries(NIGHTLY_FUNCTIONS).map(([p, step]) => [p, fnArn(step)])),
      SettlementStateMachineArn: { Ref: logicalId(stack.settlement.stateMachine) },
    };
    expect(deployedDefinition(machineProps(stack.nightly))).toEqual(
      expectedDefinition(NIGHTLY_FILE, intrinsics),
    );
  });

  it('may start settlement executions and invoke its two functions, nothing else', () => {
    const roleId = logicalId(stack.nightly.stateMachine.role as never);
    const statements = statementsOfRole(template, roleId);
    const start = statements.filter((s) => JSON.stringify(s.Action).includes('states:'));
    expect(start).toEqual([
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: { Ref: logicalId(stack.settlement.stateMachine) },
      }),
    ]);
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    const expected = Object.values(NIGHTLY_FUNCTIONS).map(fnArn);
    expect(invoke?.Resource).toEqual(expect.arrayContaining(expected));
    expect(invoke?.Resource).toHaveLength(expected.length);
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
      /missing substitutions \[ListDueSettlementsFunctionArn, ComputeEarlyWarningsFunctionArn\], unused \[Unused\]/,
    );
  });
});
