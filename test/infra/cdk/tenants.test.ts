import { describe, expect, it } from 'vitest';
import { loadTenants, parseTenants, TenantsFileError } from '../../../infra/cdk/tenants.ts';
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
  retries: { maxAttempts: 2, outcomes: ['failed'] },
  secrets: ['toggl'],
};

describe('the tenants file', () => {
  it('ships two valid tenants in different time zones', () => {
    const tenants = loadTenants(TENANTS_FILE);
    expect(tenants.map((t) => t.id)).toEqual(['acme', 'globex']);
    expect(tenants.map((t) => t.timeZone)).toEqual(['Europe/Berlin', 'America/New_York']);
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

  it('rejects two tenants with the same id', () => {
    expect(() => parseTenants({ tenants: [valid, valid] })).toThrow(/duplicate tenant id initech/);
  });

  it('names the file in the error', () => {
    expect(() => parseTenants({ tenants: [] }, 'x.json')).toThrow(TenantsFileError);
    expect(() => parseTenants({ tenants: [] }, 'x.json')).toThrow(/x\.json is invalid/);
  });
});
