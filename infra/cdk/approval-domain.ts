import { CfnOutput } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

export interface ApprovalDomainProps {
  /** The approval links' HTTP API. */
  readonly api: apigwv2.IHttpApi;
  /** Its stage the domain maps to (the `$default` stage). */
  readonly stage: apigwv2.IHttpStage;
  /** The fully qualified domain name of the links, e.g. `approvals.acme.example`. */
  readonly domainName: string;
  /**
   * The Route 53 hosted zone the name is in: the certificate is validated by DNS in it and A/AAAA
   * alias records point the name at the API. @default none: create the DNS record yourself (a CNAME
   * to the `ApprovalDomainTarget` output), and give `certificateArn`
   */
  readonly hostedZone?: { readonly id: string; readonly name: string };
  /**
   * An existing ACM certificate for the name, in the stack's region (API Gateway regional
   * endpoints need it there). @default a new DNS-validated certificate in `hostedZone`
   */
  readonly certificateArn?: string;
}

/**
 * A custom domain for the approval API: the ACM certificate (TLS 1.2 minimum), the API Gateway
 * domain name mapped to the API's stage and, with a hosted zone, the Route 53 alias records. Emailed
 * links then point at the tenant's own domain, the one its mail is signed for (see the deploy guide
 * on DKIM and DMARC), instead of an `execute-api` host.
 */
export class ApprovalDomain extends Construct {
  public readonly certificate: acm.ICertificate;
  public readonly domainName: apigwv2.DomainName;
  /** The A and AAAA alias records (only with a hosted zone). */
  public readonly records: readonly (route53.ARecord | route53.AaaaRecord)[];
  /** The base URL of the links (APPROVAL_BASE_URL), without a trailing slash. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ApprovalDomainProps) {
    super(scope, id);
    if (!props.hostedZone && !props.certificateArn)
      throw new Error(`approval domain ${props.domainName}: give a hosted zone or a certificate ARN`);
    const zone = props.hostedZone
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: props.hostedZone.id,
          zoneName: props.hostedZone.name,
        })
      : undefined;
    this.certificate = props.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: props.domainName,
          // zone is set: the constructor refused a domain without either.
          validation: acm.CertificateValidation.fromDns(zone),
        });
    this.domainName = new apigwv2.DomainName(this, 'DomainName', {
      domainName: props.domainName,
      certificate: this.certificate,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
    const mapping = new apigwv2.ApiMapping(this, 'Mapping', {
      api: props.api,
      domainName: this.domainName,
      stage: props.stage,
    });
    // The `$default` stage is named, not referenced: create the mapping after the stage.
    mapping.node.addDependency(props.stage);
    const target = route53.RecordTarget.fromAlias(
      new targets.ApiGatewayv2DomainProperties(
        this.domainName.regionalDomainName,
        this.domainName.regionalHostedZoneId,
      ),
    );
    this.records = zone
      ? [
          new route53.ARecord(this, 'Alias', { zone, recordName: props.domainName, target }),
          new route53.AaaaRecord(this, 'AliasIpv6', { zone, recordName: props.domainName, target }),
        ]
      : [];
    const output = new CfnOutput(this, 'Target', {
      description: `DNS target of ${props.domainName} (a CNAME to it when no hosted zone is given)`,
      value: this.domainName.regionalDomainName,
    });
    output.overrideLogicalId('ApprovalDomainTarget');
    this.url = `https://${props.domainName}`;
  }
}
