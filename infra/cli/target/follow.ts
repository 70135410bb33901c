import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { type Progress, stateLabel } from '../progress.ts';

/**
 * Follows a Step Functions execution through its history (DescribeExecution + GetExecutionHistory)
 * and prints the same progress lines a local run prints. Stops when the execution ends or, with
 * `untilWaiting`, when it waits for a task token (an approval): that wait may last days.
 */

export interface FollowResult {
  readonly execution: DescribeExecutionCommandOutput;
  /** The state waiting for a task token when following stopped there (`Approve`). */
  readonly waitingIn?: string;
}

export interface FollowOptions {
  readonly untilWaiting: boolean;
  /** First poll interval; it doubles up to `maxPollMs`. @default 200 */
  readonly pollMs?: number;
  /** @default 5000 */
  readonly maxPollMs?: number;
}

const FAILED = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'ActivityFailed',
]);

interface OpenState {
  readonly name: string;
  readonly label: string;
  failed: boolean;
}

/**
 * Turns history events into progress lines; keeps which states are open. Task events belong to the
 * state they follow by `previousEventId` (Step Functions links each event to the one that caused it),
 * so a failure in one of a Map's parallel iterations is named after its own item, not after whichever
 * iteration entered last. Without a known link (a history that numbers events in sequence) the
 * innermost open state is taken.
 */
export class HistoryReader {
  private lastId = 0;
  private readonly open: OpenState[] = [];
  /** The state each seen event belongs to, by event id. */
  private readonly stateOf = new Map<number, OpenState>();
  /** The state whose task waits for its token, if the latest event says so. */
  waitingIn: string | undefined;
  private readonly progress: Progress;

  constructor(progress: Progress) {
    this.progress = progress;
  }

  read(events: readonly HistoryEvent[]): void {
    for (const event of events) {
      const id = event.id ?? 0;
      if (id <= this.lastId) continue;
      this.lastId = id;
      const type = event.type ?? '';
      const at = event.timestamp ? new Date(event.timestamp).getTime() : 0;
      this.waitingIn = undefined;
      if (type.endsWith('StateEntered') && type !== 'ChoiceStateEntered') {
        const details = event.stateEnteredEventDetails;
        const name = details?.name ?? '';
        let input: unknown;
        try {
          input = JSON.parse(details?.input ?? 'null');
        } catch {
          input = undefined;
        }
        const state: OpenState = { name, label: stateLabel(name, input), failed: false };
        this.open.push(state);
        this.stateOf.set(id, state);
        this.progress.enter(state.label, at);
        continue;
      }
      const linked = this.linked(event);
      if (type.endsWith('StateExited') && type !== 'ChoiceStateExited') {
        const name = event.stateExitedEventDetails?.name ?? '';
        const state = linked?.name === name ? linked : this.open.findLast((s) => s.name === name);
        const index = state ? this.open.indexOf(state) : -1;
        if (index >= 0) this.open.splice(index, 1);
        this.progress.exit(state?.label ?? name, at);
        continue;
      }
      const state = linked ?? this.current();
      if (state) this.stateOf.set(id, state);
      if (FAILED.has(type)) {
        const details = (event.taskFailedEventDetails ??
          event.taskTimedOutEventDetails ??
          event.lambdaFunctionFailedEventDetails ??
          event.activityFailedEventDetails) as { error?: string; cause?: string } | undefined;
        if (state) state.failed = true;
        this.progress.fail(state?.label ?? 'the workflow', details?.error ?? 'Error', details?.cause);
      } else if (type === 'TaskScheduled') {
        if (state?.failed) {
          state.failed = false;
          this.progress.retry(state.label);
        }
      } else if (
        type === 'TaskSubmitted' &&
        /waitForTaskToken/.test(event.taskSubmittedEventDetails?.resource ?? '')
      ) {
        this.waitingIn = state?.label;
      }
    }
  }

  /** The open state the event's cause belongs to, when the history links it to one. */
  private linked(event: HistoryEvent): OpenState | undefined {
    const state = this.stateOf.get(event.previousEventId ?? 0);
    return state && this.open.includes(state) ? state : undefined;
  }

  /** The innermost open state (where a task event belongs). */
  private current(): OpenState | undefined {
    return this.open[this.open.length - 1];
  }
}

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        includeExecutionData: true,
        nextToken,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Follows `executionArn` until it ends (or waits for a token, with `untilWaiting`). */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  progress: Progress,
  options: FollowOptions,
): Promise<FollowResult> {
  const reader = new HistoryReader(progress);
  let pause = options.pollMs ?? 200;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    reader.read(await history(sfn, executionArn));
    if (execution.status !== 'RUNNING') return { execution };
    if (options.untilWaiting && reader.waitingIn) return { execution, waitingIn: reader.waitingIn };
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, options.maxPollMs ?? 5000);
  }
}
