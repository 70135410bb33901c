import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface TenantMailProps {
  /** Tenant id; the configuration set is named `settlement-<id>`. */
  readonly tenantId: string;
  /** Sender address; it (or its domain) must be a verified SES identity in the stack's region. */
  readonly mailFrom: string;
}

/**
 * Sending email for one tenant: an SES configuration set (TLS required, reputation metrics,
 * account suppression of bounces and complaints) that publishes bounces, complaints and rejects
 * to an SNS topic (alarmed by SettlementOperations: an approver who never gets the link is a
 * settlement that expires), and a grant that lets a function send only
 * from the tenant's address, only through that configuration set.
 *
 * The identity itself is not created here: verifying a domain needs DNS records the platform
 * team owns (deploy guide, "verify SES").
 */
export class TenantMail extends Construct {
  public readonly configurationSet: ses.ConfigurationSet;
  /** Bounce, complaint and reject notifications of the configuration set (SES event publishing). */
  public readonly deliveryProblems: sns.Topic;
  public readonly mailFrom: string;
  /** ARNs of the identities a function may send from: the address and its domain. */
  public readonly identityArns: string[];

  constructor(scope: Construct, id: string, props: TenantMailProps) {
    super(scope, id);
    this.mailFrom = props.mailFrom;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: `settlement-${props.tenantId}`,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.deliveryProblems = new sns.Topic(this, 'DeliveryProblems', {
      topicName: `settlement-${props.tenantId}-mail-problems`,
      displayName: `Settlement mail bounces and complaints (${props.tenantId})`,
      enforceSSL: true,
    });
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      configurationSetEventDestinationName: 'bounces-and-complaints',
      destination: ses.EventDestination.snsTopic(this.deliveryProblems),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
    });
    const domain = props.mailFrom.slice(props.mailFrom.indexOf('@') + 1);
    const stack = Stack.of(this);
    this.identityArns = [props.mailFrom, domain].map((identity) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
    );
  }

  /** ses:SendEmail from the tenant's address through the tenant's configuration set. */
  grantSend(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // SES v2 SendEmail (raw MIME included) is authorized as ses:SendEmail; SendRawEmail is the v1 API's.
        actions: ['ses:SendEmail'],
        resources: [...this.identityArns, configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': this.mailFrom } },
      }),
    );
  }
}
