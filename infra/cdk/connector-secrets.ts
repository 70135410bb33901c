import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeWildcardResource, nagArnPrefix } from './nag.ts';
import { secretPrefix } from './tenants.ts';

export interface ConnectorSecretsProps {
  /** Tenant id; secrets are named `settlement/<id>/<name>`. */
  readonly tenantId: string;
  /** Secret names from the tenants file (e.g. `toggl`, `jira`). */
  readonly names: readonly string[];
  /** Key that encrypts the secret values (the tenant's data key). */
  readonly encryptionKey: kms.IKey;
}

/**
 * Connector credentials of one tenant in Secrets Manager, under the tenant's own name prefix.
 * CDK creates each secret with a random placeholder; the platform team stores the real
 * credentials with `aws secretsmanager put-secret-value` (deploy guide). Retained on delete.
 */
export class ConnectorSecrets extends Construct {
  public readonly prefix: string;
  public readonly secrets: secretsmanager.Secret[];

  constructor(scope: Construct, id: string, props: ConnectorSecretsProps) {
    super(scope, id);
    this.prefix = secretPrefix(props.tenantId);
    this.secrets = props.names.map(
      (name) =>
        new secretsmanager.Secret(this, `Secret-${name}`, {
          secretName: `${this.prefix}${name}`,
          description: `Connector credentials "${name}" of tenant ${props.tenantId} (JSON key/value pairs)`,
          encryptionKey: props.encryptionKey,
          // Kept with its credentials when the stack is deleted or the secret replaced; removed when the
          // stack's first create fails, so the retry does not fail on a name left behind.
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        }),
    );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'No Secrets Manager rotation schedule. API tokens and client secrets (Toggl, Clockify, Tempo, Jira, SAP, Azure) are issued at the vendor: ' +
        'the platform team rotates them there and stores the new value (deploy guide). For OAuth connectors (QuickBooks) the vendor rotates the ' +
        'refresh token on every refresh and the collect step writes the new one back (secretsmanager:PutSecretValue), so the secret changes only ' +
        'when a collection runs: a connection unused for longer than the vendor lets a refresh token live must be re-authorised by hand.',
    });
  }

  /**
   * secretsmanager:GetSecretValue on every secret under the tenant's prefix, so a secret added
   * later (same prefix) works without a redeploy of the role. The ARN ends in `*` because Secrets
   * Manager appends a random six-character suffix to each secret's ARN.
   */
  grantRead(grantee: iam.IGrantable & IConstruct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.prefixArn()],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      `${nagArnPrefix(this, 'secretsmanager')}:secret:${this.prefix}*`,
      `Connector secrets under ${this.prefix}, this tenant's prefix only; the ARN ends in * because Secrets Manager appends a random ` +
        'suffix to every secret ARN, and secrets added later under the same prefix need no role change.',
    );
  }

  /**
   * Writes new versions of the tenant's connector secrets and moves their AWSCURRENT label: an OAuth
   * provider that rotates its refresh token on every use (Intuit) needs the new token stored before
   * the access token is used; the label move is the compare-and-swap that keeps two runs from losing
   * each other's token. No CreateSecret, DeleteSecret or policy actions: only new values of existing secrets.
   */
  grantRotate(grantee: iam.IGrantable & IConstruct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [this.prefixArn()],
      }),
    );
  }

  /** `arn:…:secret:settlement/<tenant>/*`. */
  prefixArn(): string {
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.prefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}
