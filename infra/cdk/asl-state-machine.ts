import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ArnFormat, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeWildcardResource, nagArnOf, nagArnPrefix } from './nag.ts';

/** The `${Name}` placeholders of an ASL document, in order of first appearance. */
export function aslPlaceholders(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
}

/** Names of the Map states whose item processor runs in DISTRIBUTED mode (child workflows), at any depth. */
export function distributedMapStates(definition: unknown): string[] {
  const found: string[] = [];
  const walk = (states: Record<string, Record<string, unknown>> | undefined) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { ProcessorConfig?: { Mode?: string }; States?: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') found.push(name);
      walk(processor?.States);
      for (const branch of (state.Branches as Array<{ States?: Record<string, Record<string, unknown>> }>) ??
        []) {
        walk(branch.States);
      }
    }
  };
  walk((definition as { States?: Record<string, Record<string, unknown>> }).States);
  return found;
}

export class DefinitionSubstitutionError extends Error {
  override name = 'DefinitionSubstitutionError';
}

export interface AslStateMachineProps {
  /** The ASL file (statemachines/*.asl.json), the single source shared with the local runtime. */
  readonly definitionFile: string;
  /**
   * Published Lambda versions by placeholder name (`OpenSettlementFunctionArn` → version): the ASL
   * names the version, so a machine version always invokes the code it was published with. The role
   * may invoke any version of exactly these functions (a run that started before a deploy still
   * invokes the versions it names).
   */
  readonly functions: Readonly<Record<string, lambda.IVersion>>;
  /** Other placeholders (e.g. `SettlementStateMachineArn`); the caller grants what they need. @default - none */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Physical name; also the execution ARN prefix used in alarms and grants. */
  readonly stateMachineName: string;
  /** Retention of the execution log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Include execution input/output in the logs. Off by default: inputs carry the Approve
   * state's task token and settlement figures, which belong in the tenant's table, not in logs.
   * @default false
   */
  readonly includeExecutionData?: boolean;
}

/** The state machine alias every caller starts executions through (the scheduler, the nightly machine, the CLI). */
export const MACHINE_ALIAS = 'live';

/**
 * A standard Step Functions state machine loaded from an ASL file, with every `${…}`
 * placeholder substituted (synthesis fails on a missing or unused substitution), ALL-level
 * logging to its own log group, X-Ray tracing, and lambda:InvokeFunction on exactly the
 * functions it names. Each deploy that changes it publishes a version (old ones are kept) and
 * points the `live` alias at it: an execution runs to its end on the version it started on.
 */
