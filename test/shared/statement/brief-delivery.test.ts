import { afterAll, describe, expect, it } from 'vitest';
import {
  type BriefDeliveryPorts,
  type BriefRecord,
  deliverBriefOnce,
  provesNotSent,
} from '#statement/brief-delivery.ts';
import { Tally } from '../../reliability/support/summary.ts';

/**
 * The brief is sent at most once: runs that stop at every point of the delivery are re-run
 * against the same record (a fake with the DynamoDB adapter's conditions), and the outbox counts
 * the copies that went out.
 */

const tally = new Tally('brief-delivery');
afterAll(() => tally.flush());

const TO = ['head@acme.example', 'client@globex.example'];

class Crash extends Error {
  override name = 'Crash';
}

/** SES's answer to a request, as the SDK surfaces it. */
function sesError(name: string, httpStatusCode: number, attempts = 1): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode, attempts } });
}

type Failure = 'crash-before-send' | 'crash-after-send' | Error | undefined;

/** One settlement's record and outbox, shared by the runs. */
function world() {
  let record: BriefRecord | undefined;
  const outbox: string[] = [];
  const errors: string[] = [];
  let clock = 0;
  const now = () => new Date(Date.UTC(2026, 10, 5, 9, 0, clock++)).toISOString();
  const ports = (failure: Failure = undefined): BriefDeliveryPorts => ({
    read: async () => (record ? structuredClone(record) : undefined),
    claim: async (attempt, to, previous) => {
      const ok =
        previous === undefined
          ? record === undefined
          : record?.status === 'failed' && record.attempt === previous;
      if (ok) record = { status: 'sending', attempt, to: [...to], intentAt: now() };
      return ok;
    },
    markSent: async (attempt, messageId) => {
      if (failure === 'crash-after-send') throw new Crash('stopped after SES accepted the brief');
      if (record?.status !== 'sending' || record.attempt !== attempt) throw new Error('not in flight');
      record = { ...record, status: 'sent', messageId, sentAt: now() };
    },
    markFailed: async (attempt, error) => {
      if (record?.status !== 'sending' || record.attempt !== attempt) throw new Error('not in flight');
      record = { ...record, status: 'failed', error, failedAt: now() };
    },
    send: async () => {
      if (failure === 'crash-before-send') throw new Crash('stopped before calling SES');
      if (failure instanceof Error) throw failure;
      outbox.push(`brief ${outbox.length + 1}`);
      return `ses-${outbox.length}`;
    },
    log: (level, message) => {
      if (level === 'error') errors.push(message);
    },
  });
  return { ports, outbox, errors, record: () => record };
}

async function run(w: ReturnType<typeof world>, failure?: Failure) {
  return deliverBriefOnce(w.ports(failure), TO).catch((error: Error) => error);
}

