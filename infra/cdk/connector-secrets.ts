import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import { credentialsParameterName } from '#adapters/credentials.ts';
import { acknowledgeWildcardResource, nagArnPrefix } from './nag.ts';
import { secretPrefix } from './tenants.ts';

export interface ConnectorSecretsProps {
  /** Tenant id; secrets are named `settlement/<id>/<name>`, the parameter `/settlement/<id>/connector-credentials`. */
  readonly tenantId: string;
  /**
   * Secrets Manager secrets from the tenants file: OAuth connectors whose refresh token rotates on use
   * (`quickbooks`). Static credentials go in the tenant's parameter instead.
   */
  readonly names: readonly string[];
  /** Key that encrypts the secret values and the parameter (the tenant's data key). */
  readonly encryptionKey: kms.IKey;
}

/**
 * Connector credentials of one tenant:
 * - static ones (API tokens, client secrets) in one SSM SecureString, `/settlement/<tenant>/connector-credentials`,
 *   encrypted with the tenant's key. CloudFormation cannot create a SecureString, so the platform team
 *   creates it with `aws ssm put-parameter --type SecureString --key-id alias/settlement/<tenant>/data`
 *   (deploy guide); the stack grants reading exactly that parameter and decrypting it, nothing else.
 * - rotating OAuth ones in Secrets Manager, a secret each under the tenant's prefix: CDK creates each
 *   with a random placeholder; the platform team stores the real credentials with
 *   `aws secretsmanager put-secret-value`. Retained on delete.
 */
export class ConnectorSecrets extends Construct {
  public readonly prefix: string;
  public readonly secrets: secretsmanager.Secret[];
  /** The SecureString of the static credentials (created outside CloudFormation). */
  public readonly parameterName: string;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ConnectorSecretsProps) {
    super(scope, id);
    this.prefix = secretPrefix(props.tenantId);
    this.parameterName = credentialsParameterName(props.tenantId);
    this.encryptionKey = props.encryptionKey;
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
        'No Secrets Manager rotation schedule. Only OAuth connectors whose refresh token rotates on use have a secret here (static API tokens ' +
        'and client secrets are in the SSM parameter, replaced by the platform team when the vendor issues new ones). For those (QuickBooks) the vendor rotates the ' +
        'refresh token on every refresh and the collect step writes the new one back (secretsmanager:PutSecretValue), so the secret changes only ' +
        'when a collection runs: a connection unused for longer than the vendor lets a refresh token live must be re-authorised by hand.',
    });
  }

  /**
   * Reads the connector credentials:
   * - ssm:GetParameter on the tenant's one parameter, and kms:Decrypt with the tenant key only where SSM
   *   decrypts that parameter (`kms:EncryptionContext:PARAMETER_ARN`, `kms:ViaService` ssm);
   * - secretsmanager:GetSecretValue on every secret under the tenant's prefix: the rotating OAuth
   *   secrets, and the per-connector secrets of a tenant deployed before the parameter (read when the
   *   parameter lacks a credential), so a secret added later works without a redeploy of the role. The
   *   ARN ends in `*` because Secrets Manager appends a random six-character suffix to each secret's ARN.
   */
  grantRead(grantee: iam.IGrantable & IConstruct): void {
    const parameterArn = this.parameterArn();
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameterArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.encryptionKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:PARAMETER_ARN': parameterArn,
            'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com`,
          },
        },
      }),
    );
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

  /** `arn:…:parameter/settlement/<tenant>/connector-credentials` (the name starts with `/`). */
  parameterArn(): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: this.parameterName.slice(1),
    });
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
