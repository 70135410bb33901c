import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { getClients } from '#adapters/clients.ts';

/**
 * A small, local Step Functions service: it runs the project's ASL files with
 * `aws-local-stepfunctions` and adds what that interpreter lacks — executions with unique names,
 * task tokens for `.waitForTaskToken` tasks, SendTaskSuccess/SendTaskFailure, the
 * `states:startExecution` integration and the `lambda:invoke` integration's result shape, and runs
 * a Distributed Map through a documented compat shim (see rewriteDistributedMaps). The Lambda
 * handlers it invokes are the same modules the cloud deploys.
 */

export type LambdaInvoker = (functionArn: string, payload: unknown) => Promise<unknown>;

export interface ExecutionRecord {
  readonly executionArn: string;
  /** The unqualified state machine ARN, also when the execution was started through an alias. */
  readonly stateMachineArn: string;
  /** The alias the execution was started through, as DescribeExecution reports it. */
  readonly stateMachineAliasArn?: string;
  readonly name: string;
  readonly input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly startDate: Date;
  stopDate?: Date;
  output?: unknown;
  error?: string;
  cause?: string;
  readonly history: HistoryEvent[];
  /** Settles when the execution (or its latest redrive) ends. */
  done: Promise<void>;
  /** How often the execution was redriven (RedriveExecution), and when last. */
  redriveCount: number;
  redriveDate?: Date;
}

/** Where a redrive restarts an execution: the top-level state it failed in, and that state's input. */
interface RestartPoint {
  readonly state: string;
  readonly input: unknown;
}

/** An execution as kept on disk between processes (the local service's stand-in for AWS's history). */
interface StoredExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineAliasArn?: string;
  readonly name: string;
  readonly input: unknown;
  readonly status: ExecutionRecord['status'];
  readonly startDate: string;
  readonly stopDate?: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly history: HistoryEvent[];
  readonly redriveCount: number;
  readonly redriveDate?: string;
  readonly restartPoint?: RestartPoint;
}

export interface HistoryEvent {
  readonly type: string;
  readonly state?: string;
  /** The state's type (`Task`, `Map`, `Choice`, …) for progress output. */
  readonly stateType?: string;
  readonly timestamp: number;
  readonly error?: string;
  readonly cause?: string;
  /** A state's input, on `StateEntered` (GetExecutionHistory reports it, as AWS does). */
  readonly input?: unknown;
  /** The Map iteration the state runs in, when it runs in one. */
  readonly iteration?: number;
}

export interface Counters {
  stateTransitions: number;
  lambdaInvocations: Record<string, number>;
  lambdaMillis: Record<string, number>;
  executionsStarted: number;
}

/** Builds a value on first use. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

const VALIDATED_DIR = resolve(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '.cache',
  'local-sfn-validated',
);

/**
 * The interpreter validates a definition whenever a StateMachine is built; asl-validator compiles
 * its JSON Schemas with a fresh Ajv each time (about 1 s of CPU). A definition that passed once is
 * remembered by its SHA-256 (and the interpreter's version) under node_modules/.cache, so later
 * processes build it without validating again; anything changed is validated afresh.
 */
function buildMachine(definition: StateMachineDefinition): StateMachine {
  const key = createHash('sha256')
    .update(`aws-local-stepfunctions@3.0.0\n${JSON.stringify(definition)}`)
    .digest('hex');
  const marker = join(VALIDATED_DIR, key);
  if (existsSync(marker)) return new StateMachine(definition, { validationOptions: { noValidate: true } });
  const machine = new StateMachine(definition);
  try {
    mkdirSync(VALIDATED_DIR, { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // A read-only install validates every time; nothing else changes.
  }
  return machine;
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
  /** Aliases and versions executions may be started through (`live`, `1`). */
  readonly qualifiers: readonly string[];
  readonly definition: StateMachineDefinition;
  /** Built (its definition validated) on the first start: a runtime that runs one machine validates one. */
  readonly machine: () => StateMachine;
  /** Distributed Maps of the definition, by state name (rewritten to shim Tasks in `definition`). */
  readonly distributedMaps: ReadonlyMap<string, DistributedMapShim>;
  /** Every Task state, including those of the Distributed Maps' item processors. */
  readonly tasks: TaskStates;
  /** The definition started at another top-level state (what a redrive runs), built once per state. */
  readonly machineFrom: (state: string) => StateMachine;
}

export interface LocalStepFunctionsOptions {
  readonly region: string;
  readonly accountId?: string;
  readonly invokeLambda: LambdaInvoker;
  /** Milliseconds to wait before each retry (0 in tests); the ASL's own intervals when omitted. */
  readonly retryIntervalMs?: number;
  /** Milliseconds a Wait state waits (tests); the ASL's own `Seconds` when omitted. */
  readonly waitMs?: number;
  /** Called for every history event (progress output, metrics). */
  /** Each history event; `input` is the state's input (kept in the history on StateEntered only). */
  readonly onEvent?: (execution: ExecutionRecord, event: HistoryEvent, input?: unknown) => void;
  /**
   * Reads an S3 object for a Distributed Map's ItemReader. Default: GetObject with the handlers'
   * S3 client (the local runtime points it at s3rver through S3_ENDPOINT).
   */
  readonly readObject?: (bucket: string, key: string) => Promise<string>;
  /**
   * Authorizes a call a state machine makes with its own role (Lambda invoke, StartExecution); throws
   * when the role's policies refuse it. Default: everything allowed.
   */
  readonly authorize?: (
    stateMachineArn: string,
    action: string,
    resource: string,
    context?: Readonly<Record<string, string | readonly string[]>>,
  ) => Promise<void>;
  /**
   * Where finished executions are kept as JSON (one folder per state machine), so a later process
   * (the CLI's `settle redrive`, `settle status`) finds them as AWS would: names stay taken, failed
   * executions can be redriven. Nothing is kept when omitted.
   */
  readonly executionsDir?: string;
  /** Runs an SDK call of a state machine (the ItemReader's GetObject) as that machine's role. */
  readonly runAsMachine?: <T>(stateMachineArn: string, call: () => Promise<T>) => Promise<T>;
}

/**
 * A state machine ARN split into the machine and its qualifier (alias name or version number):
 * `…:stateMachine:settlement-acme:live` → `…:stateMachine:settlement-acme` and `live`.
 */
export function splitMachineArn(arn: string): { machineArn: string; qualifier?: string } {
  const parts = arn.split(':');
  if (parts.length === 8 && parts[5] === 'stateMachine')
    return { machineArn: parts.slice(0, 7).join(':'), qualifier: parts[7] as string };
  return { machineArn: arn };
}

/**
 * The function name of a Lambda ARN, qualified or not: `…:function:ComputeSettlement:1` →
 * `ComputeSettlement` (a name passed as is stays as it is).
 */
export function functionNameOf(functionArn: string): string {
  const parts = functionArn.split(':');
  return parts[5] === 'function' ? (parts[6] ?? functionArn) : functionArn;
}

/** Replaces `${Name}` placeholders as CloudFormation's definitionSubstitutions does. */
export function substitute(definitionText: string, substitutions: Record<string, string>): string {
  return definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new LocalSfnError('States.Runtime', `No substitution for ${match}`);
    return value;
  });
}

