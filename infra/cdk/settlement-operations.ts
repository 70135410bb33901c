import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WRONG_SECRET_METRIC } from '../../shared/approval/throttle.ts';

export interface SettlementOperationsProps {
  readonly tenantId: string;
  readonly settlementMachine: sfn.StateMachine;
  readonly nightlyMachine: sfn.StateMachine;
  /** Functions whose Errors metric is alarmed, by a short name used in alarm names. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter queues whose depth is alarmed, by a short name. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** The approval API (5xx alarm and dashboard). @default - no API alarm */
  readonly api?: apigwv2.IHttpApi;
  /** Email subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** The SES bounce/complaint topic; a message on it raises the alarm. @default - no mail alarm */
  readonly mailProblems?: sns.ITopic;
  /** Alarm evaluation period. @default Duration.minutes(5) */
  readonly period?: Duration;
  /** Namespace the functions publish their metrics in (POWERTOOLS_METRICS_NAMESPACE). @default 'ProjectSettlement' */
  readonly metricsNamespace?: string;
  /**
   * Wrong approval-link secrets per period that raise the alarm (with the api). A 256-bit secret
   * is not guessed, so a few are typos or truncated links; more is someone trying. @default 5
   */
  readonly wrongSecretThreshold?: number;
}

/**
 * Operations for one tenant: an SNS alarm topic, alarms on failed and timed-out executions
 * of both state machines, on each function's errors, on dead-letter depth and API 5xx, and a
 * dashboard. Every alarm fires on the first occurrence: one failed settlement matters.
 */
export class SettlementOperations extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SettlementOperationsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const prefix = `settlement-${props.tenantId}`;

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      displayName: `Settlement alarms (${props.tenantId})`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);

    const alarm = (id: string, metric: cloudwatch.Metric, description: string): cloudwatch.Alarm => {
      const created = metric.createAlarm(this, id, {
        alarmName: `${prefix}-${id}`,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    const sum = { period, statistic: cloudwatch.Stats.SUM };
    alarm(
      'settlement-failed',
      props.settlementMachine.metricFailed(sum),
      'A settlement execution failed; its error is recorded on the settlement (RecordFailure).',
    );
    alarm(
      'settlement-timed-out',
      props.settlementMachine.metricTimedOut(sum),
      'A settlement execution timed out.',
    );
    alarm(
      'nightly-failed',
      props.nightlyMachine.metricFailed(sum),
      'The nightly run failed: due settlements may not have started.',
    );
    alarm('nightly-timed-out', props.nightlyMachine.metricTimedOut(sum), 'The nightly run timed out.');
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}-errors`, fn.metricErrors(sum), `The ${name} function reported errors.`);
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}-dead-letters`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        `Messages in the ${name} dead-letter queue: a run could not be delivered.`,
      );
    }
    if (props.mailProblems) {
      alarm(
        'mail-bounces-and-complaints',
        props.mailProblems.metricNumberOfMessagesPublished(sum),
        'SES reported a bounce, complaint or reject for a settlement email (an approval link may not have arrived); ' +
          'the notification on the mail-problems topic names the recipient.',
      );
    }
    if (props.api) {
      alarm(
        'approval-api-5xx',
        props.api.metricServerError(sum),
        'The approval API answered with server errors.',
      );
      const wrongSecrets = new cloudwatch.Metric({
        namespace: props.metricsNamespace ?? 'ProjectSettlement',
        metricName: WRONG_SECRET_METRIC,
        dimensionsMap: { service: 'approval-api', tenant: props.tenantId },
        ...sum,
      });
      const created = wrongSecrets.createAlarm(this, 'approval-wrong-secrets', {
        alarmName: `${prefix}-approval-wrong-secrets`,
        alarmDescription:
          'Wrong approval-link secrets were tried: someone is guessing links (the right secret still works; the guesser is throttled per client). See the approval-api log lines "wrong approval secret".',
        threshold: props.wrongSecretThreshold ?? 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    }

    const machines = [props.settlementMachine, props.nightlyMachine];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Executions',
            width: 12,
            left: machines.flatMap((m) => [
              m.metricStarted(sum),
              m.metricSucceeded(sum),
              m.metricFailed(sum),
              m.metricTimedOut(sum),
            ]),
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 12, alarms: this.alarms }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            width: 12,
            left: Object.values(props.functions).map((fn) => fn.metricErrors(sum)),
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration (p95)',
            width: 12,
            left: Object.values(props.functions).map((fn) =>
              fn.metricDuration({ period, statistic: cloudwatch.Stats.percentile(95) }),
            ),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Dead letters',
            width: 12,
            left: Object.values(props.deadLetterQueues).map((q) =>
              q.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
            ),
          }),
          ...(props.api
            ? [
                new cloudwatch.GraphWidget({
                  title: 'Approval API',
                  width: 12,
                  left: [
                    props.api.metricCount(sum),
                    props.api.metricClientError(sum),
                    props.api.metricServerError(sum),
                  ],
                }),
              ]
            : []),
        ],
      ],
    });
  }
}
