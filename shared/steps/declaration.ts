import type { z } from 'zod';
import type { BucketArea } from '#storage/layout.ts';

/**
 * What one Lambda step of the product is, declared once, next to its handler in `functions/<step>.ts`.
 * Everything else about the step is derived from this declaration and the file name: the Lambda
 * function and its role's grants (infra/cdk), the `${<Step>FunctionArn}` placeholders of the ASL
 * files, and the function the local runtime invokes with its own identity.
 */

/** DynamoDB actions on the tenant's table (no Scan: every access is by key). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

/** Step Functions actions a step calls itself (the state machines' own calls are theirs). */
export type StepFunctionsAction = 'DescribeExecution' | 'SendTaskSuccess' | 'SendTaskFailure';

/** Everything a step may touch. Anything not named here is denied, in the cloud and locally. */
export interface StepAccess {
  /** Actions on the tenant's table (the table key's kms:Decrypt follows). */
  readonly table?: readonly TableAction[];
  /** Bucket areas whose objects it reads (GetObject; kms:Decrypt follows). */
  readonly read?: readonly BucketArea[];
  /** Bucket areas it writes objects to (PutObject; kms:GenerateDataKey follows). */
  readonly write?: readonly BucketArea[];
  /** Bucket areas it lists (ListBucket restricted to the areas' prefixes). */
  readonly list?: readonly BucketArea[];
  /** Sends email from the tenant's address through its configuration set. */
  readonly sendMail?: boolean;
  /** Step Functions actions on the tenant's settlement machine and its executions. */
  readonly stepFunctions?: readonly StepFunctionsAction[];
  /** Reads the tenant's connector secrets. */
  readonly readSecrets?: boolean;
  /**
   * Writes new versions of existing connector secrets (an OAuth refresh token the vendor rotates on
   * every use must be stored before the access token is used). Implies readSecrets.
   */
  readonly rotateSecrets?: boolean;
  /** Reads Cost Explorer (account-wide: the service has no resource-level permissions). */
  readonly costExplorer?: boolean;
  /**
   * Runs queries in the tenant's cost workgroup (Athena start, state, results) over the Glue table of
   * its FOCUS export (GetTable, GetPartitions). Athena reads and writes S3 as the caller: name the
   * `exports` area in `read` and `list`, and `query-results` in `read` and `write`.
   */
  readonly athena?: boolean;
}

/** Which Task states invoke the step, per state machine; `http` for the approval API's route. */
export type StepTrigger =
  | { readonly settlement: readonly string[] }
  | { readonly nightly: readonly string[] }
  | 'http';

export interface StepDeclaration<S extends z.ZodType = z.ZodType> {
  /** The Task states that invoke it (checked against the ASL files by the tests). */
  readonly states: StepTrigger;
  /** The event it accepts; a mismatch fails the step with InvalidInputError naming each field. */
  readonly input: S;
  readonly access: StepAccess;
  /** Hard timeout, below the Task's TimeoutSeconds so the function reports its own timeout. */
  readonly timeoutSeconds: number;
  /** Memory (CPU scales with it). @default 1024 */
  readonly memoryMb?: number;
  /**
   * Granted accesses no automated test exercises, keyed `<service>:<Action> <area or resource>`,
   * each with the path that needs it. The grant-coverage test accepts nothing else unused.
   */
  readonly untested?: Readonly<Record<string, string>>;
}

/** Declares a step (an identity function that keeps the declaration's types). */
export function declareStep<S extends z.ZodType>(declaration: StepDeclaration<S>): StepDeclaration<S> {
  return declaration;
}

/** `compute-settlement` (the handler's file name) → `ComputeSettlement` (the name in ARNs and placeholders). */
export function stepNameOf(fileBase: string): string {
  return fileBase.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());
}

/** `ComputeSettlement` → `compute-settlement`. */
export function fileBaseOf(stepName: string): string {
  return stepName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The ASL placeholder of a step's function ARN. */
export function placeholderOf(stepName: string): string {
  return `${stepName}FunctionArn`;
}