type TaskStates = Array<{
  name: string;
  resource: string;
  state: Record<string, unknown>;
  /** The Map and Parallel states around the Task, innermost first (an error propagates through them). */
  enclosing: ReadonlyArray<Record<string, unknown>>;
}>;

/** Every Task state of a definition, including those inside Map and Parallel states. */
function collectTaskStates(
  definition: { States: Record<string, unknown> },
  into: TaskStates = [],
  enclosing: ReadonlyArray<Record<string, unknown>> = [],
): TaskStates {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as Record<string, unknown>;
    if (state.Type === 'Task') into.push({ name, resource: String(state.Resource), state, enclosing });
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, unknown> }
      | undefined;
    if (processor) collectTaskStates(processor, into, [state, ...enclosing]);
    for (const branch of (state.Branches as Array<{ States: Record<string, unknown> }>) ?? []) {
      collectTaskStates(branch, into, [state, ...enclosing]);
    }
  }
  return into;
}

// ── Service limits ────────────────────────────────────────────────────────────────────────────

/** Step Functions: a state's input (after Parameters), its output, and a connector's result. */
export const MAX_STATE_PAYLOAD_BYTES = 256 * 1024;
/** Lambda: a synchronous invocation's response (the figure Lambda's own error message names). */
export const MAX_LAMBDA_RESPONSE_BYTES = 6_291_556;
/** Step Functions (Standard): events in one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;

/** The size AWS measures: the UTF-8 bytes of the JSON text. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/**
 * How many events AWS writes to an execution's history for one event of the interpreter: a Task
 * attempt is TaskScheduled, TaskStarted and TaskSucceeded/TaskFailed (plus TaskStateExited when it
 * succeeds); a Map or Parallel adds its Started and Succeeded events to its Exited one; a retry
 * writes no event of its own.
 */
function awsHistoryEvents(type: string, stateType: string | undefined): number {
  if (type === 'StateRetried') return 0;
  if (stateType === 'Task' && type === 'StateExited') return 4;
  if (stateType === 'Task' && type === 'StateFailed') return 3;
  if ((stateType === 'Map' || stateType === 'Parallel') && type === 'StateExited') return 3;
  return 1;
}

/**
 * `States.DataLimitExceeded` as Step Functions treats it: a terminal error that `States.ALL` (and
 * `States.TaskFailed`) do not match, in Retry or in Catch; a retrier or catcher that names it does.
 *
 * The interpreter asks an error `isRetryable` once per retrier and `isCatchable` once per catcher,
 * in order, first for the failing state and then for each Map or Parallel state the error
 * propagates through. This error answers from the list of those retriers and catchers (computed
 * from the definition when it is thrown): true exactly where the retrier or catcher names it.
 */
export class DataLimitExceededError extends LocalSfnError {
  private readonly retriers: boolean[];
  private readonly catchers: boolean[];

  constructor(message: string, states: ReadonlyArray<Record<string, unknown>> = []) {
    super('States.DataLimitExceeded', message);
    const names = (list: unknown) =>
      ((list as Array<{ ErrorEquals?: string[] }> | undefined) ?? []).map(
        (entry) => entry.ErrorEquals?.includes('States.DataLimitExceeded') ?? false,
      );
    // Reads stop at the first retrier/catcher that matches (the retry or the catch happens there).
    const upToMatch = (flags: boolean[]) => {
      const hit = flags.indexOf(true);
      return hit < 0 ? flags : flags.slice(0, hit + 1);
    };
    this.retriers = states.flatMap((state) => upToMatch(names(state.Retry)));
    this.catchers = states.flatMap((state) => upToMatch(names(state.Catch)));
  }

  get isRetryable(): boolean {
    return this.retriers.shift() ?? false;
  }

  get isCatchable(): boolean {
    return this.catchers.shift() ?? false;
  }
}

