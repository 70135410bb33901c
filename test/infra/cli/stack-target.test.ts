import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../infra/cli/settle.ts';
import {
  checkStackOutputs,
  REQUIRED_OUTPUTS,
  regionOf,
  StackTargetError,
  stackErrorOf,
} from '../../../infra/cli/target/stack-target.ts';
import { STACK_OUTPUT_NAMES } from '../../../infra/stack-outputs.ts';
import { capture } from '../../support/cli-io.ts';

const complete = STACK_OUTPUT_NAMES.map((name) => ({ OutputKey: name, OutputValue: `value-of-${name}` }));

describe('the outputs of a deployed stack', () => {
  it('are read by name', () => {
    const outputs = checkStackOutputs('Settlement-acme', complete);
    expect(outputs.TableName).toBe('value-of-TableName');
    expect(outputs.SettlementAliasArn).toBe('value-of-SettlementAliasArn');
  });

  it.each(REQUIRED_OUTPUTS)('name the output %s when the stack lacks it', (name) => {
    const lacking = complete.filter((o) => o.OutputKey !== name);
    const error = (() => {
      try {
        checkStackOutputs('Settlement-acme', lacking);
      } catch (e) {
        return e as StackTargetError;
      }
      throw new Error('accepted a stack without an output');
    })();
    expect(error).toBeInstanceOf(StackTargetError);
    expect(error.message).toContain(`stack Settlement-acme has no output '${name}'`);
    expect(error.remedy).toContain('npx cdk deploy Settlement-acme');
  });

  it('explain a missing stack, a refused one and a missing region', () => {
    const missing = stackErrorOf(
      'Settlement-x',
      Object.assign(new Error('Stack with id Settlement-x does not exist'), { name: 'ValidationError' }),
    );
    expect(missing.message).toBe('stack Settlement-x does not exist in this account and region');
    const denied = stackErrorOf(
      'Settlement-x',
      Object.assign(new Error('User is not authorized to perform cloudformation:DescribeStacks'), {
        name: 'AccessDenied',
      }),
    );
    expect(denied.remedy).toContain('OperatorPolicyArn');
    expect(stackErrorOf('Settlement-x', new Error('Region is missing')).message).toBe(
      'no AWS region for stack Settlement-x',
    );
  });

  it('take the region from the environment, else from the tenant in infra/tenants.json', () => {
    expect(regionOf('Settlement-globex', { AWS_REGION: 'ap-east-1' })).toBe('ap-east-1');
    expect(regionOf('Settlement-globex', {})).toBe('us-east-1');
    expect(regionOf('Settlement-nobody', {})).toBeUndefined();
  });
});

describe('settle --stack refuses before anything runs', () => {
  let server: Server;
  let answered = 0;

  beforeAll(async () => {
    // A CloudFormation endpoint describing a stack deployed before SettlementAliasArn existed.
    server = createServer((req, res) => {
      answered += 1;
      req.resume();
      const outputs = complete
        .filter((o) => o.OutputKey !== 'SettlementAliasArn')
        .map(
          (o) =>
            `<member><OutputKey>${o.OutputKey}</OutputKey><OutputValue>${o.OutputValue}</OutputValue></member>`,
        )
        .join('');
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>Settlement-acme</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`,
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    vi.stubEnv(
      'AWS_ENDPOINT_URL_CLOUDFORMATION',
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_REGION', 'eu-central-1');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function settle(argv: string[]) {
    const out = capture();
    const err = capture();
    const code = await main(argv, { stdout: out.stream, stderr: err.stream });
    return { code, stdout: out.text(), stderr: err.text() };
  }

  it('exits 2 naming the output a stack lacks', async () => {
    const result = await settle(['status', '--stack', 'Settlement-acme']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("stack Settlement-acme has no output 'SettlementAliasArn'");
    expect(result.stderr).toContain('what to do: deploy the current version of the stack');
    expect(result.stdout).toBe('');
  });

  it('exits 2 when --stack meets --tenant or a local-only option, asking nothing of AWS', async () => {
    const before = answered;
    const both = await settle(['status', '--stack', 'Settlement-acme', '--tenant', 'acme']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --tenant (local state) or --stack (a deployed tenant), not both');
    const yes = await settle([
      'run',
      '--stack',
      'Settlement-acme',
      '--charter',
      'demo/acme/charter.json',
      '--files',
      'demo/acme',
      '--period',
      '2026-10',
      '--yes',
    ]);
    expect(yes.code).toBe(2);
    expect(yes.stderr).toContain('--yes is for local runs');
    const neither = await settle(['status']);
    expect(neither.stderr).toContain('--tenant is required (or --stack NAME for a deployed tenant)');
    expect(answered).toBe(before);
  });
});
