import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * A small, local Step Functions service: it runs the project's ASL files with
 * `aws-local-stepfunctions` and adds what that interpreter lacks — executions with unique names,
 * task tokens for `.waitForTaskToken` tasks, SendTaskSuccess/SendTaskFailure, the
 * `states:startExecution` integration and the `lambda:invoke` integration's result shape. The
 * Lambda handlers it invokes are the same modules the cloud deploys.
 */

export type LambdaInvoker = (functionArn: string, payload: unknown) => Promise<unknown>;

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly startDate: Date;
  stopDate?: Date;
  output?: unknown;
  error?: string;
  cause?: string;
  readonly history: HistoryEvent[];
  readonly done: Promise<void>;
}

export interface HistoryEvent {
  readonly type: string;
  readonly state?: string;
  readonly timestamp: number;
  readonly error?: string;
  readonly cause?: string;
}

export interface Counters {
  stateTransitions: number;
  lambdaInvocations: Record<string, number>;
  lambdaMillis: Record<string, number>;
  executionsStarted: number;
}

export class LocalSfnError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface PendingToken {
  readonly executionArn: string;
  readonly stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

interface MachineEntry {
  readonly arn: string;
  readonly definition: StateMachineDefinition;
  readonly machine: StateMachine;
}

export interface LocalStepFunctionsOptions {
  readonly region: string;
  readonly accountId?: string;
  readonly invokeLambda: LambdaInvoker;
  /** Milliseconds to wait before each retry (0 in tests); the ASL's own intervals when omitted. */
  readonly retryIntervalMs?: number;
  /** Called for every history event (progress output, metrics). */
  readonly onEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
}

/** Replaces `${Name}` placeholders as CloudFormation's definitionSubstitutions does. */
export function substitute(definitionText: string, substitutions: Record<string, string>): string {
  return definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new LocalSfnError('States.Runtime', `No substitution for ${match}`);
    return value;
  });
}

type TaskStates = Array<{ name: string; resource: string; state: Record<string, unknown> }>;

/** Every Task state of a definition, including those inside Map and Parallel states. */
function collectTaskStates(
  definition: { States: Record<string, unknown> },
  into: TaskStates = [],
): TaskStates {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as Record<string, unknown>;
    if (state.Type === 'Task') into.push({ name, resource: String(state.Resource), state });
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, unknown> }
      | undefined;
    if (processor) collectTaskStates(processor, into);
    for (const branch of (state.Branches as Array<{ States: Record<string, unknown> }>) ?? []) {
      collectTaskStates(branch, into);
    }
  }
  return into;
}

/**
 * Step Functions reads a Task's `TimeoutSecondsPath` from the state input; aws-local-stepfunctions
 * reads it from the input after `Parameters`. To run the same file, a path that `Parameters` passes
 * on (e.g. `"approval.$": "$.approval"` inside `Payload`) is re-pointed at where it lands.
 */
function alignTimeoutPath(state: Record<string, unknown>): void {
  const path = state.TimeoutSecondsPath;
  if (typeof path !== 'string' || state.Parameters === undefined) return;
  const search = (node: unknown, at: string): string | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    for (const [key, value] of Object.entries(node)) {
      if (
        key.endsWith('.$') &&
        typeof value === 'string' &&
        (path === value || path.startsWith(`${value}.`))
      ) {
        return `${at}.${key.slice(0, -2)}${path.slice(value.length)}`;
      }
      const found = search(value, `${at}.${key}`);
      if (found) return found;
    }
    return undefined;
  };
  const aligned = search(state.Parameters, '$');
  if (aligned) state.TimeoutSecondsPath = aligned;
}

export class LocalStepFunctions {
  readonly counters: Counters = {
    stateTransitions: 0,
    lambdaInvocations: {},
    lambdaMillis: {},
    executionsStarted: 0,
  };
  private readonly machines = new Map<string, MachineEntry>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly tokens = new Map<string, PendingToken>();
  private readonly options: LocalStepFunctionsOptions;

  constructor(options: LocalStepFunctionsOptions) {
    this.options = options;
  }