/** A Task's timeout as the interpreter computes it: TimeoutSeconds, the (aligned) path, or 60 s. */
function taskTimeoutMs(state: Record<string, unknown>, effectiveInput: unknown): number {
  if (typeof state.TimeoutSeconds === 'number') return state.TimeoutSeconds * 1000;
  if (typeof state.TimeoutSecondsPath === 'string') {
    let value: unknown = effectiveInput;
    for (const part of state.TimeoutSecondsPath.replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean)) {
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (typeof value === 'number') return value * 1000;
  }
  return 60_000;
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

// ── Distributed Map compat shim ───────────────────────────────────────────────────────────────

/** The Resource of the Task that stands in for a Distributed Map locally (never deployed). */
export const LOCAL_DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::local:distributedMap';

/**
 * Timeout of the shim Task: a Map state has none of its own (the execution's TimeoutSeconds bounds
 * it), while the interpreter gives a Task 60 s by default. The largest value a Node timer holds.
 */
export const LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS = 2_147_483;

/** What a Distributed Map does, kept aside when its state is rewritten to a shim Task. */
export interface DistributedMapShim {
  readonly stateName: string;
  /** The item processor (`ItemProcessor` without `ProcessorConfig`), run once per child workflow. */
  readonly processor: StateMachineDefinition;
  readonly processorMachine: () => StateMachine;
  /** `ItemReader.ReaderConfig.MaxItems`: read at most this many items. */
  readonly maxItems?: number;
  /** `ItemBatcher.MaxItemsPerBatch`; undefined: no batching (one child per item). */
  readonly maxItemsPerBatch?: number;
  /** `MaxConcurrency`; 0 or undefined: unbounded (AWS: up to 10,000 children). */
  readonly maxConcurrency?: number;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailureCount?: number;
}

/** Fields of a Distributed Map the shim implements; any other Map-only field is refused at register time. */
const SHIM_HANDLED_FIELDS = new Set([
  'Type',
  'Comment',
  'ItemReader',
  'ItemsPath',
  'ItemBatcher',
  'ItemProcessor',
  'MaxConcurrency',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
  'Label',
  // Common to Map and Task: kept on the shim Task as they are.
  'InputPath',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
]);

/**
 * COMPAT SHIM (local only): aws-local-stepfunctions runs every Map inline and knows no ItemReader,
 * ItemBatcher, ToleratedFailure* or DISTRIBUTED processor. At register time each DISTRIBUTED Map
 * state is replaced, under the same name, by a Task that the local service implements, and its
 * item processor is kept aside. Exactly these fields change (the test pins them):
 *
 * - `Type` `Map` → `Task`; `Resource` = LOCAL_DISTRIBUTED_MAP_RESOURCE (added);
 * - `TimeoutSeconds` = LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS (added: a Map has no task timeout);
 * - `Parameters` (added) = `{ ItemReader: <ItemReader.Parameters> }` or, without an ItemReader,
 *   `{ "Items.$": <ItemsPath or "$"> }`, plus `BatchInput: <ItemBatcher.BatchInput>` when given —
 *   templates evaluated on the state input, as AWS does;
 * - removed: `ItemReader`, `ItemsPath`, `ItemBatcher`, `ItemProcessor`, `MaxConcurrency`,
 *   `ToleratedFailurePercentage`, `ToleratedFailureCount`, `Label` (their values live in the shim).
 *
 * `Comment`, `InputPath`, `ResultSelector`, `ResultPath`, `OutputPath`, `Retry`, `Catch`, `Next`,
 * `End` are untouched, and so is every other state. The Task reads the item list (S3 getObject, JSON
 * array, `MaxItems`), batches it into `{ Items, BatchInput }` (ItemBatcher) and runs the item
 * processor once per batch as a separate child run (AWS: one EXPRESS child execution per batch),
 * `MaxConcurrency` at a time; a failed child fails all its items, and more failed items than
 * `ToleratedFailurePercentage` / `ToleratedFailureCount` allow fail the state with
 * `States.ExceedToleratedFailureThreshold`. Its result is the array of child outputs (a failed
 * child's entry is `{ Error, Cause }`). Not supported (refused with States.Runtime when registering):
 * ResultWriter, ItemSelector/Parameters, the `…Path` variants, MaxInputBytesPerBatch, CSV/manifest
 * readers, and a DISTRIBUTED Map inside an item processor.
 */
export function rewriteDistributedMaps(definition: StateMachineDefinition): {
  definition: StateMachineDefinition;
  distributedMaps: Map<string, DistributedMapShim>;
} {
  const rewritten = JSON.parse(JSON.stringify(definition)) as {
    States: Record<string, Record<string, unknown>>;
  };
  const distributedMaps = new Map<string, DistributedMapShim>();
  const refuse = (stateName: string, what: string): never => {
    throw new LocalSfnError(
      'States.Runtime',
      `Distributed Map ${stateName}: the local compat shim does not support ${what}`,
    );
  };
  for (const [name, state] of Object.entries(rewritten.States)) {
    const processor = state.ItemProcessor as
      | { ProcessorConfig?: { Mode?: string }; StartAt: string; States: Record<string, unknown> }
      | undefined;
    if (state.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
    for (const field of Object.keys(state)) if (!SHIM_HANDLED_FIELDS.has(field)) refuse(name, field);
    const { ProcessorConfig: _config, ...processorDefinition } = processor;
    if (collectDistributedNames(processorDefinition).length > 0) {
      refuse(name, 'a DISTRIBUTED Map inside its item processor');
    }
    const reader = state.ItemReader as
      | { Resource?: string; ReaderConfig?: Record<string, unknown>; Parameters?: unknown }
      | undefined;
    if (reader) {
      if (reader.Resource !== 'arn:aws:states:::s3:getObject') refuse(name, `ItemReader ${reader.Resource}`);
      const { InputType, MaxItems, ...otherConfig } = reader.ReaderConfig ?? {};
      if (InputType !== 'JSON') refuse(name, `ReaderConfig.InputType ${String(InputType)}`);
      if (Object.keys(otherConfig).length > 0)
        refuse(name, `ReaderConfig ${Object.keys(otherConfig).join(', ')}`);
      if (MaxItems !== undefined && typeof MaxItems !== 'number')
        refuse(name, 'MaxItems that is not a number');
      if (state.ItemsPath !== undefined) refuse(name, 'ItemsPath together with ItemReader');
    }
    const batcher = state.ItemBatcher as { MaxItemsPerBatch?: number; BatchInput?: unknown } | undefined;
    if (batcher) {
      const { MaxItemsPerBatch, BatchInput: _input, ...otherBatcher } = batcher;
      if (Object.keys(otherBatcher).length > 0)
        refuse(name, `ItemBatcher ${Object.keys(otherBatcher).join(', ')}`);
      if (typeof MaxItemsPerBatch !== 'number') refuse(name, 'an ItemBatcher without MaxItemsPerBatch');
    }
    const readerConfig = reader?.ReaderConfig as { MaxItems?: number } | undefined;
    // The interpreter annotates the definition it is given (QueryLanguage): give it a copy.
    const processorMachine = once(() =>
      buildMachine(JSON.parse(JSON.stringify(processorDefinition)) as StateMachineDefinition),
    );
    distributedMaps.set(name, {
      stateName: name,
      processor: processorDefinition as unknown as StateMachineDefinition,
      processorMachine,
      ...(readerConfig?.MaxItems !== undefined ? { maxItems: readerConfig.MaxItems } : {}),
      ...(batcher?.MaxItemsPerBatch !== undefined ? { maxItemsPerBatch: batcher.MaxItemsPerBatch } : {}),
      ...(typeof state.MaxConcurrency === 'number' ? { maxConcurrency: state.MaxConcurrency } : {}),
      ...(typeof state.ToleratedFailurePercentage === 'number'
        ? { toleratedFailurePercentage: state.ToleratedFailurePercentage }
        : {}),
      ...(typeof state.ToleratedFailureCount === 'number'
        ? { toleratedFailureCount: state.ToleratedFailureCount }
        : {}),
    });
    const parameters: Record<string, unknown> = reader
      ? { ItemReader: reader.Parameters ?? {} }
      : { 'Items.$': state.ItemsPath ?? '$' };
    if (batcher?.BatchInput !== undefined) parameters.BatchInput = batcher.BatchInput;
    const task: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(state)) {
      switch (field) {
        case 'Type':
          task.Type = 'Task';
          task.Resource = LOCAL_DISTRIBUTED_MAP_RESOURCE;
          break;
        case 'ItemReader':
        case 'ItemsPath':
        case 'ItemBatcher':
        case 'ItemProcessor':
        case 'MaxConcurrency':
        case 'ToleratedFailurePercentage':
        case 'ToleratedFailureCount':
        case 'Label':
          break;
        default:
          task[field] = value;
      }
    }
    task.Parameters = parameters;
    task.TimeoutSeconds = LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS;
    rewritten.States[name] = task;
  }
  // A DISTRIBUTED Map below the top level (in a Parallel branch or an inline Map) would run inline
  // with its ItemReader ignored: refused rather than run differently.
  const nested = collectDistributedNames(rewritten);
  if (nested.length > 0) {
    throw new LocalSfnError(
      'States.Runtime',
      `Distributed Map ${nested.join(', ')}: the local compat shim supports Distributed Maps at the top level only`,
    );
  }
  return { definition: rewritten as unknown as StateMachineDefinition, distributedMaps };
}

/** Names of the DISTRIBUTED Map states of a definition, at any depth. */
function collectDistributedNames(
  definition: { States: Record<string, unknown> },
  into: string[] = [],
): string[] {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as Record<string, unknown>;
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { ProcessorConfig?: { Mode?: string }; States: Record<string, unknown> }
      | undefined;
    if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') into.push(name);
    if (processor) collectDistributedNames(processor, into);
    for (const branch of (state.Branches as Array<{ States: Record<string, unknown> }>) ?? []) {
      collectDistributedNames(branch, into);
    }
  }
  return into;
}

