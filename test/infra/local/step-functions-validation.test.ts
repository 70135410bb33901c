import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../../infra/local/step-functions.ts';

/** Definitions are validated before their first execution (once per content, then remembered). */

function aslFile(definition: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'asl-')), 'machine.asl.json');
  writeFileSync(file, JSON.stringify(definition));
  return file;
}

const sfn = () =>
  new LocalStepFunctions({
    region: 'eu-central-1',
    retryIntervalMs: 0,
    invokeLambda: async () => ({ ok: true }),
  });

describe('the local Step Functions service', () => {
  it('refuses to start an invalid definition, however often it is started', () => {
    const service = sfn();
    const arn = service.register(
      'broken',
      aslFile({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }),
      {},
    );
    expect(() => service.startExecution(arn, {})).toThrow();
    // A second process (a new service) does not remember a failed validation as a pass.
    const again = sfn();
    expect(() =>
      again.startExecution(
        again.register(
          'broken',
          aslFile({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }),
          {},
        ),
        {},
      ),
    ).toThrow();
  });

  it('runs a valid definition, built once and validated once per content', async () => {
    const definition = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Result: { n: Math.random() }, End: true } },
    };
    for (const service of [sfn(), sfn()]) {
      const arn = service.register('ok', aslFile(definition), {});
      const first = service.startExecution(arn, {});
      const second = service.startExecution(arn, {});
      await Promise.all([first.done, second.done]);
      expect(first.status).toBe('SUCCEEDED');
      expect(second.output).toEqual(definition.States.A.Result);
    }
  });
});
