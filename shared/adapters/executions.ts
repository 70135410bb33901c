import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { getClients } from './clients.ts';

/**
 * Whether a Step Functions execution is still running. An execution Step Functions does not know
 * (expired from its history, or a restarted local runtime) is not running.
 */
export async function isExecutionRunning(executionArn: string): Promise<boolean> {
  try {
    const result = await getClients().sfn.send(new DescribeExecutionCommand({ executionArn }));
    return result.status === 'RUNNING';
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') return false;
    throw error;
  }
}