async function readObjectWithSdk(bucket: string, key: string): Promise<string> {
  const result = await getClients().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return result.Body ? await result.Body.transformToString() : '';
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
  /** Every task token issued so far (tests look for them where they must not be). */
  readonly issuedTokens: string[] = [];
  private readonly tokens = new Map<string, PendingToken>();
  /** Abort functions of each running execution's interpreter runs (its own and its shim children). */
  private readonly aborts = new Map<string, Set<() => void>>();
  /** Per execution: the last top-level state entered and its input (where a redrive restarts). */
  private readonly restartPoints = new Map<string, RestartPoint>();
  private readonly options: LocalStepFunctionsOptions;

  constructor(options: LocalStepFunctionsOptions) {
    this.options = options;
  }

  arnFor(kind: 'stateMachine' | 'execution', name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId ?? '000000000000'}:${kind}:${name}`;
  }

  /** Registers a state machine from an ASL file, with `${…}` substitutions as in CDK. */
  register(
    name: string,
    aslPath: string,
    substitutions: Record<string, string>,
    qualifiers: readonly string[] = [],
  ): string {
    const text = substitute(readFileSync(aslPath, 'utf8'), substitutions);
    const { definition, distributedMaps } = rewriteDistributedMaps(
      JSON.parse(text) as StateMachineDefinition,
    );
    const tasks = collectTaskStates(definition as unknown as { States: Record<string, unknown> });
    for (const shim of distributedMaps.values()) {
      collectTaskStates(shim.processor as unknown as { States: Record<string, unknown> }, tasks);
    }
    for (const task of tasks) alignTimeoutPath(task.state);
    const arn = this.arnFor('stateMachine', name);
    const from = new Map<string, () => StateMachine>();
    this.machines.set(arn, {
      arn,
      qualifiers,
      definition,
      machine: once(() => buildMachine(definition)),
      distributedMaps,
      tasks,
      machineFrom: (state) => {
        let built = from.get(state);
        if (!built) {
          // The same definition entered at the state a redrive restarts (the interpreter annotates
          // the definition it is given: a copy).
          const copy = { ...(JSON.parse(JSON.stringify(definition)) as object), StartAt: state };
          built = once(() => buildMachine(copy as StateMachineDefinition));
          from.set(state, built);
        }
        return built();
      },
    });
    this.loadExecutions(arn);
    return arn;
  }

  /** The folder a machine's finished executions are kept in, when they are kept. */
  private executionsDirOf(stateMachineArn: string): string | undefined {
    const dir = this.options.executionsDir;
    return dir ? join(dir, stateMachineArn.split(':').pop() ?? 'machine') : undefined;
  }

  /** Loads the executions an earlier process kept for this machine (their names stay taken). */
  private loadExecutions(stateMachineArn: string): void {
    const dir = this.executionsDirOf(stateMachineArn);
    if (!dir || !existsSync(dir)) return;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const stored = JSON.parse(readFileSync(join(dir, file), 'utf8')) as StoredExecution;
      const { restartPoint, startDate, stopDate, redriveDate, ...rest } = stored;
      this.executions.set(stored.executionArn, {
        ...rest,
        startDate: new Date(startDate),
        ...(stopDate ? { stopDate: new Date(stopDate) } : {}),
        ...(redriveDate ? { redriveDate: new Date(redriveDate) } : {}),
        done: Promise.resolve(),
      });
      if (restartPoint) this.restartPoints.set(stored.executionArn, restartPoint);
    }
  }

  /** Keeps a finished execution on disk (when executionsDir is set). */
  private keepExecution(execution: ExecutionRecord): void {
    const dir = this.executionsDirOf(execution.stateMachineArn);
    if (!dir) return;
    const restartPoint = this.restartPoints.get(execution.executionArn);
    const stored: StoredExecution = {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      ...(execution.stateMachineAliasArn ? { stateMachineAliasArn: execution.stateMachineAliasArn } : {}),
      name: execution.name,
      input: execution.input,
      status: execution.status,
      startDate: execution.startDate.toISOString(),
      ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
      ...(execution.output !== undefined ? { output: execution.output } : {}),
      ...(execution.error ? { error: execution.error, cause: execution.cause ?? '' } : {}),
      history: execution.history,
      redriveCount: execution.redriveCount,
      ...(execution.redriveDate ? { redriveDate: execution.redriveDate.toISOString() } : {}),
      ...(restartPoint ? { restartPoint } : {}),
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${execution.name}.json`), JSON.stringify(stored));
  }

  /**
   * RedriveExecution as AWS does it for Standard workflows: a FAILED, TIMED_OUT or ABORTED execution
   * continues from the top-level state it did not complete, with that state's input; the states before
   * it are not run again. Same execution ARN and history; `redriveCount` goes up and the history
   * records `ExecutionRedriven`. A RUNNING or SUCCEEDED execution answers ExecutionNotRedrivable.
   * Locally, a Map or Parallel state is re-run whole (AWS re-runs only its unsuccessful iterations),
   * and `$$.Execution.Input` during a redrive is the restart state's input (the interpreter sets it
   * from the input it runs with): the ASL files do not read it.
   */
  redriveExecution(executionArn: string): ExecutionRecord {
    const execution = this.describeExecution(executionArn);
    if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') {
      throw new LocalSfnError(
        'ExecutionNotRedrivable',
        `Execution is ${execution.status} and cannot be redriven: ${executionArn}`,
      );
    }
    const entry = this.machines.get(execution.stateMachineArn);
    const restartPoint = this.restartPoints.get(executionArn);
    if (!entry || !restartPoint) {
      throw new LocalSfnError(
        'ExecutionNotRedrivable',
        `Execution has no state to restart from: ${executionArn}`,
      );
    }
    entry.machineFrom(restartPoint.state);
    execution.status = 'RUNNING';
    execution.redriveCount += 1;
    execution.redriveDate = new Date();
    delete execution.stopDate;
    delete execution.output;
    delete execution.error;
    delete execution.cause;
    this.record(execution, {
      type: 'ExecutionRedriven',
      timestamp: execution.redriveDate.getTime(),
      state: restartPoint.state,
    });
    let finish!: () => void;
    execution.done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    void this.run(entry, execution, restartPoint).finally(finish);
    return execution;
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
  startExecution(startArn: string, input: unknown, name: string = randomUUID()): ExecutionRecord {
    const { machineArn: stateMachineArn, qualifier } = splitMachineArn(startArn);
    const entry = this.machines.get(stateMachineArn);
    if (!entry || (qualifier !== undefined && !entry.qualifiers.includes(qualifier)))
      throw new LocalSfnError('StateMachineDoesNotExist', `State machine does not exist: ${startArn}`);
    const inputBytes = payloadBytes(input ?? null);
    if (inputBytes > MAX_STATE_PAYLOAD_BYTES) {
      throw new LocalSfnError(
        'InvalidExecutionInput',
        `The execution input is ${inputBytes} bytes, above the quota of ${MAX_STATE_PAYLOAD_BYTES} bytes`,
      );
    }
    // Validates the definition on the first start: an invalid one throws here, not mid-run.
    entry.machine();
    for (const shim of entry.distributedMaps.values()) shim.processorMachine();
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
      ...(qualifier !== undefined && !/^\d+$/.test(qualifier) ? { stateMachineAliasArn: startArn } : {}),
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      done,
      redriveCount: 0,
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

  private record(execution: ExecutionRecord, event: HistoryEvent, input?: unknown): void {
    execution.history.push(event);
    this.options.onEvent?.(execution, event, input);
  }

  private buildOverrides(entry: MachineEntry, execution: ExecutionRecord) {
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const task of entry.tasks) {
      overrides[task.name] = (input) => this.runTask(task, input, execution, entry);
    }
    return overrides;
  }

  /** Milliseconds to wait before each retry, per Task state (empty: the ASL's own intervals). */
  private retryIntervals(entry: MachineEntry): Record<string, number> {
    const retryIntervalOverrides: Record<string, number> = {};
    const retryIntervalMs = this.options.retryIntervalMs;
    if (retryIntervalMs !== undefined) {
      for (const task of entry.tasks) retryIntervalOverrides[task.name] = retryIntervalMs;
    }
    return retryIntervalOverrides;
  }

  /** Milliseconds per top-level Wait state (empty: the ASL's own waits). */
  private waitTimes(entry: MachineEntry): Record<string, number> {
    const waitMs = this.options.waitMs;
    if (waitMs === undefined) return {};
    return Object.fromEntries(
      Object.entries(entry.definition.States)
        .filter(([, state]) => (state as { Type?: string }).Type === 'Wait')
        .map(([name]) => [name, waitMs]),
    );
  }

  /** A call the machine's role must be allowed to make; refused as the service integration fails. */
  private async authorizeAs(
    machineArn: string,
    action: string,
    resource: string,
    errorName: string,
    context?: Readonly<Record<string, string | readonly string[]>>,
  ): Promise<void> {
    if (!this.options.authorize) return;
    try {
      await this.options.authorize(machineArn, action, resource, context);
    } catch (error) {
      throw new LocalSfnError(
        errorName,
        `${(error as Error).message} (Status Code: 403; Error Code: AccessDeniedException)`,
      );
    }
  }

  private async invoke(functionArn: string, payload: unknown): Promise<unknown> {
    const started = performance.now();
    const fn = functionNameOf(functionArn);
    this.counters.lambdaInvocations[fn] = (this.counters.lambdaInvocations[fn] ?? 0) + 1;
    try {
      const response = await this.options.invokeLambda(functionArn, payload);
      const bytes = payloadBytes(response ?? null);
      if (bytes > MAX_LAMBDA_RESPONSE_BYTES) {
        // Lambda answers a function error of this type; the lambda:invoke integration fails with it.
        throw new LocalSfnError(
          'Function.ResponseSizeTooLarge',
          `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${MAX_LAMBDA_RESPONSE_BYTES} bytes).`,
        );
      }
      return response;
    } finally {
      this.counters.lambdaMillis[fn] = (this.counters.lambdaMillis[fn] ?? 0) + (performance.now() - started);
    }
  }

  /** A Task: its input after Parameters and its integration's result both within the payload quota. */
  private async runTask(
    task: TaskStates[number],
    input: unknown,
    execution: ExecutionRecord,
    entry: MachineEntry,
  ): Promise<unknown> {
    const states = [task.state, ...task.enclosing];
    const inputBytes = payloadBytes(input ?? null);
    if (inputBytes > MAX_STATE_PAYLOAD_BYTES) {
      throw new DataLimitExceededError(
        `The input of state ${task.name} after Parameters is ${inputBytes} bytes, above the quota of ${MAX_STATE_PAYLOAD_BYTES} bytes`,
        states,
      );
    }
    const result = await this.runIntegration(task, input, execution, entry);
    const resultBytes = payloadBytes(result ?? null);
    if (resultBytes > MAX_STATE_PAYLOAD_BYTES) {
      throw new DataLimitExceededError(
        `The result of state ${task.name} (${task.resource}) is ${resultBytes} bytes, above the quota of ${MAX_STATE_PAYLOAD_BYTES} bytes`,
        states,
      );
    }
    return result;
  }

  private async runIntegration(
    task: TaskStates[number],
    input: unknown,
    execution: ExecutionRecord,
    entry: MachineEntry,
  ): Promise<unknown> {
    const params = (input ?? {}) as Record<string, unknown>;
    switch (task.resource) {
      case LOCAL_DISTRIBUTED_MAP_RESOURCE: {
        const shim = entry.distributedMaps.get(task.name);
        if (!shim) throw new LocalSfnError('States.Runtime', `No Distributed Map shim for ${task.name}`);
        return this.runDistributedMap(shim, params, execution, entry);
      }
      case 'arn:aws:states:::lambda:invoke': {
        await this.authorizeAs(
          entry.arn,
          'lambda:InvokeFunction',
          String(params.FunctionName),
          'Lambda.AWSLambdaException',
        );
        const payload = await this.invoke(String(params.FunctionName), params.Payload);
        return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
      }
      case 'arn:aws:states:::lambda:invoke.waitForTaskToken': {
        await this.authorizeAs(
          entry.arn,
          'lambda:InvokeFunction',
          String(params.FunctionName),
          'Lambda.AWSLambdaException',
        );
        const token = randomBytes(96).toString('base64url');
        this.issuedTokens.push(token);
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
        // The interpreter stops listening when the state times out or the execution is stopped; a
        // late rejection (stopAll) must not surface as an unhandled one.
        waiting.catch(() => undefined);
        // The token dies with its state's timeout, as in AWS (a late SendTaskSuccess answers
        // TaskTimedOut). Timed here, per token: a retry's new token is never touched.
        const expiry = setTimeout(() => this.tokens.delete(token), taskTimeoutMs(task.state, input));
        expiry.unref();
        waiting.finally(() => clearTimeout(expiry)).catch(() => undefined);
        try {
          await this.invoke(String(params.FunctionName), payload);
        } catch (error) {
          this.tokens.delete(token);
          throw error;
        }
        // As in AWS: the invocation returned, the task now waits for its token.
        this.record(execution, {
          type: 'TaskSubmitted',
          state: task.name,
          stateType: 'Task',
          timestamp: Date.now(),
        });
        return waiting;
      }
      case 'arn:aws:states:::states:startExecution': {
        // AWS authorizes a start through an alias or version on the machine's own ARN, with the
        // qualifier as the states:StateMachineQualifier condition key.
        const { machineArn, qualifier } = splitMachineArn(String(params.StateMachineArn));
        await this.authorizeAs(
          entry.arn,
          'states:StartExecution',
          machineArn,
          'StepFunctions.AWSStepFunctionsException',
          qualifier === undefined ? undefined : { 'states:StateMachineQualifier': [qualifier] },
        );
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

  /** The compat shim's Task: read, batch, run one child per batch, apply the failure tolerance. */
  private async runDistributedMap(
    shim: DistributedMapShim,
    params: Record<string, unknown>,
    execution: ExecutionRecord,
    entry: MachineEntry,
  ): Promise<unknown[]> {
    let items: unknown;
    if (params.ItemReader !== undefined) {
      const { Bucket, Key } = params.ItemReader as { Bucket?: unknown; Key?: unknown };
      try {
        const read = this.options.readObject ?? readObjectWithSdk;
        const runAs = this.options.runAsMachine ?? ((_arn, call) => call());
        items = JSON.parse(await runAs(entry.arn, () => read(String(Bucket), String(Key))));
      } catch (error) {
        throw new LocalSfnError(
          'States.ItemReaderFailed',
          `Reading s3://${String(Bucket)}/${String(Key)} failed: ${(error as Error).message}`,
        );
      }
    } else {
      items = params.Items;
    }
    if (!Array.isArray(items)) {
      throw new LocalSfnError('States.ItemReaderFailed', 'The item list is not a JSON array');
    }
    if (shim.maxItems !== undefined && shim.maxItems > 0) items = items.slice(0, shim.maxItems);
    const all = items as unknown[];
    const batches: Array<{ input: unknown; size: number }> = [];
    if (shim.maxItemsPerBatch !== undefined) {
      for (let i = 0; i < all.length; i += shim.maxItemsPerBatch) {
        const Items = all.slice(i, i + shim.maxItemsPerBatch);
        batches.push({
          input: { Items, ...(params.BatchInput !== undefined ? { BatchInput: params.BatchInput } : {}) },
          size: Items.length,
        });
      }
    } else {
      for (const item of all) batches.push({ input: item, size: 1 });
    }

    const outputs: unknown[] = new Array(batches.length);
    let failedItems = 0;
    let next = 0;
    const overrides = this.buildOverrides(entry, execution);
    const retryIntervalOverrides = this.retryIntervals(entry);
    const child = async () => {
      while (next < batches.length) {
        const index = next++;
        const batch = batches[index] as { input: unknown; size: number };
        const childName = `${execution.name}-${shim.stateName}-${index}`;
        const run = shim.processorMachine().run(batch.input as never, {
          overrides: { taskResourceLocalHandlers: overrides as never, retryIntervalOverrides },
          context: {
            Execution: { Id: `${execution.executionArn}/${shim.stateName}:${index}`, Name: childName },
            StateMachine: { Id: entry.arn, Name: entry.arn.split(':').pop() },
            Task: { Token: LOCAL_TOKEN_PLACEHOLDER },
          },
        });
        const aborts = this.aborts.get(execution.executionArn);
        aborts?.add(run.abort);
        let limit: LocalSfnError | undefined;
        const logs = this.forwardEvents(execution, run.eventLogs, (error) => {
          limit ??= error;
          run.abort();
        });
        try {
          const output = await run.result;
          await logs.catch(() => undefined);
          if (limit) throw limit;
          outputs[index] = output;
        } catch (error) {
          await logs.catch(() => undefined);
          const err = error as Error & { cause?: { name?: string; message?: string } };
          // A child stopped for a quota failed with that quota's error (its item fails, as in AWS).
          const failure = limit ?? {
            name: err.cause?.name ?? err.name,
            message: err.cause?.message ?? err.message,
          };
          failedItems += batch.size;
          outputs[index] = { Error: failure.name, Cause: failure.message };
        } finally {
          aborts?.delete(run.abort);
          await logs.catch(() => undefined);
        }
      }
    };
    const width = shim.maxConcurrency && shim.maxConcurrency > 0 ? shim.maxConcurrency : batches.length;
    await Promise.all(Array.from({ length: Math.min(width, batches.length) }, child));

    const percent = all.length === 0 ? 0 : (failedItems / all.length) * 100;
    if (
      failedItems > 0 &&
      (percent > (shim.toleratedFailurePercentage ?? 0) ||
        (shim.toleratedFailureCount !== undefined && failedItems > shim.toleratedFailureCount))
    ) {
      throw new LocalSfnError(
        'States.ExceedToleratedFailureThreshold',
        `${failedItems} of ${all.length} items failed in ${shim.stateName}`,
      );
    }
    return outputs;
  }

  /**
   * Copies an interpreter run's events into an execution's history (and counts transitions), and
   * stops the run (`fail`) when a state's output exceeds the payload quota or the run's history
   * exceeds the event quota. A run is one execution's history: its inline Maps and Parallels count in
   * it, while each Distributed Map child is an execution of its own (as in AWS).
   */
  private async forwardEvents(
    execution: ExecutionRecord,
    eventLogs: AsyncIterable<unknown>,
    fail: (error: LocalSfnError) => void,
    /** The definition's top-level states: where a redrive can restart. */
    topLevel?: ReadonlySet<string>,
  ): Promise<void> {
    let events = 0;
    for await (const event of eventLogs) {
      const e = event as {
        type: string;
        timestamp: number;
        state?: { name: string; type?: string; input?: unknown; output?: unknown };
        Error?: string;
        Cause?: unknown;
        index?: number;
      };
      if (e.type === 'StateEntered') this.counters.stateTransitions += 1;
      if (e.type === 'StateEntered' && e.state && topLevel?.has(e.state.name)) {
        this.restartPoints.set(execution.executionArn, { state: e.state.name, input: e.state.input });
      }
      events += awsHistoryEvents(e.type, e.state?.type);
      if (events > MAX_HISTORY_EVENTS) {
        fail(
          new LocalSfnError(
            'States.Runtime',
            `The execution history reached the quota of ${MAX_HISTORY_EVENTS} events`,
          ),
        );
      }
      if (e.type === 'StateExited' && e.state) {
        const bytes = payloadBytes(e.state.output ?? null);
        if (bytes > MAX_STATE_PAYLOAD_BYTES) {
          fail(
            new DataLimitExceededError(
              `The output of state ${e.state.name} is ${bytes} bytes, above the quota of ${MAX_STATE_PAYLOAD_BYTES} bytes`,
            ),
          );
        }
      }
      this.record(
        execution,
        {
          type: e.type,
          timestamp: e.timestamp,
          ...(e.state ? { state: e.state.name } : {}),
          ...(e.state?.type ? { stateType: e.state.type } : {}),
          ...(e.state && typeof e.index === 'number' ? { iteration: e.index } : {}),
          ...(e.Error ? { error: e.Error, cause: String(e.Cause ?? '') } : {}),
          ...(e.type === 'StateEntered' && e.state?.input !== undefined ? { input: e.state.input } : {}),
        },
        e.state?.input,
      );
    }
  }

  /**
   * Stops every running execution (AWS: StopExecution), e.g. before the local runtime shuts down:
   * each ends as ABORTED after its current state, and waiting task tokens are dropped, so no timer
   * of a pending Approve or execution timeout keeps the process alive.
   */
  async stopAll(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running) {
      for (const abort of this.aborts.get(execution.executionArn) ?? []) abort();
    }
    for (const [token, pending] of this.tokens) {
      this.tokens.delete(token);
      pending.reject(new LocalSfnError('States.Runtime', 'The local Step Functions service stopped'));
    }
    await Promise.all(running.map((e) => e.done));
  }

  private async run(entry: MachineEntry, execution: ExecutionRecord, from?: RestartPoint): Promise<void> {
    const machine = from ? entry.machineFrom(from.state) : entry.machine();
    const run = machine.run((from ? from.input : execution.input) as never, {
      overrides: {
        taskResourceLocalHandlers: this.buildOverrides(entry, execution) as never,
        retryIntervalOverrides: this.retryIntervals(entry),
        waitTimeOverrides: this.waitTimes(entry),
      },
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          Input: execution.input as never,
          StartTime: execution.startDate.toISOString(),
          RedriveCount: execution.redriveCount,
          ...(execution.redriveDate ? { RedriveTime: execution.redriveDate.toISOString() } : {}),
        },
        StateMachine: { Id: entry.arn, Name: entry.arn.split(':').pop() },
        // The interpreter has no task tokens: the placeholder is swapped for a real token per task.
        Task: { Token: LOCAL_TOKEN_PLACEHOLDER },
      },
    });
    const aborts = new Set<() => void>([run.abort]);
    this.aborts.set(execution.executionArn, aborts);
    let limit: LocalSfnError | undefined;
    const logs = this.forwardEvents(
      execution,
      run.eventLogs,
      (error) => {
        limit ??= error;
        for (const abort of aborts) abort();
      },
      new Set(Object.keys(entry.definition.States)),
    );
    try {
      const output = await run.result;
      await logs.catch(() => undefined);
      if (limit) throw limit;
      execution.output = output;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      // A quota the event stream found (the run was stopped for it) is the failure to report.
      await logs.catch(() => undefined);
      const err = error as Error & { cause?: unknown };
      if (limit) {
        execution.status = 'FAILED';
        execution.error = limit.name;
        execution.cause = limit.message;
        return;
      }
      execution.status =
        err.name === 'ExecutionTimeoutError'
          ? 'TIMED_OUT'
          : err.name === 'ExecutionAbortedError'
            ? 'ABORTED'
            : 'FAILED';
      const inner = err.cause as { name?: string; message?: string } | undefined;
      execution.error = inner?.name ?? err.name;
      execution.cause = inner?.message ?? err.message;
    } finally {
      this.aborts.delete(execution.executionArn);
      execution.stopDate = new Date();
      this.expireTokens(execution.executionArn);
      await logs.catch(() => undefined);
      this.keepExecution(execution);
    }
  }

  /** Tokens still waiting when their execution ends die with it. */
  private expireTokens(executionArn: string): void {
    for (const [token, pending] of this.tokens) {
      if (pending.executionArn === executionArn) this.tokens.delete(token);
    }
  }
}

export const LOCAL_TOKEN_PLACEHOLDER = 'LOCAL_TASK_TOKEN_PLACEHOLDER';