export class AslStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;
  /** The version published from this deploy's revision; replaced versions are retained. */
  public readonly version: sfn.CfnStateMachineVersion;
  /** The `live` alias, pointing at {@link version} with all traffic. */
  public readonly alias: sfn.CfnStateMachineAlias;
  /** The ARN to start executions with: the `live` alias. */
  public readonly aliasArn: string;

  constructor(scope: Construct, id: string, props: AslStateMachineProps) {
    super(scope, id);
    const definition = readFileSync(props.definitionFile, 'utf8');
    const substitutions: Record<string, string> = {
      ...Object.fromEntries(Object.entries(props.functions).map(([name, v]) => [name, v.functionArn])),
      ...props.substitutions,
    };
    const placeholders = aslPlaceholders(definition);
    const missing = placeholders.filter((p) => !(p in substitutions));
    const unused = Object.keys(substitutions).filter((s) => !placeholders.includes(s));
    if (missing.length > 0 || unused.length > 0) {
      throw new DefinitionSubstitutionError(
        `${basename(props.definitionFile)}: missing substitutions [${missing.join(', ')}], unused [${unused.join(', ')}]`,
      );
    }

    // The /aws/vendedlogs/ prefix keeps CloudWatch Logs resource policies small (AWS guidance). The
    // group outlives the stack (its executions' history); it is named after the stack's id, which is
    // new for every creation of the stack, so deploying the tenant again after a destroy does not fail
    // on the old group's name, and a failed first create removes it (RETAIN_ON_UPDATE_OR_DELETE).
    const stackCreation = Fn.select(2, Fn.split('/', Stack.of(this).stackId));
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}-${stackCreation}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.includeExecutionData ?? false,
      },
    });

    // A new revision (definition, role, logging) replaces the version resource, i.e. publishes a new
    // version; RETAIN keeps the replaced one, so executions started on it run to their end.
    this.version = new sfn.CfnStateMachineVersion(this, 'Version', {
      stateMachineArn: this.stateMachine.stateMachineArn,
      stateMachineRevisionId: this.stateMachine.stateMachineRevisionId,
    });
    this.version.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.alias = new sfn.CfnStateMachineAlias(this, 'Live', {
      name: MACHINE_ALIAS,
      description: `Starts ${props.stateMachineName} on the version of the latest deploy`,
      routingConfiguration: [{ stateMachineVersionArn: this.version.attrArn, weight: 100 }],
    });
    this.aliasArn = this.alias.attrArn;

    const qualified = [...new Set(Object.values(props.functions).map((v) => v.lambda.functionArn))].map(
      (arn) => `${arn}:*`,
    );
    if (qualified.length > 0) {
      // Versions only (`<function>:<version>`), as the ASL names them: `$LATEST` through the
      // unqualified ARN is not granted. Every version, because a run that started before a deploy
      // resumes on the (retained) versions its machine version names.
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: qualified }),
      );
      for (const version of Object.values(props.functions)) {
        acknowledgeWildcardResource(
          this,
          `${nagArnOf(version.lambda.node.defaultChild as IConstruct)}:*`,
          'Invokes published versions of this function only; the version number is part of the ARN and ' +
            'a run that started before a deploy still invokes the version it was started with.',
        );
      }
    }
    if (distributedMapStates(JSON.parse(definition)).length > 0)
      this.allowDistributedMap(props.stateMachineName);
    acknowledgeWildcardResource(
      this,
      '*',
      'Logging to CloudWatch Logs needs logs:CreateLogDelivery/GetLogDelivery/UpdateLogDelivery/DeleteLogDelivery/' +
        'ListLogDeliveries/PutResourcePolicy/DescribeResourcePolicies/DescribeLogGroups, and X-Ray tracing needs ' +
        'xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets; AWS documents Resource "*" for all of them.',
    );
  }

  /**
   * Lets `grantee` start executions through the `live` alias and nothing else. StartExecution with an
   * alias ARN is authorized on the state machine's own ARN; the `states:StateMachineQualifier`
   * condition keeps the grant to starts through this alias (not `$LATEST`, not a pinned version).
   */
  grantStartThroughAlias(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:StartExecution'],
      resourceArns: [this.stateMachine.stateMachineArn],
      conditions: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': [MACHINE_ALIAS] } },
    });
  }

  /**
   * What AWS documents for a Distributed Map's child workflows: StartExecution on the state machine
   * itself, DescribeExecution/StopExecution on its executions (the children are
   * `execution:<name>/<map run>:<id>`). Built from the physical name: a reference to the machine's
   * own ARN in its role's policy would be a circular dependency. The ItemReader's s3:GetObject
   * (and ResultWriter's writes, if any) are granted by the owner of the bucket.
   */
  private allowDistributedMap(stateMachineName: string): void {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName: string) =>
      stack.formatArn({
        service: 'states',
        resource,
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [arn('stateMachine', stateMachineName)],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [arn('execution', `${stateMachineName}/*`)],
      }),
    );
    acknowledgeWildcardResource(
      this,
      `${nagArnPrefix(this, 'states')}:execution:${stateMachineName}/*`,
      'A Distributed Map starts its child workflow executions with generated names; AWS documents DescribeExecution/StopExecution ' +
        "on execution:<state machine name>/* for them. The wildcard covers only this state machine's own executions.",
    );
  }
}
