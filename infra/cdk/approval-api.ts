import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ApprovalApiProps {
  /** Tenant id, in the API name. */
  readonly tenantId: string;
  /** Steady-state requests per second across the API (approvers click links; bots should not). @default 10 */
  readonly rateLimit?: number;
  /** Burst capacity. @default 20 */
  readonly burstLimit?: number;
  /** Retention of the access log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The approval links' HTTP API (API Gateway v2): `GET /approvals/{id}` shows the summary and the
 * form, `POST /approvals/{id}` decides. Throttled, with JSON access logs. The routes are added
 * with `route()` once the handler exists, because every function needs the API's URL first.
 */
export class ApprovalApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `settlement-approvals-${props.tenantId}`,
      description: `Approval links of tenant ${props.tenantId}`,
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 10, burstLimit: props.burstLimit ?? 20 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // No query string in the log: approval links carry their secret in `?sig=`.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /** The base URL of the approval links (APPROVAL_BASE_URL), without a trailing slash. */
  get url(): string {
    return this.api.apiEndpoint;
  }

  /** Both routes to the approval handler. */
  route(handler: lambda.IFunction): apigwv2.HttpRoute[] {
    const integration = new integrations.HttpLambdaIntegration('ApprovalHandler', handler);
    const routes = this.api.addRoutes({
      path: '/approvals/{id}',
      methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
      integration,
    });
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Approval links are opened by finance approvers from email without an AWS or IdP session: each link carries a ' +
          'single-use, expiring 128-bit secret bound to one approver, checked by the handler against its stored hash.',
      });
    }
    return routes;
  }
}
