import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  daysWithoutLocalTime,
  loadTenants,
  parseTenants,
  SETTLEMENT_EXECUTION_TIMEOUT_DAYS,
  TenantsFileError,
} from '../../../infra/cdk/tenants.ts';
import { TENANTS_FILE } from './synth.ts';

const valid = {
  id: 'initech',
  name: 'Initech',
  region: 'eu-west-1',
  timeZone: 'Europe/Dublin',
  nightlyTime: '03:05',
  currency: 'EUR',
  retentionYears: 6,
  mailFrom: 'billing@initech.example',
  approvals: { timeoutDays: 4, reminderAfterHours: 24 },
  alarmEmail: 'ops@initech.example',
  retries: { maxAttempts: 2, outcomes: ['failed'] },
  secrets: ['toggl'],
};

describe('the tenants file', () => {
  it('ships three valid tenants in different time zones, one of them in Chinese', () => {
    const tenants = loadTenants(TENANTS_FILE);
    expect(tenants.map((t) => t.id)).toEqual(['acme', 'globex', 'huajian']);
    expect(tenants.map((t) => t.timeZone)).toEqual(['Europe/Berlin', 'America/New_York', 'Asia/Shanghai']);
    expect(tenants.map((t) => t.locale)).toEqual(['en', 'en', 'zh-CN']);
  });

  it('reads the same file again without sharing its tenants between callers, and sees a changed file', () => {
    const first = loadTenants(TENANTS_FILE);
    const acme = first.find((t) => t.id === 'acme');
    if (!acme) throw new Error('no acme tenant');
    (acme as { name: string }).name = 'changed by the first caller';
    first.pop();
    const second = loadTenants(TENANTS_FILE);
    expect(second.map((t) => t.id)).toEqual(['acme', 'globex', 'huajian']);
    expect(second.find((t) => t.id === 'acme')?.name).not.toBe('changed by the first caller');

    const file = join(mkdtempSync(join(tmpdir(), 'tenants-')), 'tenants.json');
    writeFileSync(file, JSON.stringify({ tenants: [valid] }));
    expect(loadTenants(file).map((t) => t.name)).toEqual(['Initech']);
    writeFileSync(file, JSON.stringify({ tenants: [{ ...valid, name: 'Initech Europe' }] }));
    expect(loadTenants(file).map((t) => t.name)).toEqual(['Initech Europe']);
    writeFileSync(file, JSON.stringify({ tenants: [{ ...valid, nightlyTime: '24:00' }] }));
    expect(() => loadTenants(file)).toThrow(/nightlyTime/);
  });

  it('accepts a complete tenant and defaults its secrets to none', () => {
    const { secrets: _omitted, ...withoutSecrets } = valid;
    expect(parseTenants({ tenants: [withoutSecrets] })[0]?.secrets).toEqual([]);
  });

  it('defaults the nightly retry policy to 3 attempts of failed and needs-attention periods', () => {
    const { retries: _omitted, ...withoutRetries } = valid;
    expect(parseTenants({ tenants: [withoutRetries] })[0]?.retries).toEqual({
      maxAttempts: 3,
      outcomes: ['failed', 'needs-attention'],
    });
    expect(parseTenants({ tenants: [valid] })[0]?.retries).toEqual({ maxAttempts: 2, outcomes: ['failed'] });
  });

  it.each([
    ['a time zone Intl does not know', { timeZone: 'Europe/Atlantis' }, /timeZone/],
    ['a nightly time that is not HH:MM', { nightlyTime: '24:00' }, /nightlyTime/],
    ['an upper-case tenant id', { id: 'Initech' }, /id/],
    ['a currency that is not ISO 4217 shaped', { currency: 'euro' }, /currency/],
    ['zero retention years', { retentionYears: 0 }, /retentionYears/],
    ['a secret name with a slash', { secrets: ['a/b'] }, /secrets/],
    ['an account id that is not 12 digits', { account: '1234' }, /account/],
    ['a retry of an outcome that does not exist', { retries: { outcomes: ['settled'] } }, /retries/],
  ])('rejects %s', (_label, change, message) => {
    expect(() => parseTenants({ tenants: [{ ...valid, ...change }] })).toThrow(message);
  });

  it('requires an alarm email: failures never go to a made-up address', () => {
    const { alarmEmail: _omitted, ...withoutAlarmEmail } = valid;
    expect(() => parseTenants({ tenants: [withoutAlarmEmail] })).toThrow(/alarmEmail/);
  });

  it('keeps the approval timeout inside the settlement execution timeout', () => {
    expect(SETTLEMENT_EXECUTION_TIMEOUT_DAYS).toBe(21);
    const longest = SETTLEMENT_EXECUTION_TIMEOUT_DAYS - 1;
    expect(
      parseTenants({ tenants: [{ ...valid, approvals: { timeoutDays: longest, reminderAfterHours: 24 } }] }),
    ).toHaveLength(1);
    expect(() =>
      parseTenants({
        tenants: [{ ...valid, approvals: { timeoutDays: longest + 1, reminderAfterHours: 24 } }],
      }),
    ).toThrow(/approvals\.timeoutDays: at most 20: the settlement execution times out after 21 days/);
  });

  it('keeps working data for 90 days by default, and longer than a settlement execution can run', () => {
    expect(parseTenants({ tenants: [valid] })[0]?.workingDataExpiryDays).toBe(90);
    expect(
      parseTenants({ tenants: [{ ...valid, workingDataExpiryDays: SETTLEMENT_EXECUTION_TIMEOUT_DAYS + 1 }] }),
    ).toHaveLength(1);
    expect(() =>
      parseTenants({ tenants: [{ ...valid, workingDataExpiryDays: SETTLEMENT_EXECUTION_TIMEOUT_DAYS }] }),
    ).toThrow(/tenants\.0\.workingDataExpiryDays: more than 21: a settlement execution may run that long/);
  });

  it('refuses a nightly time inside the hour skipped when the clocks go forward', () => {
    expect(() =>
      parseTenants({ tenants: [{ ...valid, timeZone: 'Europe/Berlin', nightlyTime: '02:30' }] }),
    ).toThrow(/nightlyTime: 02:30 does not exist in Europe\/Berlin on \d{4}-03-\d\d/);
    expect(() =>
      parseTenants({ tenants: [{ ...valid, timeZone: 'America/New_York', nightlyTime: '02:00' }] }),
    ).toThrow(/nightlyTime/);
    // The hour after, or a zone without daylight saving time, is fine.
    expect(
      parseTenants({ tenants: [{ ...valid, timeZone: 'Europe/Berlin', nightlyTime: '03:00' }] }),
    ).toHaveLength(1);
    expect(
      parseTenants({ tenants: [{ ...valid, timeZone: 'Asia/Shanghai', nightlyTime: '02:30' }] }),
    ).toHaveLength(1);
  });

  it('finds the skipped local times of a zone, also half-hour shifts', () => {
    expect(daysWithoutLocalTime('Europe/Berlin', '02:30', 2026)).toEqual(['2026-03-29', '2027-03-28']);
    expect(daysWithoutLocalTime('Europe/Berlin', '01:59', 2026)).toEqual([]);
    expect(daysWithoutLocalTime('America/New_York', '02:15', 2026, 1)).toEqual(['2026-03-08']);
    expect(daysWithoutLocalTime('Australia/Lord_Howe', '02:15', 2026, 1)).toEqual(['2026-10-04']);
    expect(daysWithoutLocalTime('Australia/Lord_Howe', '02:30', 2026, 1)).toEqual([]);
  });

  it('rejects two tenants with the same id', () => {
    expect(() => parseTenants({ tenants: [valid, valid] })).toThrow(/duplicate tenant id initech/);
  });

  it('names the file in the error', () => {
    expect(() => parseTenants({ tenants: [] }, 'x.json')).toThrow(TenantsFileError);
    expect(() => parseTenants({ tenants: [] }, 'x.json')).toThrow(/x\.json is invalid/);
  });
});
