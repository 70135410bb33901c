import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type StepDeclaration, stepNameOf } from '#steps/declaration.ts';

/** The handler modules: every `.ts` file of `functions/` is one Lambda step. */
export const FUNCTIONS_DIR = resolve(import.meta.dirname, '..', 'functions');

/** A declared step with what is derived from its file. */
export interface Step {
  /** `ComputeSettlement`: the function's name in ARNs, placeholders and logs. */
  readonly name: string;
  /** `compute-settlement`: the file name, also the Powertools service name. */
  readonly fileBase: string;
  /** Absolute path of the handler module. */
  readonly entry: string;
  readonly declaration: StepDeclaration;
}

export class StepDeclarationError extends Error {
  override name = 'StepDeclarationError';
}

/** Reads every step's declaration (`export const step`) from the handler modules, sorted by name. */
export async function loadSteps(functionsDir: string = FUNCTIONS_DIR): Promise<Step[]> {
  const files = readdirSync(functionsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  const steps: Step[] = [];
  for (const file of files) {
    const entry = join(functionsDir, file);
    const module = (await import(pathToFileURL(entry).href)) as { step?: StepDeclaration; handler?: unknown };
    if (!module.step || typeof module.handler !== 'function') {
      throw new StepDeclarationError(
        `${file}: a handler module must export \`step\` (declareStep) and \`handler\``,
      );
    }
    const fileBase = basename(file, '.ts');
    steps.push({ name: stepNameOf(fileBase), fileBase, entry, declaration: module.step });
  }
  return steps;
}

/** The product's steps, read once per process. */
export const STEPS: readonly Step[] = await loadSteps();

/** The step of a name (`ComputeSettlement`). */
export function stepNamed(name: string): Step {
  const step = STEPS.find((s) => s.name === name);
  if (!step) throw new StepDeclarationError(`no step named ${name} in functions/`);
  return step;
}
