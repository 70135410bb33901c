import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { Progress } from '../../../infra/cli/progress.ts';
import { HistoryReader } from '../../../infra/cli/target/follow.ts';
import { executionHistory } from '../../../infra/local/server.ts';
import type { ExecutionRecord } from '../../../infra/local/step-functions.ts';

/** A Step Functions history, each event linked to its cause by previousEventId as AWS links them. */
function history(events: ReadonlyArray<[type: string, previous: number, extra?: Partial<HistoryEvent>]>) {
  return events.map(
    ([type, previous, extra], i): HistoryEvent => ({
      id: i + 1,
      previousEventId: previous,
      type: type as HistoryEvent['type'],
      timestamp: new Date(Date.UTC(2026, 11, 1, 0, 0, i)),
      ...extra,
    }),
  );
}

const entered = (name: string, input: unknown = {}) => ({
  stateEnteredEventDetails: { name, input: JSON.stringify(input) },
});
const exited = (name: string) => ({ stateExitedEventDetails: { name } });

describe('following a stack execution', () => {
  it('names a failure in a Map iteration after its own item while another item runs in parallel', () => {
    const lines: string[] = [];
    const reader = new HistoryReader(new Progress((line) => lines.push(line)));
    reader.read(
      history([
        ['ExecutionStarted', 0], // 1
        ['MapStateEntered', 1, entered('Collect')], // 2
        ['MapStateStarted', 2], // 3
        ['MapIterationStarted', 3], // 4
        ['MapIterationStarted', 3], // 5
        ['TaskStateEntered', 4, entered('CollectSource', { source: { id: 'toggl', connector: 'toggl' } })], // 6
        [
          'TaskStateEntered',
          5,
          entered('CollectSource', { source: { id: 'cloud', connector: 'aws-cost-explorer' } }),
        ], // 7
        ['TaskScheduled', 6], // 8
        ['TaskScheduled', 7], // 9
        ['TaskStarted', 8], // 10
        ['TaskStarted', 9], // 11
        [
          'TaskFailed',
          10,
          {
            taskFailedEventDetails: {
              resourceType: 'lambda',
              resource: 'invoke',
              error: 'SourceAuthError',
              cause: '{"errorMessage":"token expired"}',
            },
          },
        ], // 12
        ['TaskSucceeded', 11], // 13
        ['TaskStateExited', 13, exited('CollectSource')], // 14
        ['TaskScheduled', 12], // 15
        ['TaskStarted', 15], // 16
        ['TaskSucceeded', 16], // 17
        ['TaskStateExited', 17, exited('CollectSource')], // 18
      ]),
    );
    expect(
      lines.map((l) =>
        l
          .replace(/\s+\d+ ms$/, '')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    ).toEqual([
      '✗ Collect toggl SourceAuthError: token expired',
      '✓ Collect cloud (aws-cost-explorer)',
      '↻ Collect toggl retried',
      '✓ Collect toggl',
    ]);
  });

  it('says which state waits for a task token', () => {
    const reader = new HistoryReader(new Progress(() => {}));
    reader.read(
      history([
        ['ExecutionStarted', 0],
        ['TaskStateEntered', 1, entered('Approve')],
        ['TaskScheduled', 2],
        ['TaskStarted', 3],
        [
          'TaskSubmitted',
          4,
          { taskSubmittedEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda' } },
        ],
      ]),
    );
    expect(reader.waitingIn).toBe('Approve');
  });
});

describe('the local history read by the follower', () => {
  it('links each state event to its own Map iteration, so the follower names the failing item', () => {
    const at = Date.UTC(2026, 11, 1);
    const source = (id: string) => ({ source: { id, connector: id } });
    const record = {
      executionArn: 'arn:aws:states:eu-central-1:000000000000:execution:settlement-acme:x',
      stateMachineArn: 'arn:aws:states:eu-central-1:000000000000:stateMachine:settlement-acme',
      name: 'x',
      input: {},
      status: 'RUNNING',
      startDate: new Date(at),
      history: [
        { type: 'StateEntered', state: 'Collect', stateType: 'Map', timestamp: at },
        {
          type: 'StateEntered',
          state: 'CollectSource',
          stateType: 'Task',
          timestamp: at,
          iteration: 0,
          input: source('toggl'),
        },
        {
          type: 'StateEntered',
          state: 'CollectSource',
          stateType: 'Task',
          timestamp: at,
          iteration: 1,
          input: source('cloud'),
        },
        {
          type: 'StateFailed',
          state: 'CollectSource',
          stateType: 'Task',
          timestamp: at,
          iteration: 0,
          error: 'SourceAuthError',
          cause: 'expired',
        },
        { type: 'StateExited', state: 'CollectSource', stateType: 'Task', timestamp: at, iteration: 1 },
        { type: 'StateRetried', state: 'CollectSource', stateType: 'Task', timestamp: at, iteration: 0 },
        { type: 'StateExited', state: 'CollectSource', stateType: 'Task', timestamp: at, iteration: 0 },
      ],
      done: Promise.resolve(),
      redriveCount: 0,
    } satisfies ExecutionRecord;
    const lines: string[] = [];
    new HistoryReader(new Progress((line) => lines.push(line))).read(
      executionHistory(record).events as HistoryEvent[],
    );
    expect(
      lines.map((l) =>
        l
          .replace(/\s+\d+ ms$/, '')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    ).toEqual([
      '✗ Collect toggl SourceAuthError: expired',
      '✓ Collect cloud',
      '↻ Collect toggl retried',
      '✓ Collect toggl',
    ]);
  });
});
