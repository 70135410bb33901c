import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { declareStep } from '#steps/declaration.ts';
import { InvalidInputError, metrics, stepHandler } from '#steps/step-handler.ts';

const context = {
  functionName: 'test',
  awsRequestId: 'r1',
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

const declared = <S extends z.ZodType>(input: S) =>
  declareStep({ states: 'http', input, access: {}, timeoutSeconds: 10 });

describe('a step handler', () => {
  it('names every invalid field of its event', async () => {
    const handler = stepHandler(
      declared(z.object({ projectId: z.string(), period: z.string() })),
      async () => 'ok',
    );
    const error = await handler({ projectId: 7 }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).name).toBe('InvalidInputError');
    expect((error as Error).message).toContain('projectId');
    expect((error as Error).message).toContain('period');
  });

  it('counts each step as succeeded or failed', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    await stepHandler(declared(z.object({})), async () => 'done')({}, context);
    await stepHandler(declared(z.object({})), async () => {
      throw new Error('boom');
    })({}, context).catch(() => undefined);
    expect(add.mock.calls.map((c) => c[0])).toEqual(['StepSucceeded', 'StepFailed']);
    add.mockRestore();
  });
});
