import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AslStateMachine } from './asl-state-machine.ts';

export interface NightlyScheduleProps {
  /** Tenant id; the nightly input is `{ tenantId }` and the schedule is named `settlement-nightly-<id>`. */
  readonly tenantId: string;
  /** IANA time zone the cron is evaluated in (daylight-saving changes follow it). */
  readonly timeZone: string;
  /** Local time of the run, HH:MM. */
  readonly nightlyTime: string;
  /** The nightly state machine; the schedule starts it through its `live` alias. */
  readonly stateMachine: AslStateMachine;
  /** Attempts when StartExecution fails (throttling, service errors). @default 3 */
  readonly retryAttempts?: number;
  /** A run that could not start within this time goes to the dead-letter queue. @default Duration.hours(2) */
  readonly maxEventAge?: Duration;
}

/**
 * EventBridge Scheduler: every night at the tenant's local time, start the nightly state machine
 * with `{ tenantId }`. A run that cannot be started lands in a dead-letter queue (alarmed).
 */
export class NightlySchedule extends Construct {
  public readonly schedule: scheduler.Schedule;
  /** Runs the scheduler could not start; one message = one missed night. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The cron expression as deployed, e.g. `cron(30 2 * * ? *)`. */
  public readonly expression: string;

  constructor(scope: Construct, id: string, props: NightlyScheduleProps) {
    super(scope, id);
    const [hour, minute] = props.nightlyTime.split(':').map((part) => String(Number(part)));
    if (hour === undefined || minute === undefined)
      throw new Error(`nightlyTime ${props.nightlyTime} is not HH:MM`);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the nightly EventBridge Scheduler target; cdk-nag only recognises SQS-to-SQS redrive.',
    });

    const expression = scheduler.ScheduleExpression.cron({
      minute,
      hour,
      day: '*',
      month: '*',
      year: '*',
      timeZone: TimeZone.of(props.timeZone),
    });
    this.expression = expression.expressionString;

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: `settlement-nightly-${props.tenantId}`,
      description: `Nightly settlement run of tenant ${props.tenantId} at ${props.nightlyTime} ${props.timeZone}`,
      schedule: expression,
      target: new StartThroughAlias(this, props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ tenantId: props.tenantId }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: props.maxEventAge ?? Duration.hours(2),
      }),
    });
  }
}

/**
 * The Scheduler's StartExecution target aimed at a state machine's `live` alias. The stock target
 * grants StartExecution on the ARN it starts; for an alias AWS authorizes the call on the state
 * machine's own ARN, so the grant is the machine's alias-scoped one instead.
 */
class StartThroughAlias extends targets.StepFunctionsStartExecution {
  private readonly machine: AslStateMachine;

  constructor(scope: Construct, machine: AslStateMachine, props: targets.ScheduleTargetBaseProps) {
    super(sfn.StateMachine.fromStateMachineArn(scope, 'LiveAlias', machine.aliasArn), props);
    this.machine = machine;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    this.machine.grantStartThroughAlias(role);
  }
}
