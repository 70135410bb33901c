import { CfnOutput } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { STACK_OUTPUTS, type StackOutputName } from '../stack-outputs.ts';

export interface OperatorOutputsProps {
  /** A value for every output of infra/stack-outputs.ts (tokens resolved at deploy time). */
  readonly values: Readonly<Record<StackOutputName, string>>;
}

/**
 * The stack's outputs for the command line (`settle … --stack Settlement-<tenant>`): one CfnOutput per
 * entry of STACK_OUTPUTS, with its description, under the output name the CLI reads. Names of
 * resources the CLI touches are never guessed from the tenant id.
 */
export class OperatorOutputs extends Construct {
  public readonly outputs: Readonly<Record<StackOutputName, CfnOutput>>;

  constructor(scope: Construct, id: string, props: OperatorOutputsProps) {
    super(scope, id);
    const outputs = {} as Record<StackOutputName, CfnOutput>;
    for (const [name, description] of Object.entries(STACK_OUTPUTS) as [StackOutputName, string][]) {
      const output = new CfnOutput(this, name, { value: props.values[name], description });
      // The output's name in DescribeStacks is its logical id: keep it the plain name, not a hashed path.
      output.overrideLogicalId(name);
      outputs[name] = output;
    }
    this.outputs = outputs;
  }
}