  arnFor(kind: 'stateMachine' | 'execution', name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId ?? '000000000000'}:${kind}:${name}`;
  }

  /** Registers a state machine from an ASL file, with `${…}` substitutions as in CDK. */
  register(name: string, aslPath: string, substitutions: Record<string, string>): string {
    const text = substitute(readFileSync(aslPath, 'utf8'), substitutions);
    const definition = JSON.parse(text) as StateMachineDefinition;
    for (const task of collectTaskStates(definition as unknown as { States: Record<string, unknown> })) {
      alignTimeoutPath(task.state);
    }
    const arn = this.arnFor('stateMachine', name);
    this.machines.set(arn, { arn, definition, machine: new StateMachine(definition) });
    return arn;
  }

  listExecutions(stateMachineArn?: string): ExecutionRecord[] {
    return [...this.executions.values()].filter(
      (e) => !stateMachineArn || e.stateMachineArn === stateMachineArn,
    );
  }

  describeExecution(executionArn: string): ExecutionRecord {
    const execution = this.executions.get(executionArn);
    if (!execution)
      throw new LocalSfnError('ExecutionDoesNotExist', `Execution does not exist: ${executionArn}`);
    return execution;
  }

  /**
   * Starts an execution. Names are unique per state machine, as in AWS: a second start with the same
   * name fails with ExecutionAlreadyExists (Standard workflows keep names for 90 days).
   */
  startExecution(stateMachineArn: string, input: unknown, name: string = randomUUID()): ExecutionRecord {
    const entry = this.machines.get(stateMachineArn);
    if (!entry)
      throw new LocalSfnError('StateMachineDoesNotExist', `State machine does not exist: ${stateMachineArn}`);
    const machineName = stateMachineArn.split(':').pop() ?? 'machine';
    const executionArn = `${this.arnFor('execution', machineName)}:${name}`;
    if (this.executions.has(executionArn)) {
      throw new LocalSfnError('ExecutionAlreadyExists', `Execution already exists: '${executionArn}'`);
    }
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      done,
    };
    this.executions.set(executionArn, record);
    this.counters.executionsStarted += 1;
    void this.run(entry, record).finally(finish);
    return record;
  }

  /** Resolves a waiting `.waitForTaskToken` task with the given output (a JSON string). */
  sendTaskSuccess(taskToken: string, output: string): void {
    const pending = this.takeToken(taskToken);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new LocalSfnError('InvalidOutput', 'Output is not valid JSON');
    }
    pending.resolve(parsed);
  }

  /** Fails a waiting task: the error name is what the state's Retry/Catch match. */
  sendTaskFailure(taskToken: string, error = 'States.TaskFailed', cause = ''): void {
    const pending = this.takeToken(taskToken);
    pending.reject(new LocalSfnError(error, cause));
  }

  private takeToken(taskToken: string): PendingToken {
    const pending = this.tokens.get(taskToken);
    if (!pending) {
      // What AWS answers for a token that was used, timed out or never existed.
      throw new LocalSfnError('TaskTimedOut', 'Task Timed Out: the task token is no longer valid');
    }
    this.tokens.delete(taskToken);
    return pending;
  }

  private record(execution: ExecutionRecord, event: HistoryEvent): void {
    execution.history.push(event);
    this.options.onEvent?.(execution, event);
  }

  private buildOverrides(entry: MachineEntry, execution: ExecutionRecord) {
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const task of collectTaskStates(
      entry.definition as unknown as { States: Record<string, unknown> },
    )) {
      overrides[task.name] = (input) => this.runTask(task, input, execution);
    }
    return overrides;
  }

  private async invoke(functionArn: string, payload: unknown): Promise<unknown> {
    const started = performance.now();
    const fn = functionArn.split(':').pop() ?? functionArn;
    this.counters.lambdaInvocations[fn] = (this.counters.lambdaInvocations[fn] ?? 0) + 1;
    try {
      return await this.options.invokeLambda(functionArn, payload);
    } finally {
      this.counters.lambdaMillis[fn] = (this.counters.lambdaMillis[fn] ?? 0) + (performance.now() - started);
    }
  }

  private async runTask(
    task: TaskStates[number],
    input: unknown,
    execution: ExecutionRecord,
  ): Promise<unknown> {
    const params = (input ?? {}) as Record<string, unknown>;
    switch (task.resource) {
      case 'arn:aws:states:::lambda:invoke': {
        const payload = await this.invoke(String(params.FunctionName), params.Payload);
        return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
      }
      case 'arn:aws:states:::lambda:invoke.waitForTaskToken': {
        const token = randomBytes(96).toString('base64url');
        const payload = JSON.parse(JSON.stringify(params.Payload ?? {}), (_key, value) =>
          value === LOCAL_TOKEN_PLACEHOLDER ? token : value,
        );
        const waiting = new Promise<unknown>((resolve, reject) => {
          this.tokens.set(token, {
            executionArn: execution.executionArn,
            stateName: task.name,
            resolve,
            reject,
          });
        });
        try {
          await this.invoke(String(params.FunctionName), payload);
        } catch (error) {
          this.tokens.delete(token);
          throw error;
        }
        return waiting;
      }
      case 'arn:aws:states:::states:startExecution': {
        try {
          const started = this.startExecution(
            String(params.StateMachineArn),
            typeof params.Input === 'string' ? JSON.parse(params.Input) : params.Input,
            params.Name === undefined ? undefined : String(params.Name),
          );
          return { ExecutionArn: started.executionArn, StartDate: started.startDate.toISOString() };
        } catch (error) {
          if (error instanceof LocalSfnError && error.name === 'ExecutionAlreadyExists') {
            throw new LocalSfnError('StepFunctions.ExecutionAlreadyExistsException', error.message);
          }
          throw error;
        }
      }
      default:
        throw new LocalSfnError(
          'States.Runtime',
          `The local runtime has no integration for ${task.resource}`,
        );
    }
  }

  private async run(entry: MachineEntry, execution: ExecutionRecord): Promise<void> {
    const retryIntervalMs = this.options.retryIntervalMs;
    const retryIntervalOverrides: Record<string, number> = {};
    if (retryIntervalMs !== undefined) {
      for (const task of collectTaskStates(
        entry.definition as unknown as { States: Record<string, unknown> },
      )) {
        retryIntervalOverrides[task.name] = retryIntervalMs;
      }
    }
    const run = entry.machine.run(execution.input as never, {
      overrides: {
        taskResourceLocalHandlers: this.buildOverrides(entry, execution) as never,
        retryIntervalOverrides,
      },
      context: {
        Execution: { Id: execution.executionArn, Name: execution.name },
        StateMachine: { Id: entry.arn, Name: entry.arn.split(':').pop() },
        // The interpreter has no task tokens: the placeholder is swapped for a real token per task.
        Task: { Token: LOCAL_TOKEN_PLACEHOLDER },
      },
    });
    const logs = (async () => {
      for await (const event of run.eventLogs) {
        const e = event as {
          type: string;
          timestamp: number;
          state?: { name: string };
          Error?: string;
          Cause?: unknown;
        };
        if (e.type === 'StateEntered') this.counters.stateTransitions += 1;
        if (e.type === 'StateFailed' && e.state) this.expireTokens(execution.executionArn, e.state.name);
        this.record(execution, {
          type: e.type,
          timestamp: e.timestamp,
          ...(e.state ? { state: e.state.name } : {}),
          ...(e.Error ? { error: e.Error, cause: String(e.Cause ?? '') } : {}),
        });
      }
    })();
    try {
      execution.output = await run.result;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      const err = error as Error & { cause?: unknown };
      execution.status = err.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
      const inner = err.cause as { name?: string; message?: string } | undefined;
      execution.error = inner?.name ?? err.name;
      execution.cause = inner?.message ?? err.message;
    } finally {
      execution.stopDate = new Date();
      this.expireTokens(execution.executionArn);
      await logs.catch(() => undefined);
    }
  }

  /** A token dies when its state times out or fails, or when its execution ends. */
  private expireTokens(executionArn: string, stateName?: string): void {
    for (const [token, pending] of this.tokens) {
      if (pending.executionArn === executionArn && (!stateName || pending.stateName === stateName)) {
        this.tokens.delete(token);
      }
    }
  }
}

export const LOCAL_TOKEN_PLACEHOLDER = 'LOCAL_TASK_TOKEN_PLACEHOLDER';