describe('deliverBriefOnce', () => {
  it('sends the brief once and records its message id; a re-run sends nothing', async () => {
    const w = world();
    expect(await run(w)).toEqual({ kind: 'sent', attempt: 1, messageId: 'ses-1' });
    expect(await run(w)).toEqual({ kind: 'already-sent', attempt: 1, messageId: 'ses-1' });
    const ok = w.outbox.length === 1;
    tally.check('crash-and-rerun', ok, `re-run after a sent brief: ${w.outbox.length} copies`);
    tally.doubled('crash-and-rerun', w.outbox.length - 1);
    expect(w.outbox).toHaveLength(1);
    expect(w.record()).toMatchObject({ status: 'sent', messageId: 'ses-1', to: TO });
  });

  it('does not send a second copy after a crash between sending and recording the message id', async () => {
    const w = world();
    expect(await run(w, 'crash-after-send')).toBeInstanceOf(Crash);
    const again = await run(w);
    const twice = await run(w);
    const ok = w.outbox.length === 1 && (again as { kind: string }).kind === 'unconfirmed';
    tally.check('crash-and-rerun', ok, `crash after send: ${w.outbox.length} copies`);
    tally.doubled('crash-and-rerun', w.outbox.length - 1);
    expect(w.outbox).toHaveLength(1);
    expect(again).toEqual({ kind: 'unconfirmed', attempt: 1, since: expect.any(String) });
    expect(twice).toMatchObject({ kind: 'unconfirmed' });
    expect(w.errors).toContain('brief may or may not have been sent: not sending it again');
  });

  it('records the message id despite a passing store error, so a re-run knows it was sent', async () => {
    const w = world();
    const ports = w.ports();
    let failures = 1;
    const flaky = {
      ...ports,
      markSent: async (attempt: number, messageId: string) => {
        if (failures-- > 0) throw Object.assign(new Error('throttled'), { name: 'TransientStoreError' });
        return ports.markSent(attempt, messageId);
      },
    };
    expect(await deliverBriefOnce(flaky, TO)).toMatchObject({ kind: 'sent', messageId: 'ses-1' });
    expect(await run(w)).toMatchObject({ kind: 'already-sent' });
    expect(w.outbox).toHaveLength(1);
  });

  it('leaves the brief unconfirmed (never sent twice) when a run stopped after its intent and before SES answered', async () => {
    // The window that remains: nothing tells whether SES got it, so nothing is resent automatically.
    const w = world();
    expect(await run(w, 'crash-before-send')).toBeInstanceOf(Crash);
    expect(await run(w)).toMatchObject({ kind: 'unconfirmed', attempt: 1 });
    tally.check('crash-and-rerun', w.outbox.length === 0, `crash before send: ${w.outbox.length} copies`);
    expect(w.outbox).toHaveLength(0);
  });

  it('sends again when SES provably refused the first attempt', async () => {
    const w = world();
    const refused = await run(w, sesError('TooManyRequestsException', 429));
    expect(refused).toMatchObject({ name: 'TooManyRequestsException' });
    expect(w.record()).toMatchObject({ status: 'failed', attempt: 1, error: 'TooManyRequestsException' });
    expect(await run(w)).toEqual({ kind: 'sent', attempt: 2, messageId: 'ses-1' });
    const ok = w.outbox.length === 1;
    tally.check('crash-and-rerun', ok, `resend after a proven failure: ${w.outbox.length} copies`);
    expect(w.outbox).toHaveLength(1);
  });

  it.each([
    ['a server error', sesError('InternalFailure', 500)],
    ['a client error after an SDK retry', sesError('TooManyRequestsException', 429, 2)],
    ['a timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  ])('does not resend after %s, which proves nothing', async (_what, error) => {
    const w = world();
    expect(await run(w, error)).toBe(error);
    expect(w.record()).toMatchObject({ status: 'sending', attempt: 1 });
    expect(await run(w)).toMatchObject({ kind: 'unconfirmed' });
    tally.check('crash-and-rerun', w.outbox.length === 0, `after ${_what}: ${w.outbox.length} copies`);
    expect(w.outbox).toHaveLength(0);
  });

  it('lets only one of two concurrent runs send', async () => {
    const w = world();
    const results = await Promise.all([run(w), run(w)]);
    const kinds = results.map((r) => (r as { kind: string }).kind).sort();
    tally.check('concurrency', w.outbox.length === 1, `two runs at once: ${w.outbox.length} copies`);
    expect(w.outbox).toHaveLength(1);
    expect(kinds).toEqual(['sent', 'unconfirmed']);
  });
});

describe('provesNotSent', () => {
  it('counts only a 4xx answer to the first and only try as proof', () => {
    expect(provesNotSent(sesError('MessageRejected', 400))).toBe(true);
    expect(provesNotSent(sesError('InternalFailure', 500))).toBe(false);
    expect(provesNotSent(sesError('TooManyRequestsException', 429, 3))).toBe(false);
    expect(provesNotSent(new Error('ECONNRESET'))).toBe(false);
    expect(provesNotSent(undefined)).toBe(false);
  });
});
